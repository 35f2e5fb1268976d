"""The comfort check the stage applies to what it shows, frame by frame.

Two rules, from the measured picture (not from what the code meant to draw):
- Mean brightness (display luma, 0..1) changes by at most MAX_CHANGE within any second,
  except while the stage itself is fading (a scene's transition, a look's fade, pause,
  the end). A script's own fade is the author's choice; anything else is a lurch.
- Nothing flashes more than three times in any second (WCAG 2.3.1): in the whole view and
  in each ninth of it, a flash is a pair of opposing changes of relative luminance of at
  least 10% of full, the darker side below 0.8. Counted conservatively: every two
  successive opposing changes are a flash, so five changes in a second already fail.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

MAX_CHANGE = 0.05  # of full scale, within any one second, outside the stage's own fades
FLASH_CHANGE = 0.10  # relative luminance
MAX_FLASHES = 3
WINDOW = 1.0  # seconds
GRID = 3  # regions per side, besides the whole view


@dataclass(frozen=True)
class ComfortFinding:
    time: float
    rule: str  # "brightness" or "flashes"
    value: float
    message: str


def display_luma(rgb: np.ndarray) -> np.ndarray:
    """Luma of display values (0..1), per pixel."""
    return rgb[..., 0] * 0.2126 + rgb[..., 1] * 0.7152 + rgb[..., 2] * 0.0722


def _linear(rgb: np.ndarray) -> np.ndarray:
    return np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)


# sRGB to linear light for each byte value: a frame's 8-bit pixels need no power per pixel.
_LINEAR_OF_BYTE = _linear(np.arange(256) / 255.0).astype(np.float32)


def relative_luminance(rgb: np.ndarray) -> np.ndarray:
    """WCAG relative luminance of display values: 0..1 floats, or 0..255 bytes."""
    linear = _LINEAR_OF_BYTE[rgb] if rgb.dtype == np.uint8 else _linear(rgb)
    return display_luma(linear)


def region_means(values: np.ndarray) -> np.ndarray:
    """The mean over the whole view, then over each cell of a GRID x GRID split."""
    h, w = values.shape
    means = [values.mean()]
    for i in range(GRID):
        for j in range(GRID):
            cell = values[i * h // GRID : (i + 1) * h // GRID, j * w // GRID : (j + 1) * w // GRID]
            means.append(cell.mean())
    return np.array(means)


class _Transitions:
    """Direction changes of one luminance series big enough to count toward a flash."""

    def __init__(self) -> None:
        self.extreme: float | None = None
        self.direction = 0
        self.times: deque[float] = deque()

    def observe(self, t: float, value: float) -> int:
        """Take one value; return how many changes fell within the last second."""
        if self.extreme is None:
            self.extreme = value
            return 0
        # follow the swing to its peak (or trough) before measuring the way back
        if (
            self.direction > 0
            and value > self.extreme
            or self.direction < 0
            and value < self.extreme
        ):
            self.extreme = value
        change = value - self.extreme
        turned = (change <= -FLASH_CHANGE and self.direction >= 0) or (
            change >= FLASH_CHANGE and self.direction <= 0
        )
        if turned:
            if min(value, self.extreme) < 0.8:
                self.times.append(t)
            self.direction = 1 if change > 0 else -1
            self.extreme = value
        while self.times and self.times[0] < t - WINDOW:
            self.times.popleft()
        return len(self.times)


class ComfortMonitor:
    def __init__(self) -> None:
        self.findings: list[ComfortFinding] = []
        self._means: deque[tuple[float, float]] = deque()  # (time, mean) since the last fade
        self._series: list[_Transitions] = [_Transitions() for _ in range(1 + GRID * GRID)]
        self.frames = 0
        self.worst_change = 0.0
        self.worst_flashes = 0

    def reset(self) -> None:
        """Forget the frames seen so far (after a deliberate cut, as a snapshot makes)."""
        self._means.clear()
        self._series = [_Transitions() for _ in range(1 + GRID * GRID)]

    def observe(self, t: float, rgb: np.ndarray, fading: bool) -> list[ComfortFinding]:
        """Take one frame (H x W x 3, values 0..1, or bytes) shown at time `t`; return new
        findings."""
        self.frames += 1
        found: list[ComfortFinding] = []
        mean = float(display_luma(rgb).mean()) / (255.0 if rgb.dtype == np.uint8 else 1.0)
        if fading:
            self._means.clear()
        else:
            self._means.append((t, mean))
            while self._means and self._means[0][0] < t - WINDOW:
                self._means.popleft()
            values = [m for _, m in self._means]
            change = max(values) - min(values)
            self.worst_change = max(self.worst_change, change)
            if change > MAX_CHANGE:
                found.append(
                    ComfortFinding(
                        t,
                        "brightness",
                        change,
                        f"mean brightness changed by {change:.3f} within a second "
                        f"(limit {MAX_CHANGE})",
                    )
                )
                self._means.clear()  # report a lurch once, then look afresh
        for series, value in zip(self._series, region_means(relative_luminance(rgb)), strict=True):
            count = series.observe(t, float(value))
            flashes = max(0, count - 1)
            self.worst_flashes = max(self.worst_flashes, flashes)
            if flashes > MAX_FLASHES:
                found.append(
                    ComfortFinding(
                        t,
                        "flashes",
                        flashes,
                        f"{flashes} flashes within a second (WCAG 2.3.1 allows {MAX_FLASHES})",
                    )
                )
                series.times.clear()
        self.findings += found
        return found

    @property
    def ok(self) -> bool:
        return not self.findings
