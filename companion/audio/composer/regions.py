"""Variation over tens of minutes: the key a piece is in, moving now and then to a
neighbouring one.

Over an hour or more a sparse piece brings the same chord back in nearly the same voicing
(still-water, five chords over a pad: after three hours a 20-s window was as like an earlier
one as the repetition measure allows). Chord by chord variety cannot fix that; a slow change
of region can: the piece spends 15 to 40 minutes in a key, then moves one step round the
circle of fifths (C minor to G or F minor: one note of the scale changes) and later back,
so the same chord change comes back in another key, voiced on other notes.

The move is a pivot modulation, never a jump: the composer makes it at a chord change, onto
a chord that belongs to both keys (C minor to G minor through C minor, E flat, G minor or
B flat), with the pads voice-led as at every change; only the next chords are the new key's.
The register, mode, pace and instruments stay the piece's own, so its character does too.

A recipe states its range (`Recipe.keys`: the lowest and highest step round the circle of
fifths from its home key, e.g. (-2, 2): two flats fewer to two sharps more) and how long it
stays in each (`Recipe.key_pace`, seconds). The plan draws from a generator of its own, so a
piece with one key draws nothing and plays as before, and the plan is the same for the same
seed whatever else the composer draws."""

from __future__ import annotations

import numpy as np

FIFTH = 7  # semitones: one step round the circle of fifths


class KeyPlan:
    """Where a piece's key should be at any time: a walk one step at a time round the circle of
    fifths within `keys` (the lowest and highest step from home), staying `pace` seconds
    (drawn between the two) in each. Asked in increasing time, it draws its moves lazily."""

    def __init__(
        self, keys: tuple[int, int], pace: tuple[float, float], rng: np.random.Generator
    ) -> None:
        low, high = keys
        if not low <= 0 <= high:
            raise ValueError(f"a recipe's keys must include its home key (0): {keys}")
        self.keys = tuple(range(low, high + 1))
        self.pace = pace
        self.rng = rng
        self.step = 0  # steps round the circle of fifths from home, where the piece is now
        self.moves: list[tuple[float, int]] = [(0.0, 0)]  # (from when, step): the plan so far
        self.spent = dict.fromkeys(self.keys, 0.0)  # seconds in each key so far
        self.next_at = self._stay(0.0) if len(self.keys) > 1 else float("inf")

    @property
    def moving(self) -> bool:
        return len(self.keys) > 1

    def _stay(self, when: float) -> float:
        return when + float(self.rng.uniform(*self.pace))

    def _least(self, neighbour: int) -> float:
        """How little the keys from `neighbour` on (away from here) have been heard: the least
        seconds spent in one of them, each step further counting ten minutes more (of two
        keys not heard yet, the nearer is the likelier)."""
        way = [k for k in self.keys if (k - self.step) * (neighbour - self.step) > 0]
        return min(self.spent[k] + 600.0 * abs(k - neighbour) for k in way)

    def at(self, seconds: float) -> int:
        """The step (round the circle of fifths from home) the key should be at `seconds`."""
        while seconds >= self.next_at:
            self.spent[self.step] += self.next_at - self.moves[-1][0]
            neighbours = [k for k in self.keys if abs(k - self.step) == 1]
            # a walk with a memory: towards the keys heard least so far, so over hours the
            # piece spends its time over all its keys rather than going back and forth
            # between two; a tie (the first move, from home) is drawn
            least = [self._least(k) for k in neighbours]
            best = [k for k, heard in zip(neighbours, least, strict=True) if heard == min(least)]
            self.step = best[min(int(self.rng.random() * len(best)), len(best) - 1)]
            self.moves.append((self.next_at, self.step))
            self.next_at = self._stay(self.next_at)
        return self.step


def tonic(home: int, step: int) -> int:
    """The pitch class of the tonic `step` fifths from `home`."""
    return (home + FIFTH * step) % 12


class Wander:
    """A slow, smooth curve in -1..1 over tens of minutes (two sines, periods `period` and
    1.618 times it, random phases): where the pad's register and colour have wandered. Read
    only when a chord is voiced, so a change is heard only as new pad tones fade in."""

    def __init__(self, period: float, rng: np.random.Generator) -> None:
        self.period = period
        self.phases = rng.uniform(0, 2 * np.pi, 2)

    def at(self, seconds: float) -> float:
        p, q = self.period, self.period * 1.618
        return float(
            0.6 * np.sin(2 * np.pi * seconds / p + self.phases[0])
            + 0.4 * np.sin(2 * np.pi * seconds / q + self.phases[1])
        )
