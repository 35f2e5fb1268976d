"""Instrument-like voices, numpy only: each note is additive synthesis read from wavetables
(cheap whatever the number of partials), shaped by an envelope that starts and ends at zero
with a smooth slope, so a note never clicks wherever a chunk boundary falls.

- `Pad`: a sustained chord tone, three detuned voices morphing between a dark and a bright
  wavetable on a slow cycle (a slowly moving low-pass filter), held until released.
- finite notes rendered whole when they start (`note()`): `piano` (soft felt piano: partials
  slightly stretched, the upper ones dying sooner), `pluck` (a plucked string: bright then
  mellowing fast), `bowed` (a bowed string: slow bow, gentle vibrato, a little bow noise),
  `mallet` (the library's felt mallet), `bell` (inharmonic bowl modes beating slowly),
  `breath` (a swell of band-passed noise, like a breath or wind through a flute).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from companion.audio.signal import SAMPLE_RATE, fast_length
from companion.audio.synth import dsp

TABLE = 8192  # nearest-sample lookup: phase error under -68 dB of the fundamental
NYQUIST_GUARD = 7000.0  # no partial above this: soft sound for an hour, and no aliasing


def wavetable(amplitudes: list[float], stretch: float = 0.0) -> np.ndarray:
    """One cycle (TABLE + 1 samples, the last equal to the first) of harmonics 1..n."""
    spec = np.zeros(TABLE // 2 + 1, dtype=np.complex128)
    for h, amp in enumerate(amplitudes, 1):
        if h < TABLE // 2:
            spec[h] = amp * TABLE / 2 * np.exp(1j * (0.7 * h * h))  # spread phases: low crest
    table = np.fft.irfft(spec, n=TABLE)
    return np.append(table, table[0])


def harmonics(
    f0: float, rolloff: float, brightness: float, limit: float = NYQUIST_GUARD
) -> list[float]:
    """Amplitudes of a soft harmonic spectrum: falling as h^-rolloff, cut smoothly above
    `brightness` Hz."""
    out = []
    h = 1
    while f0 * h < limit and h < 40:
        f = f0 * h
        out.append(h**-rolloff / math.sqrt(1.0 + (f / brightness) ** 4))
        h += 1
    return out


def read(table: np.ndarray, phase: np.ndarray) -> np.ndarray:
    """Nearest-sample lookup; phase in cycles. `table` may be (TABLE + 1, k): k tables read
    at one phase with one gather, giving (n, k)."""
    i = (phase * TABLE + 0.5).astype(np.int64) & (TABLE - 1)
    return table[i]


def pan_gains(pan: float) -> tuple[float, float]:
    angle = (pan + 1) * math.pi / 4
    return math.cos(angle), math.sin(angle)


def raised(x: np.ndarray) -> np.ndarray:
    return 0.5 - 0.5 * np.cos(np.pi * np.clip(x, 0.0, 1.0))


@dataclass
class Pad:
    """A sustained tone rendered a chunk at a time: phase and envelope carry over chunks."""

    freq: float
    amp: float
    pan: float
    attack: float
    release: float
    brightness: float  # Hz where the bright table's spectrum bends down
    morph_period: float  # seconds per cycle of the moving filter
    morph_phase: float
    rolloff: float = 1.6

    def __post_init__(self) -> None:
        dark = wavetable(harmonics(self.freq, self.rolloff + 0.6, self.brightness * 0.45))
        bright = wavetable(harmonics(self.freq, self.rolloff, self.brightness))
        self.tables = np.stack([dark, bright], axis=1)
        self.detune = (-4.0, 0.0, 4.5)  # cents: a slow chorus (a beat every few seconds low down)
        outer = 0.7 if self.freq > 150 else 0.3  # low down a chorus would throb: keep it faint
        self.voice_gain = (
            outer,
            1.0,
            outer,
        )  # the outer voices softer: the chorus moves, never pulses
        self.phases = [float((self.morph_phase * (k + 1)) % 1.0) for k in range(3)]
        self.age = 0  # frames rendered
        self.released_at: int | None = None
        self.done = False

    def release_now(self, release: float | None = None) -> None:
        if self.released_at is None:
            self.released_at = self.age
            if release is not None:
                self.release = release

    def render(self, n: int, tone: np.ndarray) -> np.ndarray:
        """n frames (n, 2); `tone` (n,) in -1..1 leans the moving filter darker or brighter."""
        t = (self.age + np.arange(n)) / SAMPLE_RATE
        env = raised(t / self.attack) if t[0] < self.attack else np.ones(n)
        if self.released_at is not None:
            since = (self.age + np.arange(n) - self.released_at) / SAMPLE_RATE
            env = env * (1.0 - raised(since / self.release))
            if since[-1] >= self.release:
                self.done = True
        # two slow cycles in the golden ratio: the filter's movement never comes round again
        p, q = self.morph_period, self.morph_period * 1.618
        morph = (
            0.5
            + 0.22 * np.sin(2 * np.pi * t / p + self.morph_phase)
            + 0.13 * np.sin(2 * np.pi * t / q + 2.7 * self.morph_phase)
            + 0.3 * tone
        )
        morph = np.clip(morph, 0.0, 1.0)
        both = np.zeros((n, 2))
        ramp = np.arange(n)
        for k, cents in enumerate(self.detune):
            step = self.freq * 2 ** (cents / 1200) / SAMPLE_RATE
            both += self.voice_gain[k] * read(self.tables, self.phases[k] + step * ramp)
            self.phases[k] = float((self.phases[k] + step * n) % 1.0)
        mono = both[:, 0] + morph * (both[:, 1] - both[:, 0])
        swell = (
            0.8
            + 0.12 * np.sin(2 * np.pi * t / (p * 0.77) + 2.1 * self.morph_phase)
            + 0.08 * np.sin(2 * np.pi * t / (q * 1.3) + 0.6 * self.morph_phase)
        )
        mono *= env * swell * (self.amp / sum(self.voice_gain))
        self.age += n
        left, right = pan_gains(self.pan)
        return np.stack([mono * left, mono * right], axis=1)


def _filtered_noise(rng: np.random.Generator, n: int, shape) -> np.ndarray:
    """n samples of noise shaped by shape(freqs), unit RMS (FFT of a fast length, cut)."""
    size = fast_length(n)
    spec = np.fft.rfft(rng.standard_normal(size)) * shape(np.fft.rfftfreq(size, 1.0 / SAMPLE_RATE))
    out = np.fft.irfft(spec, n=size)[:n]
    return out / max(1e-9, float(np.std(out)))


def _attack_release(n: int, attack: float, tail: float) -> np.ndarray:
    """Ones, rising over `attack` s at the start and falling over `tail` s to zero at the end."""
    env = np.ones(n)
    a = min(n, int(attack * SAMPLE_RATE))
    env[:a] = raised(np.arange(a) / max(1, a))
    z = min(n, int(tail * SAMPLE_RATE))
    env[n - z :] *= raised((z - np.arange(z)) / max(1, z))
    return env


def _decaying(
    freq: float,
    seconds: float,
    partials: list[tuple[float, float, float]],
    decay: float,
    rng: np.random.Generator,
) -> np.ndarray:
    n = int(seconds * SAMPLE_RATE)
    t = np.arange(n) / SAMPLE_RATE
    out = np.zeros(n)
    for ratio, amp, factor in partials:
        f = freq * ratio
        if f > NYQUIST_GUARD:
            continue
        out += (
            amp
            * np.exp(-t / (decay * factor))
            * np.sin(2 * np.pi * f * t + rng.uniform(0, 2 * np.pi))
        )
    return out


def piano(freq: float, velocity: float, rng: np.random.Generator) -> np.ndarray:
    """A felt piano: soft hammer (12 ms), partials stretched a little and dying faster the
    higher they are; louder notes are brighter."""
    seconds = float(np.clip(7.0 - 0.012 * (freq - 200), 2.5, 7.0))
    stretch = 0.0004
    partials = [
        (h * math.sqrt(1 + stretch * h * h), (0.9 / h ** (2.0 - 0.8 * velocity)), 1.0 / h**0.7)
        for h in range(1, 9)
    ]
    x = _decaying(freq, seconds, partials, decay=2.2 * (300 / max(freq, 80)) ** 0.3, rng=rng)
    x += 0.35 * _decaying(freq * 1.0012, seconds, partials[:3], decay=1.8, rng=rng)  # second string
    return x * _attack_release(x.size, 0.012, min(1.0, seconds / 3))


def pluck(freq: float, velocity: float, rng: np.random.Generator) -> np.ndarray:
    """A plucked string (harp or guitar-like): bright pluck softened by a 6 ms attack, upper
    partials gone within a fraction of a second, the fundamental ringing on."""
    seconds = float(np.clip(4.5 - 0.004 * freq, 1.8, 4.5))
    pos = 0.18 + 0.1 * rng.random()  # plucking point: shapes the spectrum like a real string
    partials = [
        (h * (1 + 0.0002 * h * h), abs(math.sin(math.pi * h * pos)) / h**1.3, 1.0 / h**1.2)
        for h in range(1, 13)
    ]
    x = _decaying(freq, seconds, partials, decay=1.3 * (0.6 + 0.4 * velocity), rng=rng)
    return x * _attack_release(x.size, 0.006, min(0.8, seconds / 3))


def bowed(freq: float, seconds: float, velocity: float, rng: np.random.Generator) -> np.ndarray:
    """A bowed string: a sawtooth-like spectrum softened above 2.5 kHz, a slow bow (0.6 to
    1.2 s), a vibrato that starts late, and breathy bow noise at the start."""
    n = int(seconds * SAMPLE_RATE)
    t = np.arange(n) / SAMPLE_RATE
    table = wavetable(harmonics(freq, 1.0, 1400 + 1400 * velocity))
    vibrato_depth = 0.004 * raised((t - 0.8) / 1.5)
    rate = rng.uniform(4.6, 5.6)
    inst = freq * (1 + vibrato_depth * np.sin(2 * np.pi * rate * t + rng.uniform(0, 6.3)))
    phase = np.cumsum(inst) / SAMPLE_RATE + rng.random()
    x = read(table, phase)
    bow_noise = _filtered_noise(rng, n, dsp.bandpass(freq * 2, freq * 6, 1))
    x = x + 0.05 * bow_noise * np.exp(-t / 0.6)
    swell = 0.85 + 0.15 * np.sin(np.pi * np.clip(t / seconds, 0, 1))
    return 0.6 * x * swell * _attack_release(n, rng.uniform(0.6, 1.2), min(1.5, seconds / 3))


def mallet(freq: float, velocity: float, rng: np.random.Generator) -> np.ndarray:
    """The library's felt mallet (50 to 120 ms attack), a little rounder."""
    partials = [(1.0, 1.0, 1.0), (2.0, 0.22, 0.55), (3.0, 0.06, 0.35), (4.0, 0.025, 0.25)]
    return dsp.soft_note(
        freq,
        rng.uniform(4.0, 6.0),
        attack=rng.uniform(0.05, 0.12),
        decay=rng.uniform(1.8, 3.0),
        partials=partials,
    )


