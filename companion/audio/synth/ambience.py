"""Ambience: natural beds, each a seamless loop of noise shaped in one FFT, moved by slow
periodic envelopes, with events (drops, calls, bubbles) wrapped round the loop end.
Everything is kept below about 8 kHz and softened: these play for an hour at a time."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from companion.audio.synth import dsp

SECONDS = 96.0


def _pinked(shape: dsp.Shape) -> dsp.Shape:
    """`shape` tilted by pink noise's -3 dB per octave."""
    return lambda f: shape(f) * dsp.pink(f)


def waves(rng: np.random.Generator) -> np.ndarray:
    """Swells that rise, break softly and draw back over the sand, every 8 to 13 s."""
    loop = dsp.Loop(SECONDS)
    t = loop.times()
    starts, when = [], rng.uniform(0, 3)
    while when < SECONDS - 4:
        starts.append(when)
        when += rng.uniform(8.0, 13.0)
    bands = (  # (noise shape, rise s, fall s, peak offset, gain)
        (dsp.bandpass(40, 350, 2), 3.5, 5.0, 0.0, 1.0),
        (dsp.bandpass(250, 1600, 2), 2.2, 4.0, 0.6, 0.55),
        (dsp.bandpass(1200, 6500, 2), 1.2, 6.5, 1.0, 0.22),
    )
    out = np.zeros((loop.frames, 2))
    for shape, rise, fall, offset, gain in bands:
        noise = loop.noise(rng, _pinked(shape), correlation=0.4)
        envelope = np.full(loop.frames, 0.3)  # the sea never falls silent between swells
        pans = np.zeros(loop.frames)
        for start in starts:
            strength = rng.uniform(0.7, 1.0)
            peak = start + rise + offset
            rel = (t - peak + SECONDS / 2) % SECONDS - SECONDS / 2
            shape_env = np.where(
                rel < 0, np.exp(-0.5 * (rel / (rise / 2.2)) ** 2), np.exp(-rel / (fall / 2.5))
            )
            envelope += strength * shape_env
            pans += strength * shape_env * rng.uniform(-0.5, 0.5)
        pan = np.clip(pans / np.maximum(envelope, 1e-6), -0.6, 0.6)
        angle = (pan + 1) * np.pi / 4
        fizz = 1.0 + (0.25 * loop.smooth_random(rng, 0.35) if offset >= 1.0 else 0.0)
        out[:, 0] += gain * noise[:, 0] * envelope * np.cos(angle) * np.sqrt(2) * fizz
        out[:, 1] += gain * noise[:, 1] * envelope * np.sin(angle) * np.sqrt(2) * fizz
    return dsp.spectral_filter(out, loop.rate, dsp.lowpass(7000, 2))


def forest(rng: np.random.Generator) -> np.ndarray:
    """Leaves stirring in a light breeze, soft air, and distant birds now and then."""
    loop = dsp.Loop(SECONDS)
    gust = np.clip(1.0 + 0.3 * loop.smooth_random(rng, 6.0), 0.4, None)
    leaves = loop.noise(rng, lambda f: dsp.bandpass(700, 5000, 2)(f) * dsp.pink(f), correlation=0.2)
    leaves *= (gust**1.2)[:, None] * (1.0 + 0.2 * loop.smooth_random(rng, 0.25))[:, None]
    air = loop.noise(rng, lambda f: dsp.bandpass(60, 500, 2)(f) * dsp.brown(f), correlation=0.5)
    loop.time += 0.35 * leaves + 0.5 * air * gust[:, None]
    ir = dsp.reverb_ir(rng, 2.5, decay_low=1.8, decay_high=0.9, brightness=4000)
    birds = dsp.Loop(SECONDS)
    when = rng.uniform(1, 4)
    while when < SECONDS:
        kind = rng.choice(3, p=(0.45, 0.35, 0.2))
        call = (_whistle, _trill, _coo)[kind](rng)
        distance = rng.uniform(0.25, 1.0)
        birds.add_event(when, call * 0.12 * distance, rng.uniform(-0.8, 0.8))
        when += rng.uniform(2.5, 9.0)
    wet_birds = dsp.oneshot_reverb(birds.time, ir, wet=0.6)
    loop.time += wet_birds[: loop.frames]
    loop.time[: wet_birds.shape[0] - loop.frames] += wet_birds[loop.frames :]
    return dsp.spectral_filter(loop.time, loop.rate, dsp.lowpass(6000, 2))


