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
    for seed in range(1, 6):  # the walk remembers: over hours it visits every key it may
        plan = KeyPlan(recipe.keys, recipe.key_pace, np.random.default_rng(seed))
        plan.at(4 * HOUR)
        assert {step for _, step in plan.moves} == set(range(low, high + 1)), plan.moves
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


def test_the_pads_register_and_colour_wander_within_the_recipes_range():
    recipe = RECIPES["still-water"]
    composer = Composer("still-water", seed=2)
    regions = []
    for minute in range(0, 60, 2):
        composer.now = minute * 60 * RATE
        regions.append(composer._pad_region())
    again = Composer("still-water", seed=2)
    again.now = 58 * 60 * RATE
    assert again._pad_region() == regions[-1], "the same seed, the same wander"
    lows = {lo - recipe.pad_range[0] for lo, _, _ in regions}
    assert len(lows) >= 4 and max(lows) - min(lows) >= 3, lows
    assert all(abs(shift) <= recipe.register for shift in lows)
    octaves = np.log2([b / recipe.pad_brightness for _, _, b in regions])
    assert np.ptp(octaves) > 0.2 and np.all(np.abs(octaves) <= recipe.colour + 1e-9)
    still = Composer("drift", seed=2)
    still.now = 30 * 60 * RATE
    assert still._pad_region() == (*RECIPES["drift"].pad_range, RECIPES["drift"].pad_brightness)
