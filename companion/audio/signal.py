"""Signal helpers shared by the meter, the loader and the synthesis: all numpy, no scipy.

Filtering is done in the frequency domain (multiply an FFT by a response), which is exact for
the FIR part and, with enough zero padding, as good as running the IIR filter in time.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

SAMPLE_RATE = 44100


def fast_length(n: int) -> int:
    """The smallest 5-smooth number >= n: FFT lengths numpy transforms quickly."""
    best = 1 << max(0, (n - 1).bit_length())
    p5 = 1
    while p5 < best:
        p35 = p5
        while p35 < best:
            p = p35
            while p < n:
                p *= 2
            best = min(best, p)
            p35 *= 3
        p5 *= 5
    return best


def biquad_response(
    b: tuple[float, ...], a: tuple[float, ...], freqs: np.ndarray, rate: int
) -> np.ndarray:
    """H(e^jw) of a biquad at `freqs` (Hz)."""
    z1 = np.exp(-2j * np.pi * freqs / rate)
    z2 = z1 * z1
    return (b[0] + b[1] * z1 + b[2] * z2) / (a[0] + a[1] * z1 + a[2] * z2)


def filter_fft(
    x: np.ndarray, response: Callable[[np.ndarray], np.ndarray], rate: int, pad_seconds: float = 0.5
) -> np.ndarray:
    """Filter each column of x (frames, channels) by response(freqs) -> complex gains."""
    frames = x.shape[0]
    n = fast_length(frames + int(pad_seconds * rate))
    spectrum = np.fft.rfft(x, n=n, axis=0)
    gains = response(np.fft.rfftfreq(n, 1.0 / rate))
    spectrum *= gains[:, None] if spectrum.ndim == 2 else gains
    return np.fft.irfft(spectrum, n=n, axis=0)[:frames]


def resample(x: np.ndarray, rate_in: int, rate_out: int) -> np.ndarray:
    """Band-limited resampling of (frames, channels) by FFT (zero-padded so ends do not wrap)."""
    if rate_in == rate_out or x.shape[0] == 0:
        return x
    pad = int(0.05 * rate_in)
    frames_out = int(round(x.shape[0] * rate_out / rate_in))
    n_in = fast_length(x.shape[0] + pad)
    n_out = int(round(n_in * rate_out / rate_in))
    spectrum = np.fft.rfft(x, n=n_in, axis=0)
    keep = min(spectrum.shape[0], n_out // 2 + 1)
    out = np.zeros((n_out // 2 + 1,) + spectrum.shape[1:], dtype=complex)
    out[:keep] = spectrum[:keep]
    return np.fft.irfft(out, n=n_out, axis=0)[:frames_out] * (n_out / n_in)


def true_peak(x: np.ndarray, oversample: int = 4, chunk: int = 1 << 16) -> float:
    """Largest absolute value of the signal oversampled 4x (BS.1770 true peak), linear."""
    x = x.reshape(x.shape[0], -1)
    overlap = 256
    peak = float(np.max(np.abs(x))) if x.size else 0.0
    for start in range(0, x.shape[0], chunk):
        lo, hi = max(0, start - overlap), min(x.shape[0], start + chunk + overlap)
        block = x[lo:hi]
        n = block.shape[0]
        spectrum = np.fft.rfft(block, axis=0)
        up = np.fft.irfft(spectrum, n=n * oversample, axis=0) * oversample
        core = up[
            (start - lo) * oversample : (start - lo + min(chunk, x.shape[0] - start)) * oversample
        ]
        if core.size:
            peak = max(peak, float(np.max(np.abs(core))))
    return peak


def db(value: float) -> float:
    return 20.0 * float(np.log10(max(value, 1e-12)))
