"""Text and the breathing guide sit in the world ahead of the patient and stay put while
the head moves a little (reading, looking round); when the patient turns far away they
drift round, gently, to where the patient now faces, and rest again."""

from __future__ import annotations

import math
from dataclasses import dataclass

START_DEG = 35.0  # how far the head may turn before the text begins to follow
SETTLE_DEG = 3.0  # and how close it comes before it rests again
EASE_SECONDS = 0.8  # the follow closes the gap with this time constant...
MAX_SPEED_DEG = 45.0  # ...but never faster than this (degrees per second)


def wrap(degrees: float) -> float:
    """An angle as the shortest turn, in [-180, 180)."""
    return (degrees + 180.0) % 360.0 - 180.0


@dataclass
class LazyFollow:
    """The heading (degrees, + left) of the world-placed text, following the head's."""

    heading: float = 0.0
    following: bool = False

    def update(self, head: float, dt: float) -> float:
        gap = wrap(head - self.heading)
        if not self.following and abs(gap) > START_DEG:
            self.following = True
        if self.following:
            step = gap * (1.0 - math.exp(-dt / EASE_SECONDS))
            limit = MAX_SPEED_DEG * dt
            self.heading = wrap(self.heading + max(-limit, min(limit, step)))
            if abs(wrap(head - self.heading)) < SETTLE_DEG:
                self.following = False
        return self.heading

    def reset(self, heading: float = 0.0) -> None:
        """Straight ahead at once (a recenter is deliberate: no drift round)."""
        self.heading = heading
        self.following = False
