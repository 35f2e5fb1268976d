"""Measuring captured or generated sound: levels, bands, clicks."""

from __future__ import annotations

import numpy as np

RATE = 44100


def db(value: float) -> float:
    return 20 * float(np.log10(max(value, 1e-12)))


def rms_db(x: np.ndarray) -> float:
    return db(float(np.sqrt(np.mean(np.square(x))))) if x.size else -240.0


def band_db(x: np.ndarray, low: float, high: float, rate: int = RATE) -> float:
    """Level (dB, RMS-like) of the part of x between low and high Hz."""
    mono = x.mean(axis=1) if x.ndim == 2 else x
    spec = np.fft.rfft(mono * np.hanning(mono.size))
    freqs = np.fft.rfftfreq(mono.size, 1 / rate)
    power = np.sum(np.abs(spec[(freqs >= low) & (freqs < high)]) ** 2)
    return 10 * np.log10(max(power, 1e-30) * 2 / (np.sum(np.hanning(mono.size) ** 2) * mono.size))


def frames_db(x: np.ndarray, window: int, step: int | None = None) -> np.ndarray:
    step = step or window
    mono = x.mean(axis=1) if x.ndim == 2 else x
    starts = range(0, max(0, mono.size - window) + 1, step)
    return np.array([rms_db(mono[s:s + window]) for s in starts])


def clicks(x: np.ndarray, rate: int = RATE, factor: float = 8.0, floor_db: float = -66.0,
           window: float = 0.02) -> list[float]:
    """Times (s) of clicks: samples whose second difference stands out `factor` times above
    the local RMS of second differences (over `window` each side) and above an absolute floor.
    A smooth signal (a tone, a pad, a fade of one) has small, steady second differences; a
    discontinuity puts its whole jump into one of them."""
    x = x.reshape(x.shape[0], -1)
    found: set[float] = set()
    half = int(window * rate)
    for ch in range(x.shape[1]):
        d2 = np.abs(np.diff(x[:, ch], 2))
        if d2.size < 3:
            continue
        energy = np.concatenate([[0.0], np.cumsum(d2 ** 2)])
        idx = np.arange(d2.size)
        lo, hi = np.maximum(0, idx - half), np.minimum(d2.size, idx + half)
        local = np.sqrt((energy[hi] - energy[lo] - d2 ** 2) / np.maximum(1, hi - lo - 1))
        hits = np.flatnonzero((d2 > factor * local) & (d2 > 10 ** (floor_db / 20)))
        found.update(round((i + 1) / rate, 3) for i in hits)
    return sorted(found)


def tone(freq: float, seconds: float, amplitude: float, rate: int = RATE, stereo: bool = True) -> np.ndarray:
    t = np.arange(int(round(seconds * rate))) / rate
    x = amplitude * np.sin(2 * np.pi * freq * t)
    return np.stack([x, x], axis=1) if stereo else x
