"""Building blocks for the library: spectra of periodic loops, noise, events, reverb."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from companion.audio.signal import SAMPLE_RATE

# A spectral shape: gains (real or complex) for an array of frequencies in Hz.
Shape = Callable[[np.ndarray], np.ndarray]

ENVELOPE_RATE = 20  # Hz: slow envelopes (chord changes, swells) are sampled this often


def midi(note: float) -> float:
    return 440.0 * 2 ** ((note - 69) / 12)


def smoothstep(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3 - 2 * x)


@dataclass
class Loop:
    """A stereo loop of `seconds` built as two spectra (left, right) plus a time-domain layer."""

    seconds: float
    rate: int = SAMPLE_RATE

    def __post_init__(self) -> None:
        self.frames = int(round(self.seconds * self.rate))
        self.bins = self.frames // 2 + 1
        self.spectrum = np.zeros((2, self.bins), dtype=np.complex128)
        self.time = np.zeros((self.frames, 2))
        self.env_frames = int(round(self.seconds * ENVELOPE_RATE))

    # --- time grids -------------------------------------------------------------------
    def env_times(self) -> np.ndarray:
        """Times (s) of the slow envelope grid."""
        return np.arange(self.env_frames) / ENVELOPE_RATE

    def times(self) -> np.ndarray:
        return np.arange(self.frames) / self.rate

    def cycles(self, period_seconds: float) -> float:
        """A whole number of cycles per loop, nearest to `period_seconds` per cycle."""
        return max(1.0, round(self.seconds / period_seconds))

    def periodic_lfo(self, t: np.ndarray, period: float, phase: float) -> np.ndarray:
        """A sine LFO that fits the loop a whole number of times (so it loops seamlessly)."""
        return np.sin(2 * np.pi * self.cycles(period) * t / self.seconds + phase)

    # --- sustained partials, placed straight into the spectrum --------------------------
    def envelope_coefficients(
        self, envelope: np.ndarray, width: int = 240
    ) -> tuple[np.ndarray, np.ndarray]:
        """Fourier coefficients of a slow periodic envelope (sampled on env_times) for
        offsets -width..width bins around a partial."""
        coeffs = np.fft.fft(envelope) / envelope.size
        offsets = np.arange(-width, width + 1)
        return offsets, coeffs[offsets % envelope.size]

    def add_partial(
        self,
        freq: float,
        amp: float,
        phase: float,
        pan: float,
        envelope: tuple[np.ndarray, np.ndarray],
    ) -> None:
        """Add amp*env(t)*cos(2 pi f t + phase), panned (-1 left .. 1 right, equal power)."""
        k = int(round(freq * self.seconds))
        offsets, coeffs = envelope
        if k - offsets[-1] <= 0 or k + offsets[-1] >= self.bins:
            return
        placed = coeffs * (self.frames / 2 * amp * np.exp(1j * phase))
        angle = (pan + 1) * np.pi / 4
        self.spectrum[0, k + offsets] += placed * np.cos(angle)
        self.spectrum[1, k + offsets] += placed * np.sin(angle)

    # --- events (notes, drops, calls), added in time and wrapped round the loop --------
    def add_event(
        self, start: float, samples: np.ndarray, pan: float = 0.0, stereo: np.ndarray | None = None
    ) -> None:
        """Add a mono event (panned) or a (n, 2) stereo one at `start` seconds, wrapping."""
        begin = int(round(start * self.rate)) % self.frames
        if stereo is None:
            angle = (pan + 1) * np.pi / 4
            stereo = np.outer(samples, [np.cos(angle), np.sin(angle)])
        n = min(stereo.shape[0], self.frames)
        first = min(n, self.frames - begin)
        self.time[begin : begin + first] += stereo[:first]
        if n > first:
            self.time[: n - first] += stereo[first:n]

    # --- noise -------------------------------------------------------------------------
    def noise(self, rng: np.random.Generator, shape: Shape, correlation: float = 0.3) -> np.ndarray:
        """Stereo periodic noise (frames, 2) with magnitude spectrum shape(freqs)."""
        freqs = np.fft.rfftfreq(self.frames, 1.0 / self.rate)
        gains = shape(freqs)
        common = _random_spectrum(rng, self.bins)
        out = np.empty((self.frames, 2))
        for ch in range(2):
            own = _random_spectrum(rng, self.bins)
            spec = (np.sqrt(correlation) * common + np.sqrt(1 - correlation) * own) * gains
            spec[0] = 0
            out[:, ch] = np.fft.irfft(spec, n=self.frames)
        return out / max(1e-12, float(np.sqrt(np.mean(out**2))))

    def smooth_random(self, rng: np.random.Generator, shortest_period: float) -> np.ndarray:
        """A slow periodic random curve on the full-rate grid, zero mean, unit RMS."""
        n = self.env_frames
        spec = _random_spectrum(rng, n // 2 + 1)
        cutoff = max(2, int(self.seconds / shortest_period))
        spec[cutoff:] = 0
        spec[0] = 0
        curve = np.fft.irfft(spec, n=n)
        curve /= max(1e-12, float(np.sqrt(np.mean(curve**2))))
        return self.upsample(curve)

    def upsample(self, curve: np.ndarray) -> np.ndarray:
        """A slow periodic curve from the envelope grid to every sample (periodic interpolation)."""
        spec = np.fft.rfft(curve)
        full = np.zeros(self.bins, dtype=np.complex128)
        full[: spec.size] = spec
        if curve.size % 2 == 0:
            full[spec.size - 1] *= 0.5  # the old Nyquist bin is split between two bins
        return np.fft.irfft(full, n=self.frames) * (self.frames / curve.size)

    # --- finishing -----------------------------------------------------------------------
    def reverb_spectrum(self, ir: np.ndarray) -> np.ndarray:
        """The IR's spectrum on this loop's grid (2, bins), for `finish` (circular reverb:
        the tail wraps into the loop start, so the loop stays seamless)."""
        padded = np.zeros((self.frames, 2))
        m = min(self.frames, ir.shape[0])
        padded[:m] = ir[:m]
        return np.fft.rfft(padded, axis=0).T

    def finish(
        self,
        shape: Shape | None = None,
        reverb: np.ndarray | None = None,
        wet: float = 0.0,
        dry: float = 1.0,
    ) -> np.ndarray:
        """Spectrum plus time layer, filtered by shape(freqs) and reverberated, as (frames, 2).
        Everything happens on the spectrum, so a layer costs two inverse FFTs."""
        spec = self.spectrum
        if np.any(self.time):
            spec = spec + np.fft.rfft(self.time, axis=0).T
        if shape is not None:
            spec = spec * shape(np.fft.rfftfreq(self.frames, 1.0 / self.rate))
        if reverb is not None:
            spec = spec * (dry + wet * reverb)
        elif dry != 1.0:
            spec = spec * dry
        return np.stack([np.fft.irfft(spec[ch], n=self.frames) for ch in range(2)], axis=1)


def _random_spectrum(rng: np.random.Generator, bins: int) -> np.ndarray:
    return rng.standard_normal(bins) + 1j * rng.standard_normal(bins)


def spectral_filter(x: np.ndarray, rate: int, shape: Shape) -> np.ndarray:
    """Circular (loop-preserving) zero-phase filtering of (frames, channels) by shape(freqs)."""
    spec = np.fft.rfft(x, axis=0)
    spec *= shape(np.fft.rfftfreq(x.shape[0], 1.0 / rate))[:, None]
    return np.fft.irfft(spec, n=x.shape[0], axis=0)


def lowpass(cutoff: float, order: int = 2) -> Shape:
    return lambda f: 1.0 / np.sqrt(1.0 + (f / cutoff) ** (2 * order))


def highpass(cutoff: float, order: int = 2) -> Shape:
    return lambda f: 1.0 / np.sqrt(1.0 + (cutoff / np.maximum(f, 1e-6)) ** (2 * order))


def bandpass(low: float, high: float, order: int = 2) -> Shape:
    lp, hp = lowpass(high, order), highpass(low, order)
    return lambda f: lp(f) * hp(f)


def pink(f: np.ndarray) -> np.ndarray:
    return 1.0 / np.sqrt(np.maximum(f, 20.0))


def brown(f: np.ndarray) -> np.ndarray:
    return 1.0 / np.maximum(f, 20.0)


def reverb_ir(
    rng: np.random.Generator,
    seconds: float,
    decay_low: float,
    decay_high: float,
    rate: int = SAMPLE_RATE,
    predelay: float = 0.02,
    brightness: float = 5000.0,
) -> np.ndarray:
    """A stereo impulse response (frames, 2): decorrelated noise decaying faster in the
    highs (RT60 decay_low at the bottom, decay_high at the top), darkened above `brightness`."""
    n = int(seconds * rate)
    t = np.arange(n) / rate
    bands = (
        (0, 500, decay_low),
        (500, 2500, (decay_low + decay_high) / 2),
        (2500, rate / 2, decay_high),
    )
    ir = np.zeros((n, 2))
    for low, high, rt60 in bands:
        raw = rng.standard_normal((n, 2))
        shaped = spectral_filter(raw, rate, bandpass(max(low, 20), high, 3))
        ir += shaped * np.exp(-6.91 * t / rt60)[:, None]
    fade_in = smoothstep(t / 0.06)  # diffuse build-up: no hard first reflection
    ir *= fade_in[:, None]
    ir = spectral_filter(ir, rate, lowpass(brightness, 1))
    shift = int(predelay * rate)
    ir = np.concatenate([np.zeros((shift, 2)), ir])
    return ir / np.sqrt(np.sum(ir**2) / 2)


def oneshot_reverb(x: np.ndarray, ir: np.ndarray, wet: float, dry: float = 1.0) -> np.ndarray:
    """Linear convolution for one-shot sounds (chimes): the tail is appended, not wrapped."""
    n = x.shape[0] + ir.shape[0]
    size = 1 << (n - 1).bit_length()
    out = np.fft.irfft(np.fft.rfft(x, size, axis=0) * np.fft.rfft(ir, size, axis=0), size, axis=0)[
        :n
    ]
    padded = np.zeros((n, x.shape[1]))
    padded[: x.shape[0]] = x
    return dry * padded + wet * out


def partition(seconds: float, starts: list[float], crossfade: float) -> np.ndarray:
    """Windows (segments, env_frames) that sum to one everywhere: segment i holds from
    starts[i] to starts[i+1] (wrapping), with smooth S-curve crossfades of about `crossfade`
    seconds at each boundary (each segment's indicator, circularly smoothed by one Hann
    kernel). Common tones of neighbouring chords so sustain unbroken."""
    n = int(round(seconds * ENVELOPE_RATE))
    t = np.arange(n) / ENVELOPE_RATE
    width = max(3, int(crossfade * ENVELOPE_RATE))
    kernel = np.zeros(n)
    kernel[:width] = np.hanning(width)
    kernel = np.roll(kernel / kernel.sum(), -(width // 2))
    spec_kernel = np.fft.rfft(kernel)
    windows = np.zeros((len(starts), n))
    for i, begin in enumerate(starts):
        end = starts[(i + 1) % len(starts)]
        length = (end - begin) % seconds or seconds
        inside = (((t - begin) % seconds) < length).astype(float)
        windows[i] = np.fft.irfft(np.fft.rfft(inside) * spec_kernel, n=n)
    windows = np.clip(windows, 0.0, None)
    return windows / windows.sum(axis=0, keepdims=True)


def soft_note(
    freq: float,
    seconds: float,
    attack: float,
    decay: float,
    partials: list[tuple[float, float, float]],
    rate: int = SAMPLE_RATE,
    detune: float = 0.0,
) -> np.ndarray:
    """A gentle note: raised-cosine attack, exponential decay, faded to zero at the end.
    partials: (ratio, amplitude, decay factor) - higher partials die away sooner."""
    n = int(seconds * rate)
    t = np.arange(n) / rate
    attack_env = np.where(t < attack, 0.5 - 0.5 * np.cos(np.pi * np.minimum(t / attack, 1.0)), 1.0)
    tail = smoothstep((seconds - t) / min(1.0, seconds / 3))
    out = np.zeros(n)
    for ratio, amp, decay_factor in partials:
        f = freq * ratio
        if f > 9000:
            continue
        out += amp * np.exp(-t / (decay * decay_factor)) * np.sin(2 * np.pi * f * (1 + detune) * t)
    return out * attack_env * tail
