"""The numpy loudness meter agrees with pyloudnorm (a standard BS.1770-4 implementation)."""

import numpy as np
import pyloudnorm
import pytest

from companion.audio.loudness import gain_to, integrated_loudness

RATE = 44100


def _signals():
    rng = np.random.default_rng(5)
    t = np.arange(RATE * 6) / RATE
    yield "noise", 0.1 * rng.standard_normal((RATE * 6, 2))
    yield "low tone", 0.3 * np.sin(2 * np.pi * 60 * t)
    yield (
        "speech-like bursts",
        np.concatenate(
            [
                np.zeros(RATE),
                0.2 * rng.standard_normal(RATE * 2),
                np.zeros(RATE * 2),
                0.05 * rng.standard_normal(RATE),
            ]
        ),
    )
    yield (
        "bright tone",
        np.stack([0.2 * np.sin(2 * np.pi * 3000 * t), 0.1 * np.sin(2 * np.pi * 5000 * t)], 1),
    )


@pytest.mark.parametrize("name,signal", list(_signals()), ids=[n for n, _ in _signals()])
def test_meter_matches_pyloudnorm(name, signal):
    ours = integrated_loudness(signal, RATE)
    reference = pyloudnorm.Meter(RATE).integrated_loudness(signal)
    assert abs(ours - reference) < 0.1, (name, ours, reference)


def test_gain_reaches_the_target_unless_peaks_forbid():
    rng = np.random.default_rng(1)
    x = 0.01 * rng.standard_normal((RATE * 3, 2))
    gain = gain_to(x, RATE, -20.0, peak_ceiling=1.0)
    assert abs(integrated_loudness(x * gain, RATE) + 20.0) < 0.05
    limited = gain_to(x, RATE, -3.0, peak_ceiling=0.5)  # would clip: held at the ceiling
    assert np.max(np.abs(x * limited)) == pytest.approx(0.5)


def test_limiter_reaches_loudness_without_passing_the_ceiling():
    from companion.audio.loudness import limit_to

    rng = np.random.default_rng(3)
    # Speech-like: a steady body with a few sharp peaks far above it.
    x = 0.02 * rng.standard_normal(RATE * 4)
    x[RATE : RATE + 40] += 0.5 * np.hanning(40)
    x[3 * RATE : 3 * RATE + 80] -= 0.4 * np.hanning(80)
    y = limit_to(x, RATE, -19.0, 10 ** (-3 / 20))
    assert abs(pyloudnorm.Meter(RATE).integrated_loudness(y) + 19.0) < 0.3
    assert np.max(np.abs(y)) <= 10 ** (-3 / 20) + 1e-9
    gain = y / np.where(np.abs(x) > 1e-9, x, np.nan)
    body = np.nanmedian(gain)
    assert np.nanmin(gain[RATE // 2 : RATE - RATE // 30]) == pytest.approx(body, rel=1e-6), (
        "only near peaks"
    )
