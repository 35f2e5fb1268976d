"""The comfort guard for films: a film is somebody else's picture, so its flashes and
lurches are damped before they are shown, by the rules the stage's comfort check measures
(companion/stage/comfort.py).

- Lurches: the film's shown brightness follows its own at most LURCH_RATE per second (a
  gain from GAIN_RANGE), as an eye adapts: a cut from dark to bright comes up gently.
- Flashes: when the film's pictures (whole or any ninth) swing by a flash's step more
  than ALLOWED_CHANGES times within a second, new pictures are held, at most HOLD_RATE a
  second, and the film dims to at most FLASH_GAIN, until it has been calm for CALM seconds.
  The dimming is itself a change of brightness, so it is never a jump: the cap on the gain
  moves down at most DIM_RATE a second (1.0 to FLASH_GAIN in a quarter of a second) and back
  up at most RECOVER_RATE a second (some four seconds), as comfort.MAX_CHANGE asks of the
  stage; the gain is never set to its target in one frame."""

from __future__ import annotations

import numpy as np

from companion.stage.comfort import GRID, _Transitions, region_means

LURCH_RATE = 0.04
GAIN_RANGE = (0.3, 1.6)
ALLOWED_CHANGES = 2
HOLD_RATE = 2.0
FLASH_GAIN = 0.45
CALM = 2.0
DIM_RATE = 2.2  # gain a second, down, when flashes begin: dim within about 0.25 s
RECOVER_RATE = 0.15  # gain a second, back up, once calm: 0.45 to 1.0 in about 3.7 s


class FilmGuard:
    def __init__(self) -> None:
        self._series = [_Transitions() for _ in range(1 + GRID * GRID)]
        self.shown_mean: float | None = None
        self.flashing_until = -1.0
        self.last_shown = -1e9
        self.flashes_held = 0  # pictures held back, for reports and tests
        self.gain = 1.0
        self.cap = GAIN_RANGE[
            1
        ]  # the flash dimming's ceiling on the gain, moved a little each frame

    def admit(self, time: float, thumb: np.ndarray) -> bool:
        """Whether a new film picture at `time` (its luminance thumbnail) may be shown now."""
        changes = 0
        for series, value in zip(self._series, region_means(thumb), strict=True):
            changes = max(changes, series.observe(time, float(value)))
        if changes > ALLOWED_CHANGES:
            self.flashing_until = time + CALM
        if self.flashing(time) and time - self.last_shown < 1.0 / HOLD_RATE:
            self.flashes_held += 1
            return False
        self.last_shown = time
        return True

    def flashing(self, time: float) -> bool:
        return time < self.flashing_until

    def brightness(self, time: float, dt: float, mean: float) -> float:
        """The gain for the picture shown now (`mean`: its own mean luminance)."""
        if self.shown_mean is None:
            self.shown_mean = mean
        step = LURCH_RATE * dt
        self.shown_mean += float(np.clip(mean - self.shown_mean, -step, step))
        gain = float(np.clip(self.shown_mean / max(mean, 1e-3), *GAIN_RANGE))
        if self.flashing(time):  # dimmed, and a dark picture is not brightened
            self.cap = max(FLASH_GAIN, min(self.cap, self.gain) - DIM_RATE * dt)
        else:  # calm again: the ceiling rises slowly out of the way
            self.cap = min(GAIN_RANGE[1], self.cap + RECOVER_RATE * dt)
        self.gain = min(gain, self.cap)
        return self.gain
