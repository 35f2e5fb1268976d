"""Values that move smoothly: every change the patient sees goes through one of these.

Fades are driven by the caller's clock (`advance(dt)`), so a test can step them with a
virtual clock and a frame drawn at any moment shows exactly where the fade is.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

# The shortest visible change the stage allows, whatever a script asks: nothing cuts.
MIN_FADE = 1.0


def ease(t: float) -> float:
    """Ease in and out (a half cosine): starts and ends at rest, so no change lurches."""
    t = min(1.0, max(0.0, t))
    return 0.5 - 0.5 * math.cos(math.pi * t)


def lerp(a: float, b: float, t: float) -> float:
    return a + (b - a) * t


@dataclass
class Fade:
    """A number that glides from where it is to a target over a given time."""

    value: float = 0.0
    _start: float = field(default=0.0, repr=False)
    _target: float = field(default=0.0, repr=False)
    _duration: float = field(default=0.0, repr=False)
    _elapsed: float = field(default=0.0, repr=False)

    def __post_init__(self) -> None:
        self._start = self._target = self.value

    def to(self, target: float, seconds: float) -> None:
        """Glide to `target` over `seconds` (from the current value, so a fade can turn
        round halfway without a jump)."""
        self._start, self._target = self.value, target
        self._duration, self._elapsed = max(0.0, seconds), 0.0
        if self._duration == 0.0:
            self.value = target

    def set(self, value: float) -> None:
        self.value = self._start = self._target = value
        self._duration = self._elapsed = 0.0

    def advance(self, dt: float) -> float:
        if self._duration > 0.0 and self._elapsed < self._duration:
            self._elapsed = min(self._duration, self._elapsed + dt)
            self.value = lerp(self._start, self._target, ease(self._elapsed / self._duration))
        return self.value

    @property
    def target(self) -> float:
        return self._target

    @property
    def moving(self) -> bool:
        return self._duration > 0.0 and self._elapsed < self._duration