def bell(freq: float, velocity: float, rng: np.random.Generator) -> np.ndarray:
    """A small singing bowl: inharmonic modes in close pairs that beat as they ring out."""
    seconds = 6.0
    n = int(seconds * SAMPLE_RATE)
    t = np.arange(n) / SAMPLE_RATE
    out = np.zeros(n)
    for ratio, amp, decay, beat in (
        (1.0, 1.0, 2.6, 0.7),
        (2.71, 0.3, 1.4, 1.2),
        (5.15, 0.08, 0.6, 1.9),
    ):
        f = freq * ratio
        if f > NYQUIST_GUARD:
            continue
        phase = rng.uniform(0, 2 * np.pi)
        out += (
            amp
            * np.exp(-t / decay)
            * (
                np.sin(2 * np.pi * (f - beat / 4) * t + phase)
                + 0.8 * np.sin(2 * np.pi * (f + beat / 4) * t + phase * 1.3)
            )
            / 1.8
        )
    return out * _attack_release(n, 0.02, 1.5)


def breath(freq: float, seconds: float, velocity: float, rng: np.random.Generator) -> np.ndarray:
    """A swell of noise band-passed around `freq` (an airy, breath-like colour), rising and
    falling over `seconds`."""
    n = int(seconds * SAMPLE_RATE)
    shaped = _filtered_noise(rng, n, dsp.bandpass(freq * 0.6, freq * 1.8, 2))
    t = np.arange(n) / SAMPLE_RATE
    swell = np.sin(np.pi * np.clip(t / seconds, 0, 1)) ** 2
    return 0.5 * shaped * swell * _attack_release(n, 0.3, 0.5)


def note(
    kind: str, freq: float, velocity: float, rng: np.random.Generator, seconds: float = 5.0
) -> np.ndarray:
    """One finite note of an instrument, mono, starting and ending at zero."""
    if kind == "piano":
        return piano(freq, velocity, rng)
    if kind == "pluck":
        return pluck(freq, velocity, rng)
    if kind == "bowed":
        return bowed(freq, seconds, velocity, rng)
    if kind == "bell":
        return bell(freq, velocity, rng)
    if kind == "breath":
        return breath(freq, seconds, velocity, rng)
    return mallet(freq, velocity, rng)


INSTRUMENTS = ("piano", "pluck", "bowed", "mallet", "bell", "breath")
