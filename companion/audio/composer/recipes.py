"""The pieces: each a recipe the composer plays from, never a recording.

A recipe names a key and mode, the chords it may use and how long each lasts, the pad (its
register, brightness and level), and its lines: the instruments that make phrases,
arpeggios, sparkles or breaths over the harmony, each with its register, pace and the energy
from which it joins in. The first three keep the names and the spirit of the library's
pieces (companion/audio/synth/music.py); the other three cover the rest of a long session.
"""

from __future__ import annotations

from dataclasses import dataclass

MODES = {
    "major": (0, 2, 4, 5, 7, 9, 11),
    "lydian": (0, 2, 4, 6, 7, 9, 11),
    "mixolydian": (0, 2, 4, 5, 7, 9, 10),
    "dorian": (0, 2, 3, 5, 7, 9, 10),
    "minor": (0, 2, 3, 5, 7, 8, 10),
}


@dataclass(frozen=True)
class Line:
    """One voice over the harmony.

    mode: `melody` (phrases, mostly steps), `arpeggio` (broken chords), `sparkle` (single high
    chord tones, far apart), `swell` (breath-like noise on a chord tone), `bass` (long low
    notes on the root). gap: seconds between notes at energy 0.5 (more energy, closer);
    phrase: notes per phrase; rest: seconds between phrases; level: gain; joins: the energy
    at which it begins to be heard (fully 0.35 above); wet: its share in the reverb."""

    instrument: str
    mode: str
    low: int
    high: int
    gap: tuple[float, float]
    phrase: tuple[int, int] = (3, 6)
    rest: tuple[float, float] = (3.0, 8.0)
    level: float = 1.0
    joins: float = 0.0
    wet: float = 0.5
    spread: float = 0.5


@dataclass(frozen=True)
class Recipe:
    name: str
    purpose: str  # what it is for, one line (companion music list, docs/sound.md)
    tonic: int  # pitch class
    mode: str
    degrees: tuple[tuple[int, float], ...]  # chord roots (scale degree 0..6) and their weights
    pace: tuple[float, float]  # seconds per chord
    sevenths: float  # chance of adding the seventh
    ninths: float  # chance of adding the ninth (second)
    pad_range: tuple[int, int]
    pad_level: float
    pad_brightness: float  # Hz where the bright pad spectrum bends down
    bass: int  # MIDI note around which the bass sits
    lines: tuple[Line, ...]
    reverb: float  # seconds (RT60 at the bottom)
    wet: float
    seed: int
    level_db: float = 0.0  # calibration: brings the raw mix near the target before levelling
    # variation over tens of minutes (regions.py): the lowest and highest step round the
    # circle of fifths the key may move to from home, and seconds spent in each key
    keys: tuple[int, int] = (0, 0)
    key_pace: tuple[float, float] = (900.0, 2400.0)
    register: float = 0.0  # semitones either way the pad's range wanders (about half an hour)
    colour: float = 0.0  # octaves either way the pad's brightness wanders


