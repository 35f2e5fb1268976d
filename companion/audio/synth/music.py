"""Music: slow chord cycles in three layers that the mixer blends by intensity.

- base: a warm pad. Each chord tone is three slightly detuned voices of soft harmonics
  (falling steeply, nothing above about 2 kHz) whose upper harmonics swell on their own slow
  cycles, so the colour keeps moving while the harmony changes only every 18 to 36 s.
- middle: felt-mallet notes wandering over the current chord and its pentatonic scale,
  plus a quiet sustained octave pad, in a long reverb.
- high: pure high partials of the chord tones fading in and out like light on water, and
  rare soft sparkles, almost all reverb.

Chords crossfade over 7 to 12 s with windows that sum to one, and a tone common to two chords
keeps one phase, so it sustains through the change instead of beating against itself.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field

import numpy as np

from companion.audio.synth import dsp

LAYERS = ("base", "middle", "high")


@dataclass(frozen=True)
class Piece:
    name: str
    seconds: float
    chords: tuple[tuple[int, ...], ...]  # MIDI notes, lowest first (the bass)
    scale: tuple[int, ...]  # pitch classes the middle layer may wander over
    crossfade: float
    note_gap: tuple[float, float]  # seconds between middle-layer notes
    mid_range: tuple[int, int]
    brightness: float  # 0 dark .. 1 bright: how many harmonics the pad keeps
    shimmer: float  # how busy the high layer is
    seed: int
    chord_lengths: tuple[float, ...] = field(default=())


PIECES = {
    "drift": Piece(
        "drift",
        144.0,
        chords=(
            (38, 45, 54, 61, 64),
            (35, 42, 50, 57, 64),
            (43, 50, 54, 57, 59),
            (45, 52, 59, 61, 64),
            (42, 49, 52, 57, 61),
            (43, 50, 54, 59, 61),
            (40, 47, 50, 55, 66),
            (45, 52, 57, 59, 62),
        ),
        scale=(2, 4, 6, 9, 11),
        crossfade=7.0,
        note_gap=(1.6, 3.6),
        mid_range=(62, 83),
        brightness=0.6,
        shimmer=0.6,
        seed=11,
    ),
    "still-water": Piece(
        "still-water",
        144.0,
        chords=(
            (36, 43, 51, 55, 62),
            (44, 51, 55, 60, 63),
            (39, 46, 55, 62, 65),
            (46, 53, 58, 60, 62),
        ),
        scale=(0, 2, 3, 7, 10),
        crossfade=12.0,
        note_gap=(3.0, 6.5),
        mid_range=(55, 77),
        brightness=0.35,
        shimmer=0.35,
        seed=23,
    ),
    "open-sky": Piece(
        "open-sky",
        144.0,
        chords=(
            (45, 52, 56, 59, 61, 64),
            (44, 52, 59, 61, 66),
            (42, 49, 52, 57, 59),
            (38, 45, 54, 61, 64, 68),
            (47, 54, 59, 61, 64),
            (40, 47, 56, 61, 66),
        ),
        scale=(1, 4, 6, 8, 11),
        crossfade=9.0,
        note_gap=(1.2, 2.8),
        mid_range=(64, 88),
        brightness=0.8,
        shimmer=1.0,
        seed=37,
    ),
}


def compose(piece: Piece) -> dict[str, np.ndarray]:
    """The three layers of a piece, each (frames, 2) float, not yet normalised."""
    starts = [i * piece.seconds / len(piece.chords) for i in range(len(piece.chords))]
    windows = dsp.partition(piece.seconds, starts, piece.crossfade)
    rng = np.random.default_rng(piece.seed)
    ir = dsp.Loop(piece.seconds).reverb_spectrum(
        dsp.reverb_ir(rng, 7.0, decay_low=5.5, decay_high=2.5, brightness=4500)
    )
    return {
        "base": _base(piece, windows, rng, ir),
        "middle": _middle(piece, windows, starts, rng, ir),
        "high": _high(piece, windows, rng, ir),
    }


def _phase(*keys: int) -> float:
    """A fixed phase per tone, so a tone shared by two chords stays one continuous wave."""
    seed = zlib.crc32(repr(keys).encode())  # stable across processes, unlike hash()
    return float(np.random.default_rng(seed).uniform(0, 2 * np.pi))


def _base(
    piece: Piece, windows: np.ndarray, rng: np.random.Generator, ir: np.ndarray
) -> np.ndarray:
    loop = dsp.Loop(piece.seconds)
    t = loop.env_times()
    swell = 1.0 + 0.12 * loop.periodic_lfo(t, piece.seconds / 3, 0.0)
    amplitudes: dict[int, np.ndarray] = {}
    for c, chord in enumerate(piece.chords):
        for i, note in enumerate(chord):
            weight = 1.0 if i == 0 else 0.5 if note < 60 else 0.35
            amplitudes[note] = amplitudes.get(note, 0.0) + windows[c] * weight
    top = 900 + 1300 * piece.brightness
    unison = ((-5.0, -0.55), (0.0, 0.0), (6.0, 0.55))  # cents, pan
    for note, amp in amplitudes.items():
        f0 = dsp.midi(note)
        roll = 1.35 if note < 48 else 1.8
        for h in range(1, 10):
            f = f0 * h
            if f > top:
                break
            colour: float | np.ndarray = 1.0
            if h > 1:
                period = rng.uniform(22, 70)
                colour = 1.0 + 0.4 * loop.periodic_lfo(t, period, rng.uniform(0, 2 * np.pi))
            gain = h**-roll * (1.0 - 0.7 * max(0.0, (f - 600) / top))
            envelope = loop.envelope_coefficients(amp * swell * colour)
            for v, (cents, pan) in enumerate(unison):
                loop.add_partial(
                    f * 2 ** (cents / 1200), gain / 3, _phase(note, h, v), pan, envelope
                )
    return loop.finish(dsp.lowpass(2400, 2), ir, wet=0.35)


def _chord_at(windows: np.ndarray, seconds: float, when: float) -> int:
    index = int(round(when * dsp.ENVELOPE_RATE)) % windows.shape[1]
    return int(np.argmax(windows[:, index]))


def _middle(
    piece: Piece, windows: np.ndarray, starts: list[float], rng: np.random.Generator, ir: np.ndarray
) -> np.ndarray:
    loop = dsp.Loop(piece.seconds)
    lo, hi = piece.mid_range
    mallet = [(1.0, 1.0, 1.0), (2.0, 0.22, 0.55), (3.0, 0.06, 0.35), (4.0, 0.025, 0.25)]
    when, previous = 0.0, None
    phrase_left = rng.integers(3, 7)
    while when < piece.seconds - 0.5:
        chord = piece.chords[_chord_at(windows, piece.seconds, when)]
        classes = {n % 12 for n in chord[1:]} | set(piece.scale)
        allowed = [n for n in range(lo, hi + 1) if n % 12 in classes]
        chord_tones = [n for n in allowed if n % 12 in {c % 12 for c in chord}]
        if previous is None or previous not in allowed:
            note = int(rng.choice(chord_tones or allowed))
        else:
            near = [n for n in allowed if 0 < abs(n - previous) <= 4] or allowed
            note = int(rng.choice(near))
        previous = note
        velocity = rng.uniform(0.45, 1.0)
        seconds = rng.uniform(4.0, 6.5)
        sample = dsp.soft_note(
            dsp.midi(note),
            seconds,
            attack=rng.uniform(0.05, 0.12),
            decay=rng.uniform(1.8, 3.2),
            partials=mallet,
        )
        pan = float(np.clip(rng.normal(0, 0.45), -0.85, 0.85))
        loop.add_event(when, velocity * sample, pan)
        phrase_left -= 1
        gap = rng.uniform(*piece.note_gap)
        if phrase_left == 0:  # breathe between phrases
            gap += rng.uniform(2.0, 5.0)
            phrase_left = rng.integers(3, 7)
        when += gap
    # A quiet sustained pad an octave above the bass, swelling against the base layer.
    pad = loop
    t = pad.env_times()
    for c, chord in enumerate(piece.chords):
        for i, note in enumerate(chord[1:4]):
            up = note + 12
            swell = 0.5 + 0.5 * pad.periodic_lfo(t, piece.seconds / 2, i * 2.1 + c)
            envelope = pad.envelope_coefficients(windows[c] * swell)
            for h, gain in ((1, 1.0), (2, 0.2)):
                for cents, pan in ((-4, -0.4), (4, 0.4)):
                    pad.add_partial(
                        dsp.midi(up) * h * 2 ** (cents / 1200),
                        0.05 * gain,
                        _phase(up, h, cents),
                        pan,
                        envelope,
                    )
    return loop.finish(dsp.lowpass(4500, 2), ir, wet=0.75, dry=0.75)


def _high(
    piece: Piece, windows: np.ndarray, rng: np.random.Generator, ir: np.ndarray
) -> np.ndarray:
    loop = dsp.Loop(piece.seconds)
    t = loop.env_times()
    for c, chord in enumerate(piece.chords):
        tones = sorted({n % 12 for n in chord})
        for pc in tones:
            for octave in (7, 8):
                note = 12 * octave + pc
                f = dsp.midi(note)
                if not 800 <= f <= 3600:
                    continue
                glimmer = (
                    0.5 + 0.5 * loop.periodic_lfo(t, rng.uniform(9, 30), rng.uniform(0, 6.3))
                ) ** 2
                envelope = loop.envelope_coefficients(windows[c] * glimmer)
                pan = rng.uniform(-0.8, 0.8)
                loop.add_partial(f, 0.02 * (1100 / f) ** 0.5, _phase(note, 99), pan, envelope)
    when = rng.uniform(1, 4)
    while when < piece.seconds:
        chord = piece.chords[_chord_at(windows, piece.seconds, when)]
        pc = int(rng.choice([n % 12 for n in chord]))
        note = 12 * int(rng.choice((7, 8))) + pc
        if dsp.midi(note) < 3800:
            ping = dsp.soft_note(
                dsp.midi(note),
                4.0,
                attack=0.18,
                decay=1.6,
                partials=[(1.0, 1.0, 1.0), (2.0, 0.08, 0.5)],
            )
            loop.add_event(when, 0.05 * rng.uniform(0.5, 1.0) * ping, rng.uniform(-0.9, 0.9))
        when += rng.uniform(3.0, 8.0) / piece.shimmer
    return loop.finish(dsp.bandpass(500, 6000, 2), ir, wet=1.0, dry=0.35)
