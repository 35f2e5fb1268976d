"""Values that glide: every gain the mixer sets moves along one of these, so nothing steps.

A Param holds one ramp at a time; asking for a new target starts from wherever the value is
now, so a fade interrupted half way turns round smoothly."""

from __future__ import annotations

import math
from dataclasses import dataclass

FLOOR = 10 ** (-60 / 20)  # where a "db" ramp from or to silence starts or ends
LONG_FADE = 2.5  # s: fades from or to silence at least this long keep the equal-power shape


def silence_fade(seconds: float, rising: bool) -> str:
    """The shape of a fade from or to silence. A long one keeps the equal-power curve (the
    sound is heard early in a fade-in and lingers in a fade-out, as a musician would fade);
    a short one goes evenly in decibels, so each 512-frame step is the same small ratio
    instead of a few large ones near silence."""
    if seconds >= LONG_FADE:
        return "rise" if rising else "fall"
    return "db"


@dataclass(frozen=True)
class Ramp:
    start_value: float
    end_value: float
    start: float
    seconds: float
    shape: str = "linear"

    def at(self, now: float) -> float:
        if self.seconds <= 0 or now >= self.start + self.seconds:
            return self.end_value
        x = max(0.0, (now - self.start) / self.seconds)
        a, b = self.start_value, self.end_value
        if self.shape == "smooth":  # raised cosine: no corner at either end
            return a + (b - a) * (1 - math.cos(math.pi * x)) / 2
        if self.shape == "rise":  # equal-power fade in (sine quarter)
            return a + (b - a) * math.sin(math.pi * x / 2)
        if self.shape == "fall":  # equal-power fade out (cosine quarter): pairs with "rise"
            return b + (a - b) * math.cos(math.pi * x / 2)
        if self.shape == "db":  # evenly in decibels: every mixer buffer changes by the same ratio
            lo, hi = math.log(max(a, FLOOR)), math.log(max(b, FLOOR))
            return math.exp(lo + (hi - lo) * x)
        return a + (b - a) * x

    def done(self, now: float) -> bool:
        return now >= self.start + self.seconds


class Param:
    def __init__(self, value: float) -> None:
        self._ramp = Ramp(value, value, 0.0, 0.0)

    def value(self, now: float) -> float:
        return self._ramp.at(now)

    @property
    def target(self) -> float:
        return self._ramp.end_value

    def to(self, target: float, seconds: float, now: float, shape: str = "linear") -> None:
        self._ramp = Ramp(self.value(now), target, now, max(0.0, seconds), shape)

    def done(self, now: float) -> bool:
        return self._ramp.done(now)


def layer_weight(role: str, intensity: float) -> float:
    """How much of a music layer plays at an intensity (0 soft .. 1 deep). The base pad is
    always there; the middle texture comes in over 0.1-0.6, the high shimmer over 0.45-1."""

    def smooth(lo: float, hi: float) -> float:
        x = min(1.0, max(0.0, (intensity - lo) / (hi - lo)))
        return x * x * (3 - 2 * x)

    if role == "middle":
        return smooth(0.1, 0.6)
    if role == "high":
        return smooth(0.45, 1.0)
    return 1.0