def _glide(
    rng: np.random.Generator, f0: float, f1: float, seconds: float, harmonic: float = 0.08
) -> np.ndarray:
    n = int(seconds * dsp.SAMPLE_RATE)
    x = np.linspace(0, 1, n)
    freq = f0 + (f1 - f0) * dsp.smoothstep(x)
    phase = 2 * np.pi * np.cumsum(freq) / dsp.SAMPLE_RATE
    env = np.sin(np.pi * x) ** 1.5
    return env * (np.sin(phase) + harmonic * np.sin(2 * phase))


def _whistle(rng: np.random.Generator) -> np.ndarray:
    f = rng.uniform(1900, 2600)
    a = _glide(rng, f, f * 1.18, rng.uniform(0.22, 0.35))
    b = _glide(rng, f * 1.12, f * 0.95, rng.uniform(0.3, 0.45))
    gap = np.zeros(int(rng.uniform(0.08, 0.18) * dsp.SAMPLE_RATE))
    return np.concatenate([a, gap, b])


def _trill(rng: np.random.Generator) -> np.ndarray:
    f = rng.uniform(2800, 3600)
    notes = []
    for i in range(int(rng.integers(6, 12))):
        notes.append(_glide(rng, f * 1.05, f * 0.97, 0.045) * (0.6 + 0.4 * np.sin(np.pi * i / 10)))
        notes.append(np.zeros(int(0.03 * dsp.SAMPLE_RATE)))
    return np.concatenate(notes)


def _coo(rng: np.random.Generator) -> np.ndarray:
    f = rng.uniform(480, 620)
    parts = [
        _glide(rng, f, f * 1.06, 0.45, harmonic=0.15),
        np.zeros(int(0.15 * dsp.SAMPLE_RATE)),
        _glide(rng, f * 1.04, f * 0.92, 0.7, harmonic=0.15),
    ]
    return 1.4 * np.concatenate(parts)


def rain(rng: np.random.Generator) -> np.ndarray:
    """Steady gentle rain: a soft hiss, many small drops, a few heavier ones on leaves."""
    loop = dsp.Loop(SECONDS)
    swell = 1.0 + 0.18 * loop.smooth_random(rng, 12.0)
    hiss = loop.noise(rng, lambda f: dsp.bandpass(300, 5000, 2)(f) * dsp.pink(f), correlation=0.1)
    loop.time += 0.5 * hiss * swell[:, None]
    # Drops: impulse trains per pitch class, convolved circularly with a small ringing drop.
    for centre in (1400, 2000, 2700, 3500):
        kernel_n = int(0.03 * loop.rate)
        tk = np.arange(kernel_n) / loop.rate
        kernel = np.sin(2 * np.pi * centre * tk) * np.exp(-tk / 0.006) * dsp.smoothstep(tk / 0.0015)
        for ch in range(2):
            train = np.zeros(loop.frames)
            count = int(35 * SECONDS)
            where = rng.integers(0, loop.frames, count)
            train[where] += rng.lognormal(-1.2, 0.6, count) * rng.choice((-1, 1), count)
            padded = np.zeros(loop.frames)
            padded[:kernel_n] = kernel
            drops = np.fft.irfft(np.fft.rfft(train) * np.fft.rfft(padded), n=loop.frames)
            loop.time[:, ch] += 0.06 * drops * swell
    when = rng.uniform(0, 1)
    while when < SECONDS:
        f = rng.uniform(700, 1300)
        n = int(0.09 * loop.rate)
        tk = np.arange(n) / loop.rate
        plink = (
            np.sin(2 * np.pi * f * (1 + 2.5 * tk) * tk)
            * np.exp(-tk / 0.02)
            * dsp.smoothstep(tk / 0.002)
        )
        loop.add_event(when, 0.08 * rng.uniform(0.3, 1.0) * plink, rng.uniform(-0.8, 0.8))
        when += rng.exponential(0.7)
    return dsp.spectral_filter(loop.time, loop.rate, dsp.lowpass(5500, 2))


