"""A film's pictures, decoded ahead in a thread of their own with PyAV (FFmpeg), looped
without a seam: the last LOOP_FADE seconds are blended into the first ones, so the picture
runs on from the end into the start (after the first pass, a film whose last picture is its
first, a loop already, is cut from end to start instead). Frames come in film time (seconds since the film
started, across loops), as decoded (Y, U and V planes: the shader makes them colour, which
costs the CPU nothing), a few ahead only: memory stays flat however long the session.

Why PyAV rather than Panda3D's MovieTexture: tried first, Panda3D 1.10.16's FFmpeg plugin
gave black pictures for H.264 films made here (its conversion logs "bad src image pointers");
and the film's time here must be the session's (it stops when the session pauses and runs on
a virtual clock in tests), with each picture's brightness measured for the comfort guard
before it is shown, where MovieTexture runs on its own clock."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

LOOP_FADE = 1.0        # seconds of the end blended into the start
AHEAD = 4              # frames decoded ahead
THUMB = (24, 48)       # rows, columns measured for the comfort guard
SEAMLESS = 0.03        # the last picture differs from the first nowhere by more: a loop


class CodecError(ValueError):
    """The film's video is in a codec this machine's FFmpeg cannot decode."""


@dataclass(frozen=True)
class FilmInfo:
    width: int
    height: int
    fps: float
    duration: float
    codec: str
    has_sound: bool
    pixels: str = "yuv420p"     # FFmpeg's pixel format: other than yuv420p is converted per picture


Planes = tuple[np.ndarray, np.ndarray, np.ndarray]


@dataclass
class FilmFrame:
    time: float              # film time it is shown from
    index: int               # frames since the film started (across loops)
    planes: Planes           # Y (H x W), U and V (H/2 x W/2) bytes, top row first
    thumb: np.ndarray        # THUMB relative luminance, for the comfort guard


def probe(path: str | Path) -> FilmInfo:
    """What a film is; raises av.FFmpegError (or OSError) when it cannot be opened."""
    import av

    with av.open(str(path)) as container:
        if not container.streams.video:
            raise ValueError("it holds no video")
        stream = container.streams.video[0]
        ctx = stream.codec_context
        if ctx is None:
            tag = getattr(stream, "codec_tag", None) or "unknown"
            raise CodecError(f"there is no decoder here for its video codec ({tag})")
        fps = float(stream.average_rate or stream.guessed_rate or 30)
        if stream.duration is not None and stream.time_base is not None:
            duration = float(stream.duration * stream.time_base)
        elif container.duration:
            duration = container.duration / 1_000_000
        else:
            duration = 0.0
        return FilmInfo(ctx.width, ctx.height, fps, duration, ctx.name, bool(container.streams.audio),
                        ctx.pix_fmt or "unknown")


def fit(width: int, height: int, limit: int) -> tuple[int, int]:
    """The film's size scaled down (if at all) to at most `limit` wide, even numbers."""
    if width <= limit:
        return width, height
    return limit - limit % 2, max(2, round(height * limit / width / 2) * 2)


def luminance_of_luma(luma: np.ndarray, limited: bool = True) -> np.ndarray:
    """Relative luminance (0..1, linear light) from 8-bit luma (video range 16-235, or full)."""
    from companion.stage.comfort import _LINEAR_OF_BYTE

    if limited:
        luma = np.clip((luma.astype(np.float32) - 16.0) * (255.0 / 219.0), 0, 255).astype(np.uint8)
    return _LINEAR_OF_BYTE[luma]


def thumbnail(luma: np.ndarray) -> np.ndarray:
    """THUMB samples of a picture's luminance, from its (video range) luma plane."""
    h, w = luma.shape
    rows = np.linspace(0, h - 1, THUMB[0]).astype(int)
    cols = np.linspace(0, w - 1, THUMB[1]).astype(int)
    return luminance_of_luma(luma[rows][:, cols])


