"""The film comfort guard's dimming moves the brightness a little each frame, never at once
(guard.py; the rule is comfort.MAX_CHANGE)."""

from __future__ import annotations

import numpy as np

from companion.stage.media.decode import THUMB
from companion.stage.media.guard import FLASH_GAIN, FilmGuard

FPS = 30


def _run(
    guard: FilmGuard, start: float, seconds: float, flashing: bool
) -> list[tuple[float, float]]:
    """(time, gain) a frame, for a film flashing black and white at 10 Hz or holding still
    (the shown mean is kept at 0.5, so only the flash dimming moves the gain)."""
    gains = []
    for frame in range(round(seconds * FPS)):
        t = start + frame / FPS
        level = (0.9 if int(t * 20) % 2 == 0 else 0.02) if flashing else 0.5
        guard.admit(t, np.full(THUMB, level, np.float32))
        gains.append((t, guard.brightness(t, 1 / FPS, 0.5)))
    return gains


def test_the_flash_dimming_comes_and_goes_gradually():
    guard = FilmGuard()
    calm = _run(guard, 0.0, 2.0, flashing=False)
    assert all(abs(g - 1.0) < 1e-6 for _, g in calm)
    flashing = _run(guard, 2.0, 2.0, flashing=True)
    gains = [g for _, g in calm + flashing]
    steps = np.abs(np.diff(gains))
    assert steps.max() <= 0.08, steps.max()  # no jump down in one frame
    first_dim = next(i for i, g in enumerate(gains) if g < 1.0)
    assert gains[first_dim + round(0.3 * FPS)] <= FLASH_GAIN + 1e-6  # dimmed within about 0.25 s
    after = _run(guard, 4.0, 8.0, flashing=False)
    gains = [flashing[-1][1]] + [g for _, g in after]
    steps = np.diff(gains)
    assert np.abs(steps).max() <= 0.01, np.abs(steps).max()  # no jump back up once calm
    recovered = next(t for t, g in after if g >= 0.999)
    calm_from = guard.flashing_until
    assert 2.5 <= recovered - calm_from <= 5.0, (recovered, calm_from)  # over a few seconds
