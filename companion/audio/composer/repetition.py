"""Does long music repeat itself? The measure used by the tests and benchmarks/music.py.

Features, per half second: log energies in 24 bands from 60 Hz to 8 kHz (the spectral
envelope) and in the 12 pitch classes from 100 Hz to 4 kHz (chroma: the harmony), each with
its mean over the whole render removed, so a steady timbre or key does not count as a
repeat, a repeated passage does. Two 20-s windows are compared by the cosine of their
feature sequences; a render's score is the highest similarity of any 20-s window to any
earlier window that does not overlap it (every start, half-second steps). An exact loop
scores 1.0; white noise about 0.1.

`Features` is filled chunk by chunk, so hours of music need no more than their features
(about 300 kB an hour)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from companion.audio.signal import SAMPLE_RATE

FRAME = SAMPLE_RATE // 2
WINDOW = 40  # frames: 20 s
THRESHOLD = 0.9  # above this a window is a repeat (a loop: 1.0; noise: 0.2; see docs/sound.md)
_BANDS = np.geomspace(60, 8000, 25)


def _maps() -> tuple[np.ndarray, np.ndarray]:
    freqs = np.fft.rfftfreq(FRAME, 1.0 / SAMPLE_RATE)
    band = np.searchsorted(_BANDS, freqs) - 1
    band[(freqs < _BANDS[0]) | (freqs >= _BANDS[-1])] = -1
    pitch = np.full(freqs.size, -1)
    inside = (freqs >= 100) & (freqs < 4000)
    pitch[inside] = np.round(12 * np.log2(freqs[inside] / 440.0) + 69).astype(int) % 12
    return band, pitch


class Features:
    """Per-frame features of a stream of (frames, channels) audio, fed in any chunk sizes."""

    def __init__(self) -> None:
        self.band, self.pitch = _maps()
        self.rows: list[np.ndarray] = []
        self._rest = np.zeros(0)

    def add(self, x: np.ndarray) -> None:
        mono = np.concatenate([self._rest, x.mean(axis=1) if x.ndim == 2 else x])
        whole = mono.size // FRAME
        if whole:
            frames = mono[: whole * FRAME].reshape(whole, FRAME) * np.hanning(FRAME)
            power = np.abs(np.fft.rfft(frames, axis=1)) ** 2
            bands = np.stack(
                [power[:, self.band == b].sum(axis=1) for b in range(len(_BANDS) - 1)], axis=1
            )
            chroma = np.stack([power[:, self.pitch == p].sum(axis=1) for p in range(12)], axis=1)
            self.rows.append(10 * np.log10(np.concatenate([bands, chroma], axis=1) + 1e-12))
        self._rest = mono[whole * FRAME :]

    def matrix(self) -> np.ndarray:
        features = np.concatenate(self.rows) if self.rows else np.zeros((0, len(_BANDS) - 1 + 12))
        return features - features.mean(axis=0, keepdims=True)


@dataclass
class Repeat:
    score: float  # highest similarity of a window to an earlier one
    at: float  # seconds: where the most similar window starts
    earlier: float  # seconds: where the window it resembles starts
    windows: int  # how many windows were compared

    @property
    def repeats(self) -> bool:
        return self.score > THRESHOLD


def repetition(features: np.ndarray, window: int = WINDOW, centred: bool = True) -> Repeat:
    """The highest cosine similarity of any window to any earlier, non-overlapping one.

    centred: each window's own mean is removed too, so what is compared is how the sound
    moves within the 20 s (a held chord that returns is not a repeat; a passage that returns
    is). Without it, only the render's mean is removed and a chord that comes back voiced the
    same way counts as similar."""
    n = features.shape[0] - window + 1
    if n <= window:
        return Repeat(0.0, 0.0, 0.0, 0)
    energy = np.concatenate([[0.0], np.cumsum(np.sum(features**2, axis=1))])
    totals = np.concatenate([np.zeros((1, features.shape[1])), np.cumsum(features, axis=0)])
    sums_of_windows = totals[window : window + n] - totals[:n]  # (n, D)
    squares = energy[window : window + n] - energy[:n]
    if centred:
        squares = squares - np.sum(sums_of_windows**2, axis=1) / window
    norms = np.sqrt(np.maximum(squares, 1e-12))
    best, where = -1.0, (0, 0)
    for lag in range(window, n):
        products = np.einsum("ij,ij->i", features[lag:], features[:-lag])
        sums = np.concatenate([[0.0], np.cumsum(products)])
        count = n - lag  # windows starting at i = lag .. n-1, each against i - lag
        windowed = sums[window : window + count] - sums[:count]
        if centred:
            windowed = (
                windowed
                - np.einsum("ij,ij->i", sums_of_windows[lag : lag + count], sums_of_windows[:count])
                / window
            )
        similarity = windowed / (norms[lag : lag + count] * norms[:count])
        k = int(np.argmax(similarity))
        if similarity[k] > best:
            best, where = float(similarity[k]), (k + lag, k)
    half = FRAME / SAMPLE_RATE
    return Repeat(best, where[0] * half, where[1] * half, n)
