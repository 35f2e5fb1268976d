"""Chimes and the breathing tone: one-shot bells with felt-soft strikes, and a warm held tone.

Bells use the inharmonic modes of a singing bowl, each split into a close pair so the tone
slowly beats ("sings") as it dies away; higher modes die sooner, so the tail is pure."""

from __future__ import annotations

import zlib

import numpy as np

from companion.audio.synth import dsp

# name: (fundamental Hz, [(mode ratio, amplitude, decay s, beat Hz)], strike s, length s)
BELLS = {
    "soft": (
        329.6,
        [
            (1.0, 1.0, 3.2, 0.8),
            (2.71, 0.45, 2.1, 1.3),
            (5.15, 0.16, 1.0, 1.9),
            (8.1, 0.05, 0.5, 2.3),
        ],
        0.022,
        8.0,
    ),
    "bright": (
        784.0,
        [
            (1.0, 1.0, 2.2, 1.1),
            (2.0, 0.25, 1.4, 0.0),
            (2.76, 0.35, 1.1, 1.7),
            (5.4, 0.08, 0.45, 2.6),
        ],
        0.012,
        6.0,
    ),
    "low": (
        130.8,
        [
            (1.0, 1.0, 4.2, 0.45),
            (2.06, 0.55, 3.0, 0.7),
            (3.01, 0.3, 2.2, 1.1),
            (4.3, 0.14, 1.4, 1.4),
            (6.0, 0.05, 0.8, 1.9),
        ],
        0.035,
        11.0,
    ),
}
BREATH_SECONDS = 12.0


def bell(name: str) -> np.ndarray:
    f0, modes, strike, seconds = BELLS[name]
    rate = dsp.SAMPLE_RATE
    n = int(seconds * rate)
    t = np.arange(n) / rate
    rng = np.random.default_rng(zlib.crc32(name.encode()))  # str hash() differs per process
    out = np.zeros((n, 2))
    for ratio, amp, decay, beat in modes:
        f = f0 * ratio
        envelope = amp * np.exp(-t / decay)
        for side, sign in ((0, -1), (1, 1)):
            phase = rng.uniform(0, 2 * np.pi)
            pair = np.sin(2 * np.pi * (f - sign * beat / 4) * t + phase) + 0.8 * np.sin(
                2 * np.pi * (f + sign * beat / 4) * t + phase * 1.3
            )
            out[:, side] += envelope * pair / 1.8
    attack = 0.5 - 0.5 * np.cos(np.pi * np.clip(t / strike, 0, 1))  # felt mallet: no click
    tail = dsp.smoothstep((seconds - t) / 1.5)
    out *= (attack * tail)[:, None]
    ir = dsp.reverb_ir(rng, 3.0, decay_low=2.2, decay_high=1.0, brightness=5000)
    wet = dsp.oneshot_reverb(out, ir, wet=0.25)[:n]
    return wet * dsp.smoothstep((seconds - t) / 1.0)[:, None]


def breath_tone() -> np.ndarray:
    """A warm, steady chord-tone (root, fifth, octave) that the mixer swells and fades
    with each breath; a seamless loop, so any breath length works."""
    loop = dsp.Loop(BREATH_SECONDS)
    t = loop.env_times()
    root = 146.8  # D3
    for ratio, amp, pan in (
        (1.0, 1.0, 0.0),
        (1.5, 0.35, -0.35),
        (2.0, 0.3, 0.35),
        (3.0, 0.06, 0.0),
    ):
        for cents, spread in ((-4, -0.3), (4, 0.3)):
            shimmer = 1.0 + 0.15 * loop.periodic_lfo(t, 6.0 / ratio, ratio + cents)
            envelope = loop.envelope_coefficients(shimmer, width=100)
            loop.add_partial(
                root * ratio * 2 ** (cents / 1200),
                amp / 2,
                ratio * 1.7 + cents,
                pan + spread,
                envelope,
            )
    return loop.finish(dsp.lowpass(1500, 2))