RECIPES: dict[str, Recipe] = {
    r.name: r
    for r in (
        Recipe(
            "drift",
            "flowing and gentle, for settling in and for long middle stretches",
            tonic=2,
            mode="major",
            degrees=((0, 3), (3, 2), (4, 1.5), (5, 2), (1, 1), (2, 0.7)),
            pace=(18, 30),
            sevenths=0.3,
            ninths=0.4,
            pad_range=(50, 71),
            pad_level=0.5,
            pad_brightness=1500,
            bass=38,
            lines=(
                Line(
                    "mallet",
                    "melody",
                    62,
                    83,
                    gap=(1.4, 3.2),
                    phrase=(3, 6),
                    rest=(2.5, 6.0),
                    level=0.55,
                    joins=0.1,
                ),
                Line(
                    "piano",
                    "melody",
                    57,
                    76,
                    gap=(2.0, 4.5),
                    phrase=(2, 4),
                    rest=(6.0, 14.0),
                    level=0.4,
                    joins=0.35,
                ),
                Line("bell", "sparkle", 86, 98, gap=(5.0, 11.0), level=0.08, joins=0.45, wet=0.9),
            ),
            reverb=5.5,
            wet=0.45,
            seed=11,
            level_db=0.2,
        ),
        Recipe(
            "still-water",
            "dark, sparse and still: for deep rest and inward attention",
            tonic=0,
            mode="minor",
            degrees=((0, 3), (5, 2), (2, 1.5), (6, 1.2), (3, 1)),
            pace=(30, 44),
            sevenths=0.2,
            ninths=0.5,
            pad_range=(48, 67),
            pad_level=0.55,
            pad_brightness=900,
            bass=36,
            lines=(
                Line(
                    "mallet",
                    "melody",
                    55,
                    77,
                    gap=(3.0, 6.5),
                    phrase=(2, 4),
                    rest=(6.0, 14.0),
                    level=0.5,
                    joins=0.1,
                ),
                Line(
                    "bowed",
                    "melody",
                    48,
                    64,
                    gap=(5.0, 9.0),
                    phrase=(2, 3),
                    rest=(10.0, 20.0),
                    level=0.25,
                    joins=0.4,
                ),
                Line("breath", "swell", 64, 76, gap=(9.0, 16.0), level=0.12, joins=0.3, wet=0.7),
            ),
            reverb=7.0,
            wet=0.55,
            seed=23,
            level_db=0.1,
            keys=(-2, 2),  # C, G, D, F and B flat minor: dark keys all, one note apart
            register=4.0,
            colour=0.5,
        ),
        Recipe(
            "open-sky",
            "bright and open, with shimmer: for wonder and expansion",
            tonic=9,
            mode="lydian",
            degrees=((0, 3), (1, 2.5), (4, 1.5), (5, 1.5), (3, 1), (2, 0.6)),
            pace=(16, 26),
            sevenths=0.35,
            ninths=0.5,
            pad_range=(52, 76),
            pad_level=0.45,
            pad_brightness=2000,
            bass=45,
            lines=(
                Line(
                    "mallet",
                    "melody",
                    64,
                    88,
                    gap=(1.1, 2.6),
                    phrase=(3, 7),
                    rest=(2.0, 5.0),
                    level=0.5,
                    joins=0.1,
                ),
                Line(
                    "pluck",
                    "arpeggio",
                    57,
                    81,
                    gap=(0.5, 0.9),
                    phrase=(4, 8),
                    rest=(5.0, 12.0),
                    level=0.3,
                    joins=0.35,
                ),
                Line("bell", "sparkle", 84, 100, gap=(2.5, 7.0), level=0.09, joins=0.3, wet=0.95),
            ),
            reverb=6.0,
            wet=0.5,
            seed=37,
            level_db=1.2,
        ),
        Recipe(
            "hearth",
            "grounded and warm, low strings and soft piano: for arriving",
            tonic=5,
            mode="major",
            degrees=((0, 3), (3, 2.2), (4, 1.5), (5, 1.2), (1, 0.8)),
            pace=(20, 32),
            sevenths=0.25,
            ninths=0.3,
            pad_range=(45, 64),
            pad_level=0.5,
            pad_brightness=1100,
            bass=41,
            lines=(
                Line(
                    "piano",
                    "melody",
                    55,
                    74,
                    gap=(1.6, 3.4),
                    phrase=(3, 5),
                    rest=(4.0, 9.0),
                    level=0.5,
                    joins=0.05,
                ),
                Line("bowed", "bass", 36, 50, gap=(7.0, 12.0), level=0.35, joins=0.0, wet=0.35),
                Line(
                    "bowed",
                    "melody",
                    50,
                    67,
                    gap=(3.5, 6.0),
                    phrase=(2, 4),
                    rest=(8.0, 16.0),
                    level=0.3,
                    joins=0.4,
                ),
            ),
            reverb=3.5,
            wet=0.35,
            seed=41,
            level_db=-1.3,
        ),
        Recipe(
            "deep-field",
            "vast and slow, open fifths and distant bells: for the deepest part",
            tonic=4,
            mode="dorian",
            degrees=((0, 3), (3, 1.5), (6, 1.2), (4, 1.0), (2, 0.8)),
            pace=(36, 56),
            sevenths=0.1,
            ninths=0.6,
            pad_range=(40, 64),
            pad_level=0.6,
            pad_brightness=800,
            bass=40,
            lines=(
                Line("breath", "swell", 55, 72, gap=(7.0, 14.0), level=0.14, joins=0.0, wet=0.8),
                Line(
                    "bell",
                    "sparkle",
                    67,
                    84,
                    gap=(8.0, 18.0),
                    level=0.12,
                    joins=0.2,
                    wet=0.95,
                    spread=0.8,
                ),
                Line(
                    "bowed",
                    "melody",
                    55,
                    72,
                    gap=(6.0, 10.0),
                    phrase=(2, 3),
                    rest=(14.0, 26.0),
                    level=0.22,
                    joins=0.45,
                ),
            ),
            reverb=9.0,
            wet=0.7,
            seed=53,
            level_db=-3.6,
        ),
        Recipe(
            "daybreak",
            "brighter and moving, plucked strings and piano: for returning",
            tonic=7,
            mode="mixolydian",
            degrees=((0, 3), (3, 2), (6, 1.2), (4, 1.5), (1, 1), (5, 1)),
            pace=(12, 20),
            sevenths=0.3,
            ninths=0.45,
            pad_range=(52, 74),
            pad_level=0.4,
            pad_brightness=2200,
            bass=43,
            lines=(
                Line(
                    "pluck",
                    "arpeggio",
                    55,
                    79,
                    gap=(0.45, 0.8),
                    phrase=(4, 8),
                    rest=(1.5, 4.0),
                    level=0.35,
                    joins=0.0,
                ),
                Line(
                    "piano",
                    "melody",
                    62,
                    84,
                    gap=(1.2, 2.6),
                    phrase=(3, 6),
                    rest=(3.0, 7.0),
                    level=0.45,
                    joins=0.2,
                ),
                Line("bell", "sparkle", 84, 96, gap=(4.0, 9.0), level=0.07, joins=0.5, wet=0.9),
            ),
            reverb=4.0,
            wet=0.4,
            seed=61,
            level_db=1.9,
        ),
    )
}