def planes_of(frame: Any, size: tuple[int, int], step: int = 1) -> Planes:
    """A decoded frame's Y, U and V planes as tight arrays: 8-bit 4:2:0 as decoded (no
    conversion: the shader turns them into colour), anything else converted once here.
    `step`: every step-th pixel of every step-th row only (a smaller picture for nothing)."""
    width, height = size
    if frame.format.name != "yuv420p" or frame.width != width or frame.height != height:
        frame = frame.reformat(width=width, height=height, format="yuv420p")
    planes = []
    for index, plane in enumerate(frame.planes):
        w, h = (width, height) if index == 0 else ((width + 1) // 2, (height + 1) // 2)
        rows = np.frombuffer(plane, np.uint8).reshape(-1, plane.line_size)[:h:step, :w:step]
        planes.append(np.ascontiguousarray(rows))
    return planes[0], planes[1], planes[2]


def blend(a: Planes, b: Planes, weight: float) -> Planes:
    """`a` faded into `b` by `weight` (0..1), plane by plane."""
    return tuple((x * (1.0 - weight) + y * weight).astype(np.uint8) for x, y in zip(a, b))  # type: ignore[return-value]


class FilmDecoder:
    """Decodes `path` in a thread, looping, `AHEAD` frames ahead of `want(time)`."""

    def __init__(self, path: str | Path, size: tuple[int, int], info: FilmInfo | None = None,
                 fade: float = LOOP_FADE, step: int = 1) -> None:
        self.path = str(path)
        self.info = info or probe(path)
        self.size = size            # decoded at (even numbers)
        self.step = step            # and handed on at every step-th pixel
        self.fps = self.info.fps
        self.fade = fade if self.info.duration > 4 * fade else 0.0
        self.period = max(1.0 / self.fps, self.info.duration - self.fade)
        self._frames: deque[FilmFrame] = deque()
        self._cond = threading.Condition()
        self._stop = False
        self._wanted = 0.0          # the film time last asked for: pictures before it are late
        self.error: str | None = None
        self.ended = False
        self._thread = threading.Thread(target=self._run, name=f"film {Path(self.path).name}", daemon=True)
        self._thread.start()

    # --- the decoding thread ---------------------------------------------------------------

    def _pictures(self, start: float = 0.0) -> Iterator[tuple[float, Any]]:
        """(time in the file, decoded frame) of one pass from the start."""
        import av

        with av.open(self.path) as container:
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            base = stream.start_time or 0
            for frame in container.decode(stream):
                t = float((frame.pts - base) * stream.time_base) if frame.pts is not None else 0.0
                if t < start - 0.5 / self.fps:
                    continue
                yield t, frame

    def _run(self) -> None:
        try:
            index = 0
            offset = 0.0                # film time at which this pass's file time 0 shows
            first: np.ndarray | None = None
            current = self._pictures()
            while not self._stop:
                head = None
                last: tuple[float, np.ndarray] | None = None
                final = 0.0
                for t, frame in current:
                    if self._stop:
                        return
                    final = t
                    late = offset + t < self._wanted - 1.0 / self.fps
                    if late and first is not None and not (self.fade and t >= self.period):
                        index += 1      # already due to be dropped: not converted at all
                        continue
                    planes = planes_of(frame, self.size, self.step)
                    raw = thumbnail(planes[0])
                    if first is None:
                        first = raw
                    last = (t, raw)
                    if self.fade and t >= self.period:   # the end, blended into the start
                        if head is None:
                            head = self._pictures()
                        nxt = next(head, None)
                        if nxt is not None:
                            a = min(1.0, (t - self.period) / self.fade)
                            planes = blend(planes, planes_of(nxt[1], self.size, self.step), a)
                    self._put(FilmFrame(offset + t, index, planes, thumbnail(planes[0]) if head else raw))
                    index += 1
                if last is None or first is None:
                    raise ValueError("no picture could be decoded")
                if head is not None:    # the next pass goes on from where the blend left its start
                    offset += self.period
                    current = head
                else:                   # cut: the next pass starts a frame after this one's last
                    offset += final + 1.0 / self.fps
                    current = self._pictures()
                if self.fade and last[0] == final and float(np.abs(last[1] - first).max()) < SEAMLESS:
                    self.fade = 0.0     # its end runs into its start already: no blend needed
        except Exception as exc:  # reported by the layer, once; the session goes on
            self.error = f"{Path(self.path).name}: {exc}"
        finally:
            with self._cond:
                self.ended = True
                self._cond.notify_all()

    def _put(self, frame: FilmFrame) -> None:
        with self._cond:
            while len(self._frames) >= AHEAD and not self._stop:
                self._cond.wait(0.5)
            self._frames.append(frame)
            self._cond.notify_all()

    # --- the stage's side ------------------------------------------------------------------

    def frame_at(self, time: float, wait: bool = False, timeout: float = 10.0) -> FilmFrame | None:
        """The newest frame due by `time` (older ones are dropped), or None if none is yet.
        `wait`: block until the decoder has got that far."""
        import time as clock

        due = time + 1e-6
        give_up = clock.monotonic() + timeout
        with self._cond:
            self._wanted = time
            chosen = None
            while True:
                while self._frames and self._frames[0].time <= due:
                    chosen = self._frames.popleft()     # older due pictures make room ahead
                    self._cond.notify_all()
                caught_up = self._frames or self.ended or self.error
                if not wait or caught_up or clock.monotonic() > give_up:
                    return chosen
                self._cond.wait(0.2)

    def close(self) -> None:
        with self._cond:
            self._stop = True
            self._cond.notify_all()
        self._thread.join(timeout=2.0)