def night(rng: np.random.Generator) -> np.ndarray:
    """A warm night: crickets at a distance, still air, an owl far off now and then."""
    loop = dsp.Loop(SECONDS)
    t = loop.times()
    air = loop.noise(
        rng, lambda f: dsp.bandpass(70, 400, 2)(f) * dsp.brown(f), correlation=0.6
    )  # still air, no rumble
    loop.time += 0.4 * air
    for carrier, rate, pulses, pan in (
        (3300, 0.72, 3, -0.6),
        (3650, 0.95, 4, 0.55),
        (3050, 1.3, 2, 0.05),
    ):
        chirp_period = loop.seconds / round(loop.seconds * rate)  # whole chirps per loop
        phase = (t / chirp_period) % 1.0
        pulse_len = 0.035 / chirp_period
        gate = np.zeros(loop.frames)
        for p in range(pulses):
            start = p * 0.05 / chirp_period
            x = (phase - start) / pulse_len
            gate += np.where((x >= 0) & (x < 1), np.sin(np.pi * np.clip(x, 0, 1)) ** 2, 0.0)
        chorus = np.clip(0.6 + 0.5 * loop.smooth_random(rng, 15.0), 0.0, None)
        cricket = (
            gate * chorus * np.sin(2 * np.pi * round(carrier * loop.seconds) / loop.seconds * t)
        )
        angle = (pan + 1) * np.pi / 4
        loop.time += 0.05 * np.outer(cricket, [np.cos(angle), np.sin(angle)])
    ir = dsp.reverb_ir(rng, 4.0, decay_low=3.0, decay_high=1.2, brightness=2500)
    owls = dsp.Loop(SECONDS)
    for when in (rng.uniform(10, 20), rng.uniform(55, 70)):
        f = rng.uniform(360, 420)
        hoot = np.concatenate(
            [
                _glide(rng, f * 1.03, f, 0.35, 0.1),
                np.zeros(int(0.35 * loop.rate)),
                _glide(rng, f * 1.05, f * 0.95, 0.6, 0.1),
            ]
        )
        owls.add_event(when, 0.15 * hoot, rng.uniform(-0.5, 0.5))
    wet = dsp.oneshot_reverb(owls.time, ir, wet=0.9, dry=0.4)
    loop.time += wet[: loop.frames]
    loop.time[: wet.shape[0] - loop.frames] += wet[loop.frames :]
    out = dsp.spectral_filter(loop.time, loop.rate, dsp.lowpass(5000, 2))
    return out


def wind(rng: np.random.Generator) -> np.ndarray:
    """Wind over open land: broad soft noise whose colour rises and falls with slow gusts."""
    loop = dsp.Loop(SECONDS)
    gust = np.clip(0.8 + 0.3 * loop.smooth_random(rng, 7.0), 0.3, None)
    out = np.zeros((loop.frames, 2))
    for low, high, weight, power in (
        (60, 300, 1.0, 1.0),
        (250, 900, 0.6, 1.4),
        (800, 2400, 0.3, 1.9),
    ):
        band = loop.noise(
            rng,
            _pinked(dsp.bandpass(low, high, 2)),
            correlation=0.5,
        )
        out += weight * band * (gust**power)[:, None]
    whistle = loop.noise(rng, lambda f: np.exp(-0.5 * ((f - 620) / 35) ** 2), correlation=0.7)
    out += 0.05 * whistle * (np.clip(gust - 1.0, 0, None) ** 2)[:, None]
    return dsp.spectral_filter(out, loop.rate, dsp.lowpass(5000, 2))


def stream(rng: np.random.Generator) -> np.ndarray:
    """A small stream over stones: a bed of moving water and many little bubbles."""
    loop = dsp.Loop(SECONDS)
    bed = loop.noise(rng, lambda f: dsp.bandpass(200, 3500, 2)(f) * dsp.pink(f), correlation=0.3)
    churn = np.clip(1.0 + 0.35 * loop.smooth_random(rng, 0.15), 0.2, None)
    loop.time += 0.45 * bed * churn[:, None]
    rate = 110.0
    count = int(rate * SECONDS)
    times = np.sort(rng.uniform(0, SECONDS, count))
    for when in times:
        f0 = rng.uniform(350, 1400)
        dur = rng.uniform(0.012, 0.045)
        n = int(dur * 3 * loop.rate)
        tk = np.arange(n) / loop.rate
        freq = f0 * (1 + tk / dur * 0.6)
        bubble = (
            np.sin(2 * np.pi * np.cumsum(freq) / loop.rate)
            * np.exp(-tk / dur)
            * dsp.smoothstep(tk / 0.002)
        )
        loop.add_event(when, 0.05 * rng.lognormal(-0.5, 0.5) * bubble, rng.uniform(-0.7, 0.7))
    return dsp.spectral_filter(loop.time, loop.rate, dsp.lowpass(6000, 2))


AMBIENCES: dict[str, Callable[[np.random.Generator], np.ndarray]] = {
    "waves": waves,
    "forest": forest,
    "rain": rain,
    "night": night,
    "wind": wind,
    "stream": stream,
}
SEEDS = {"waves": 101, "forest": 103, "rain": 107, "night": 109, "wind": 113, "stream": 127}


HIGH_PASS = 40.0  # Hz: below it is rumble that tablet speakers drop and headphones press


def make(name: str) -> np.ndarray:
    """The ambience, high-passed at 40 Hz (24 dB an octave; circular, so it still loops)."""
    bed = AMBIENCES[name](np.random.default_rng(SEEDS[name]))
    return dsp.spectral_filter(bed, dsp.SAMPLE_RATE, dsp.highpass(HIGH_PASS, 4))
