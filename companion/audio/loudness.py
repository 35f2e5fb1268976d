"""Integrated loudness after ITU-R BS.1770-4 / EBU R128 (LUFS), in numpy alone.

Used where importing scipy (for pyloudnorm) would cost more than the work: normalising each
narration line as it is rendered, and the sound library. The tests check it against pyloudnorm.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from companion.audio.signal import biquad_response, fast_length

BLOCK_SECONDS = 0.4
STEP_SECONDS = 0.1
ABSOLUTE_GATE = -70.0
RELATIVE_GATE = -10.0
SILENCE = -120.0


@lru_cache(maxsize=64)
def _k_response(n: int, rate: int) -> np.ndarray:
    """The K-weighting's complex gain on an rfft grid of n points (remembered: lines are
    measured several times while they are levelled)."""
    return _k_weighting(rate)(np.fft.rfftfreq(n, 1.0 / rate))


def _k_weighting(rate: int):
    """The two K-weighting stages (high shelf, then high pass) for `rate`."""
    f0, gain_db, q = 1681.974450955533, 3.999843853973347, 0.7071752369554196
    k = math.tan(math.pi * f0 / rate)
    vh = 10 ** (gain_db / 20)
    vb = vh**0.4996667741545416
    a0 = 1 + k / q + k * k
    shelf_b = (
        (vh + vb * k / q + k * k) / a0,
        2 * (k * k - vh) / a0,
        (vh - vb * k / q + k * k) / a0,
    )
    shelf_a = (1.0, 2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0)
    f0, q = 38.13547087602444, 0.5003270373238773
    k = math.tan(math.pi * f0 / rate)
    a0 = 1 + k / q + k * k
    pass_b = (1.0, -2.0, 1.0)
    pass_a = (1.0, 2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0)

    def response(freqs: np.ndarray) -> np.ndarray:
        return biquad_response(shelf_b, shelf_a, freqs, rate) * biquad_response(
            pass_b, pass_a, freqs, rate
        )

    return response


def integrated_loudness(x: np.ndarray, rate: int) -> float:
    """Gated integrated loudness of `x` (frames, channels) or (frames,), in LUFS."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 1:
        x = x[:, None]
    block, step = int(BLOCK_SECONDS * rate), int(STEP_SECONDS * rate)
    if x.shape[0] < block:  # too short to measure as written: measure it padded with silence
        x = np.concatenate([x, np.zeros((block - x.shape[0], x.shape[1]))])
    n = fast_length(x.shape[0] + int(0.5 * rate))
    spectrum = np.fft.rfft(x, n=n, axis=0)
    spectrum *= _k_response(n, rate)[:, None]
    weighted = np.fft.irfft(spectrum, n=n, axis=0)[: x.shape[0]]
    weights = np.array([1.0, 1.0, 1.0, 1.41, 1.41][: x.shape[1]] + [1.0] * max(0, x.shape[1] - 5))
    power = (weighted**2) @ weights
    cumulative = np.concatenate([[0.0], np.cumsum(power)])
    starts = np.arange(0, x.shape[0] - block + 1, step)
    blocks = (cumulative[starts + block] - cumulative[starts]) / block
    with np.errstate(divide="ignore"):
        levels = -0.691 + 10 * np.log10(blocks)
    kept = blocks[levels > ABSOLUTE_GATE]
    if kept.size == 0:
        return SILENCE
    relative = -0.691 + 10 * np.log10(kept.mean()) + RELATIVE_GATE
    kept = blocks[(levels > ABSOLUTE_GATE) & (levels > relative)]
    return float(-0.691 + 10 * np.log10(kept.mean()))


DUAL_MONO_DB = 10 * math.log10(2)  # 3.01 dB


def dual_mono_target(target: float) -> float:
    """The loudness to level a mono file to, measured as one channel, so that it meets
    `target` as heard: the mixer plays it on both channels, and BS.1770 sums the channels'
    power, so the pair measures 3.01 dB louder than the file alone."""
    return target - DUAL_MONO_DB


def gain_to(x: np.ndarray, rate: int, target: float, peak_ceiling: float = 0.89) -> float:
    """The linear gain that brings `x` to `target` LUFS, lowered if it would push a sample
    peak over `peak_ceiling` (about -1 dBFS)."""
    measured = integrated_loudness(x, rate)
    if measured <= SILENCE:
        return 1.0
    gain = 10 ** ((target - measured) / 20)
    peak = float(np.max(np.abs(x))) if x.size else 0.0
    if peak * gain > peak_ceiling:
        gain = peak_ceiling / peak
    return gain


def limit_to(
    x: np.ndarray, rate: int, target: float, ceiling: float, rounds: int = 3
) -> np.ndarray:
    """Bring `x` to `target` LUFS with no sample above `ceiling` (linear): gain, then a
    look-ahead peak limiter that only touches the few peaks over the ceiling. The limiter's
    gain is the moving minimum of what each sample needs, smoothed by a window no wider than
    that minimum's, so it never lets a peak through and never changes faster than 20 ms."""
    y = np.asarray(x, dtype=np.float64)
    mono = y.reshape(y.shape[0], -1)
    half = max(1, int(0.01 * rate))
    for _ in range(rounds):
        measured = integrated_loudness(mono, rate)
        if measured <= SILENCE:
            return y
        if abs(measured - target) > 0.02:
            mono = mono * 10 ** ((target - measured) / 20)
        need = np.minimum(1.0, ceiling / np.maximum(np.max(np.abs(mono), axis=1), 1e-12))
        if need.min() >= 1.0:
            break
        gain = _smooth(_moving_min(need, half), half)
        mono = mono * np.minimum(gain, need)[:, None]
    return mono.reshape(y.shape)


def _moving_min(values: np.ndarray, half: int) -> np.ndarray:
    """min(values[i - half: i + half + 1]) for every i, in O(n) (van Herk / Gil-Werman)."""
    width = 2 * half + 1
    n = values.size
    blocks = -(-(n + 2 * half) // width)
    padded = np.full(blocks * width, np.inf)
    padded[half : half + n] = values
    shaped = padded.reshape(blocks, width)
    prefix = np.minimum.accumulate(shaped, axis=1).ravel()
    suffix = np.minimum.accumulate(shaped[:, ::-1], axis=1)[:, ::-1].ravel()
    start = np.arange(n)
    return np.minimum(suffix[start], prefix[start + width - 1])


def _smooth(values: np.ndarray, half: int) -> np.ndarray:
    """Two running means of width `half` (a triangle no wider than the moving minimum), so the
    smoothed gain stays at or under what each sample needs."""
    for width in (half // 2 * 2 + 1, half // 2 * 2 + 1):
        pad = width // 2
        total = np.concatenate([[0.0], np.cumsum(np.pad(values, pad, mode="edge"))])
        values = (total[width:] - total[:-width]) / width
    return values
