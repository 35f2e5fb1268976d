"""The music a profile may prefer or avoid, with the mood of each (a substitute keeps it),
and the ambience that shows what an environment tag names (waves are water).

The names are the composer's six pieces (`companion music list`) and the library's tracks
(companion/script/catalog.MUSIC, the ones a script can play); tests/patients check both lists
against their sources.
"""

from __future__ import annotations

# piece -> mood. Moods next to each other in MOOD_ORDER are the nearest substitutes.
PIECES: dict[str, str] = {
    "drift": "gentle",
    "hearth": "gentle",
    "still-water": "deep",
    "deep-field": "deep",
    "open-sky": "bright",
    "daybreak": "bright",
}
MOOD_ORDER = ("deep", "gentle", "bright")

# ambience track -> the tags it sounds like; and what replaces it, nearest first
AMBIENCE_TAGS: dict[str, tuple[str, ...]] = {
    "waves": ("water",),
    "stream": ("water",),
    "rain": ("water",),
    "night": ("darkness",),
}
AMBIENCE_NEAREST: dict[str, tuple[str, ...]] = {
    "waves": ("wind", "forest"),
    "stream": ("forest", "wind"),
    "rain": ("wind", "forest"),
    "night": ("wind", "forest"),
}

# environment -> the others, nearest first (what an avoided one becomes)
NEAREST: dict[str, tuple[str, ...]] = {
    "shoreline": ("meadow", "forest", "aurora", "night-sky", "haven"),
    "forest": ("meadow", "shoreline", "haven", "aurora", "night-sky"),
    "meadow": ("forest", "shoreline", "aurora", "haven", "night-sky"),
    "night-sky": ("aurora", "meadow", "shoreline", "forest", "haven"),
    "aurora": ("night-sky", "meadow", "shoreline", "forest", "haven"),
    "haven": ("meadow", "forest", "shoreline", "aurora", "night-sky"),
}


def mood_distance(a: str, b: str) -> int:
    return abs(MOOD_ORDER.index(a) - MOOD_ORDER.index(b))
