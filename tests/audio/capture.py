"""Capturing what the real mixer plays: SDL's disk driver writes the mixed output to a file in
real time (raw 16-bit stereo), and a poller notes when the file grows, so a moment in this
process (an action applied) maps to a frame of the capture. stdio buffers the driver's writes
in 8 KiB blocks, so each growth marks an exact count of frames mixed at that instant."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import numpy as np

RATE = 44100
FRAME_BYTES = 4  # 16-bit stereo


class Capture:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.marks: list[tuple[float, int]] = []  # (monotonic time, frames written)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()

    def _poll(self) -> None:
        last = -1
        while not self._stop.is_set():
            try:
                size = os.stat(self.path).st_size
            except OSError:
                size = 0
            if size != last:
                self.marks.append((time.monotonic(), size // FRAME_BYTES))
                last = size
            time.sleep(0.0005)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def written(self) -> int:
        """Frames in the file at the last poll."""
        return self.marks[-1][1] if self.marks else 0

    def _growth(self) -> tuple[np.ndarray, np.ndarray]:
        """(times, frames) of every growth of the file past its first frame."""
        growth = [(t, f) for t, f in self.marks if f > 0]
        return np.array([t for t, _ in growth]), np.array([f for _, f in growth], dtype=float)

    def frame_at(self, when: float) -> int:
        """The capture frame that was being mixed at monotonic time `when` (interpolated)."""
        times, frames = self._growth()
        if len(times) < 2:
            return 0
        return int(
            np.interp(
                when,
                times,
                frames,
                left=frames[0] - (times[0] - when) * RATE,
                right=frames[-1] + (when - times[-1]) * RATE,
            )
        )

    def time_at(self, frame: float) -> float:
        """The monotonic time at which capture frame `frame` was mixed (interpolated): the
        inverse of frame_at. Where the driver was held up, frames were mixed later and the
        capture holds no frames for the gap, so a span of the sound in wall time is measured
        here, not as a count of frames."""
        times, frames = self._growth()
        return float(np.interp(frame, frames, times))

    def audio(self) -> np.ndarray:
        """The capture as float (frames, 2) in -1..1."""
        raw = np.fromfile(self.path, dtype="<i2")
        raw = raw[: raw.size - raw.size % 2]
        return raw.reshape(-1, 2).astype(np.float64) / 32768.0

    def held_up(self, slack: float = 1.3) -> list[tuple[int, int]]:
        """Frame ranges (start, end) that SDL's disk driver mixed late: blocks of the file
        (one stdio buffer, four mixer buffers) that took `slack` times their length or more
        to come. The driver does not catch up after its thread was held up (a busy machine):
        the next buffer is simply mixed later, so every gain that moved meanwhile moved by
        more between two buffers than it can in real time. A sound card would have played a
        gap there instead; what was mixed in such a block says nothing of the mixer's
        ramps. The block before it is counted in too (it holds the buffer the late one
        follows)."""
        growth = [(t, f) for t, f in self.marks if f > 0]
        late: list[tuple[int, int]] = []
        for (_, f0), (t1, f1), (t2, f2) in zip(growth, growth[1:], growth[2:], strict=False):
            if t2 - t1 >= slack * (f2 - f1) / RATE:
                late.append((f0, f2))
        return late


def outside(times: list[float], ranges: list[tuple[int, int]], offset: int = 0) -> list[float]:
    """The `times` (s from frame `offset`) that fall in none of the frame `ranges`."""
    return [t for t in times if not any(a <= offset + t * RATE < b for a, b in ranges)]
