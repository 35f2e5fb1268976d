"""Streaming signal pieces with state carried from block to block, so a render in blocks is
one continuous signal: a partitioned convolver (reverb and tone), a slow leveller that holds
the bus loudness, and a look-ahead peak limiter whose gain is a pure function of the signal
around each sample (it cannot step at a block join)."""

from __future__ import annotations

from collections import deque

import numpy as np

from companion.audio.loudness import _k_response


class Convolver:
    """Uniformly partitioned overlap-add convolution of (block, 2) blocks with one or more
    stereo impulse responses at once (one forward FFT per block, one inverse per response)."""

    def __init__(self, irs: list[np.ndarray], block: int) -> None:
        self.block = block
        self.size = 2 * block
        longest = max(ir.shape[0] for ir in irs)
        self.parts = max(1, -(-longest // block))
        self.spectra = []  # per response: (parts, bins, 2)
        for ir in irs:
            padded = np.zeros((self.parts * block, 2))
            padded[: ir.shape[0]] = ir if ir.ndim == 2 else ir[:, None]
            chunks = padded.reshape(self.parts, block, 2)
            self.spectra.append(np.fft.rfft(chunks, n=self.size, axis=1))
        self.history: deque[np.ndarray] = deque(maxlen=self.parts)
        self.overlap = [np.zeros((block, 2)) for _ in irs]

    def process(self, x: np.ndarray) -> list[np.ndarray]:
        self.history.appendleft(np.fft.rfft(x, n=self.size, axis=0))
        stacked = np.stack(list(self.history))  # (k, bins, 2), newest first
        out = []
        for r, spectra in enumerate(self.spectra):
            total = np.einsum("kbc,kbc->bc", stacked, spectra[: stacked.shape[0]])
            y = np.fft.irfft(total, n=self.size, axis=0)
            result = y[: self.block] + self.overlap[r]
            self.overlap[r] = y[self.block :].copy()
            out.append(result)
        return out


def lowpass_fir(cutoff: float, taps: int, rate: int) -> np.ndarray:
    """A linear-phase windowed-sinc low-pass (delay taps // 2)."""
    n = np.arange(taps) - taps // 2
    h = 2 * cutoff / rate * np.sinc(2 * cutoff / rate * n) * np.hanning(taps)
    return h / h.sum()


class Leveller:
    """Holds the output at a loudness target: K-weighted power of each block (BS.1770's
    weighting, gated below -60 LUFS), averaged over about `seconds`, sets a gain that may move
    at most `slew` dB a second, glided sample by sample through each block."""

    def __init__(
        self, rate: int, block: int, start_db: float, seconds: float = 10.0, slew: float = 1.0
    ) -> None:
        self.rate, self.block = rate, block
        self.weight = np.abs(_k_response(block, rate)) ** 2
        self.alpha = 1.0 - np.exp(-block / rate / seconds)
        self.power: float | None = None
        self.blocks = 0
        self.gain_db = start_db
        self.step = slew * block / rate

    def process(self, x: np.ndarray, target: float) -> np.ndarray:
        spectrum = np.fft.rfft(x, axis=0)
        power = float(np.sum(np.abs(spectrum) ** 2 * self.weight[:, None])) * 2 / (x.shape[0] ** 2)
        loudness = -0.691 + 10 * np.log10(max(power, 1e-20))
        if loudness > -60:  # a plain mean of the first blocks, then an exponential one
            self.blocks += 1
            alpha = max(self.alpha, 1.0 / self.blocks)
            self.power = power if self.power is None else self.power + alpha * (power - self.power)
        start = self.gain_db
        if self.power is not None:
            raw = -0.691 + 10 * np.log10(self.power)  # the input's loudness, before the gain
            wanted = float(np.clip(target - raw, -60, 30))
            self.gain_db = start + float(np.clip(wanted - start, -self.step, self.step))
        ramp = np.linspace(start, self.gain_db, x.shape[0], endpoint=False)
        return x * (10 ** (ramp / 20))[:, None]


def running_min(x: np.ndarray, radius: int) -> np.ndarray:
    """min(x[i-radius .. i+radius]) (van Herk / Gil-Werman, O(n)); edges padded with 1."""
    w = 2 * radius + 1
    n = x.size
    padded = np.concatenate([np.ones(radius), x, np.ones(radius + (-(n + 2 * radius) % w))])
    blocks = padded.reshape(-1, w)
    prefix = np.minimum.accumulate(blocks, axis=1).ravel()
    suffix = np.minimum.accumulate(blocks[:, ::-1], axis=1)[:, ::-1].ravel()
    i = np.arange(n)
    return np.minimum(suffix[i], prefix[i + w - 1])


class Limiter:
    """A look-ahead limiter that only acts on a rare peak: output is delayed by 2*radius
    frames; the gain at each sample is the smoothed running minimum of ceiling/|x| around
    it, so no sample passes the ceiling and the gain never jumps."""

    def __init__(self, ceiling: float, radius: int = 441) -> None:
        self.ceiling = ceiling
        self.radius = radius
        self.tail = np.zeros((4 * radius, 2))
        self.kernel = np.hanning(radius + 2)[1:-1]
        self.kernel /= self.kernel.sum()
        self.limited = 0  # blocks where the gain went below one

    def process(self, x: np.ndarray) -> np.ndarray:
        r = self.radius
        ext = np.concatenate([self.tail, x])
        self.tail = ext[-4 * r :].copy()
        out = ext[2 * r : 2 * r + x.shape[0]]
        peak = np.max(np.abs(ext), axis=1)
        if peak.max() <= self.ceiling:
            return out.copy()
        self.limited += 1
        need = np.minimum(1.0, self.ceiling / np.maximum(peak, 1e-12))
        floor = running_min(need, r)
        smooth = np.convolve(floor, self.kernel, mode="same")
        gain = np.minimum(smooth, floor)[2 * r : 2 * r + x.shape[0]]
        return out * gain[:, None]
