"""Variation over tens of minutes (companion/audio/composer/regions.py): the key walks round
the circle of fifths within the recipe's range, deterministically with the seed, and the
composer follows it through pivot chords. Checked on the composer's own harmony, chord by
chord over an hour of virtual time, with no sound rendered (a fraction of a second)."""

import dataclasses

import numpy as np
import pytest

from companion.audio.composer import RECIPES, Composer
from companion.audio.composer.regions import KeyPlan

RATE = 44100
HOUR = 3600.0


def _harmony(
    piece: str, seed: int, minutes: float = 60
) -> list[tuple[float, int, tuple[int, ...]]]:
    """(seconds, key, chord) at every chord change of `minutes` of the piece: the composer's
    own chord walk, stepped at its recipe's pace without rendering the sound."""
    composer = Composer(piece, seed=seed)
    pace = np.random.default_rng(seed)
    out = []
    while composer.now < minutes * 60 * RATE:
        composer._next_chord()
        out.append((composer.now / RATE, composer.key, tuple(composer.chord)))
        composer.now += int(pace.uniform(*composer.recipe.pace) * RATE)
    return out


def test_the_key_plan_walks_one_step_at_a_time_within_its_range_and_repeats_with_the_seed():
    recipe = RECIPES["still-water"]
    low, high = recipe.keys
    plans = []
    for _ in range(2):
        plan = KeyPlan(recipe.keys, recipe.key_pace, np.random.default_rng(5))
        plan.at(3 * HOUR)
        plans.append(plan.moves)
    assert plans[0] == plans[1]
    moves = plans[0]
    assert len({step for _, step in moves}) >= 3, moves
    for (when, step), (then, after) in zip(moves, moves[1:], strict=False):
        assert abs(after - step) == 1 and low <= after <= high
        assert recipe.key_pace[0] <= then - when <= recipe.key_pace[1]
    other = KeyPlan(recipe.keys, recipe.key_pace, np.random.default_rng(6))
    other.at(3 * HOUR)
    assert other.moves != moves, "another seed, another plan"


def test_an_hour_of_still_water_visits_more_than_one_key_through_pivot_chords():
    first = _harmony("still-water", seed=3)
    assert first == _harmony("still-water", seed=3), "the same seed, the same harmony"
    keys = [key for _, key, _ in first]
    assert len(set(keys)) > 1, "an hour in one key"
    names = {key: Composer("still-water")._scale(key) for key in set(keys)}
    for (_, key, chord), (when, after, following) in zip(first, first[1:], strict=False):
        assert set(following) <= set(names[after]), "every chord is of its key"
        if after != key:  # a modulation: onto a triad of both keys, a change of chord
            assert set(following[:3]) <= set(names[key]) & set(names[after]), when
            assert following[0] != chord[0]
    assert min(when for when, key, _ in first if key != 0) >= RECIPES["still-water"].key_pace[0]


@pytest.mark.parametrize("name", [n for n, r in RECIPES.items() if r.keys == (0, 0)])
def test_a_piece_in_one_key_stays_there(name):
    assert {key for _, key, _ in _harmony(name, seed=1, minutes=30)} == {0}


def test_keys_must_include_home():
    with pytest.raises(ValueError, match="home"):
        KeyPlan((1, 2), (900, 2400), np.random.default_rng(0))
    odd = dataclasses.replace(RECIPES["drift"], keys=(1, 2))
    with pytest.raises(ValueError, match="home"):
        Composer(odd)
