"""How steadily the app loop runs, as the panel server sees it.

The app loop drains the command queue once a frame (`PanelServer.take_commands`), so the gap
between two drains is one frame: the time a panel's command can wait before it is picked up,
and the time the patient's view waits for its next picture. A stalled loop shows here first.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from typing import Any

KEEP_SECONDS = 120.0  # gaps older than this are forgotten (at 60 Hz: 7,200 of them)


class FrameTimes:
    """The gaps between frames over the last KEEP_SECONDS, and counts since the start.
    `mark` runs on the app loop's thread; `summary` on any thread."""

    def __init__(self, keep: float = KEEP_SECONDS) -> None:
        self._keep = keep
        self._gaps: deque[tuple[float, float]] = (
            deque()
        )  # (when the frame began, seconds since the last)
        self._last: float | None = None
        self._frames = 0
        self._worst = 0.0
        self._lock = threading.Lock()

    def mark(self, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        with self._lock:
            if self._last is not None:
                gap = now - self._last
                self._gaps.append((now, gap))
                self._worst = max(self._worst, gap)
                while self._gaps and self._gaps[0][0] < now - self._keep:
                    self._gaps.popleft()
            self._last = now
            self._frames += 1

    def summary(self, window: float = 5.0, now: float | None = None) -> dict[str, Any]:
        """Frame gaps in the last `window` seconds: count, p50, p99 and max in milliseconds;
        `since_ms`: how long ago the last frame began (a stalled loop shows here at once)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            gaps = sorted(gap for when, gap in self._gaps if when >= now - window)
            last, frames, worst = self._last, self._frames, self._worst
        return {
            "window": window,
            "count": len(gaps),
            "p50_ms": _ms(percentile(gaps, 0.50)),
            "p99_ms": _ms(percentile(gaps, 0.99)),
            "max_ms": _ms(gaps[-1] if gaps else None),
            "since_ms": _ms(None if last is None else now - last),
            "frames": frames,
            "worst_ms": _ms(worst if frames > 1 else None),
        }


def percentile(ordered: list[float], fraction: float) -> float | None:
    """The nearest-rank percentile of an ascending list (None when empty)."""
    if not ordered:
        return None
    rank = min(len(ordered), max(1, math.ceil(fraction * len(ordered)))) - 1
    return ordered[rank]


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 2)
