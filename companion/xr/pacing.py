"""Frame pacing: the headset says when each frame will be shown; a frame that comes a
period (or more) late means frames were dropped. Dropped frames are counted for the
engine's state, and a run of them is reported as the display's health so the panel can
warn (a juddering picture is uncomfortable in a headset)."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

Report = Callable[[str, bool, str], None]

PART = "display"
WINDOW = 5.0  # seconds looked back over
WARN_FRACTION = 0.02  # more than 2% of the frames in that window dropped...
WARN_MINIMUM = 3  # ...and at least this many: warn


@dataclass
class FramePacer:
    report: Report
    dropped: int = 0  # since the start
    rate: float = 0.0  # the headset's frames per second
    warning: bool = False
    _last: float | None = None
    _recent: deque[tuple[float, int]] = field(default_factory=deque)

    def frame(self, display_time: float, period: float) -> int:
        """One frame the headset will show at `display_time` (seconds) with `period`
        between frames; returns how many frames were dropped before it."""
        if period > 0:
            self.rate = 1.0 / period
        missed = 0
        if self._last is not None and not 0 < display_time - self._last <= WINDOW:
            self.reset_timing()  # the runtime's clock went back, or leapt: not dropped frames
            self._recent.clear()
        if self._last is not None and period > 0:
            missed = max(0, round((display_time - self._last) / period) - 1)
        self._last = display_time
        self.dropped += missed
        self._recent.append((display_time, missed))
        while self._recent and self._recent[0][0] < display_time - WINDOW:
            self._recent.popleft()
        self._judge(period)
        return missed

    def recent(self) -> int:
        return sum(missed for _, missed in self._recent)

    def _judge(self, period: float) -> None:
        recent = self.recent()
        expected = WINDOW / period if period > 0 else len(self._recent)
        bad = recent >= WARN_MINIMUM and recent > WARN_FRACTION * expected
        if bad and not self.warning:
            self.warning = True
            self.report(
                PART,
                False,
                f"headset: {recent} frames dropped in the last {WINDOW:.0f} s "
                f"(at {self.rate:.0f} Hz): the picture may judder",
            )
        elif self.warning and recent == 0:
            self.warning = False
            self.report(PART, True, f"headset: frames on time again at {self.rate:.0f} Hz")

    def reset_timing(self) -> None:
        """After a pause in the headset's frames (it was taken off, or the runtime stopped
        asking), the gap is not dropped frames."""
        self._last = None
