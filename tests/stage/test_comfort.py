"""Nothing flashes and nothing lurches: the stage's own comfort check, over every
environment and every transition, and the check itself catching what it must."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from companion.script import catalog
from companion.session import actions as act
from companion.stage.comfort import MAX_CHANGE, ComfortMonitor

from .helpers import luma

ENVIRONMENTS = sorted(catalog.ENVIRONMENTS)


def flat(value: float) -> np.ndarray:
    return np.full((18, 32, 3), value)


# --- the check itself ------------------------------------------------------------------


def test_the_check_catches_flashing_at_five_per_second():
    monitor = ComfortMonitor()
    for i in range(60):  # 30 frames a second, light and dark swapping every 3 frames
        monitor.observe(i / 30, flat(0.8 if (i // 3) % 2 else 0.2), fading=True)
    assert any(f.rule == "flashes" for f in monitor.findings)


def test_the_check_catches_a_small_flashing_area():
    monitor = ComfortMonitor()
    for i in range(60):
        frame = flat(0.3)
        frame[:6, :10] = 1.0 if (i // 3) % 2 else 0.0  # one corner of the view flickers
        monitor.observe(i / 30, frame, fading=True)
    assert any(f.rule == "flashes" for f in monitor.findings)


def test_the_check_allows_three_flashes_a_second_and_slow_waves():
    monitor = ComfortMonitor()
    for i in range(120):  # a slow swell of brightness, once every two seconds
        monitor.observe(i / 30, flat(0.5 + 0.3 * np.sin(i / 30 * np.pi)), fading=True)
    assert monitor.ok


def test_the_check_catches_a_jump_in_brightness_outside_a_fade():
    monitor = ComfortMonitor()
    for i in range(30):
        monitor.observe(i / 30, flat(0.4 if i < 15 else 0.5), fading=False)
    assert [f.rule for f in monitor.findings] == ["brightness"]


def test_the_same_change_during_the_stages_own_fade_is_allowed():
    monitor = ComfortMonitor()
    for i in range(30):
        monitor.observe(i / 30, flat(0.4 + 0.1 * i / 29), fading=True)
    assert monitor.ok


# --- the stage's own probe --------------------------------------------------------------


@pytest.mark.parametrize("period", [2, 3, 4, 5, 6, 7, 9, 12, 16])
def test_the_stage_catches_flicker_of_any_period_between_its_looks(player, period):
    """At 60 frames a second the probe looks about 20 times a second, at uneven gaps: a
    flicker whose period is a whole number of frames (30 Hz down to 3.75 Hz) must not hide
    between the looks, as a period of 3 frames does from a probe looking every third frame."""
    player.scene("meadow", {"time": "day", "motion": 0.0})
    player.settle()
    before = len(player.stage.comfort.findings)
    for frame in range(90):
        player.stage.veil.set(0.9 if (2 * frame // period) % 2 else 0.0)  # the view dark, then not
        player.frame(1 / 60, render=False)
        player.stage.render()
    player.stage.veil.set(0.0)
    assert any(f.rule == "flashes" for f in player.stage.comfort.findings[before:]), (
        f"period {period}"
    )


def test_the_probe_looks_about_twenty_times_a_second(player):
    player.scene("meadow", {"time": "day"})
    player.settle()
    looked = player.stage.comfort.frames
    for _ in range(180):
        player.frame(1 / 60, render=False)
        player.stage.render()
    assert 55 <= player.stage.comfort.frames - looked <= 65  # 3 s at 60 frames a second


# --- every environment, every transition -----------------------------------------------


@pytest.mark.parametrize("name", ENVIRONMENTS)
def test_every_environment_at_full_motion_passes_the_comfort_check(player, name):
    for time in ("day", "night"):
        player.scene(name, {"time": time, "motion": 1.0})
        player.settle()
        before = len(player.stage.comfort.findings)
        player.run(3.0, fps=15)
        found = player.stage.comfort.findings[before:]
        assert not found, f"{name} at {time}: {[f.message for f in found]}"


PAIRS = list(itertools.permutations(ENVIRONMENTS, 2))


@pytest.mark.parametrize("pair", PAIRS, ids=[f"{a}-to-{b}" for a, b in PAIRS])
def test_every_transition_crossfades_gently(player, pair):
    a, b = pair
    player.scene(a, {"time": "day"})
    start = luma(player.settle())
    before = len(player.stage.comfort.findings)
    player.scene(b, {"time": "night"}, transition=1.5)
    means = [luma(f) for f in player.run(2.0, fps=12)]
    end = means[-1]
    steps = np.abs(np.diff([start] + means))
    total = abs(end - start)
    # a crossfade, not a cut: no frame carries more than a fraction of the whole change
    assert steps.max() <= 0.3 * total + 0.02, f"{a}->{b} jumped by {steps.max():.3f} of {total:.3f}"
    found = player.stage.comfort.findings[before:]
    assert not found, [f.message for f in found]


def test_a_change_of_mind_mid_transition_turns_round_without_a_jump(player):
    player.scene("meadow", {"time": "day"})
    start = luma(player.settle())
    player.scene("night-sky", {"time": "night"}, transition=3.0)
    means = [luma(f) for f in player.run(1.2, fps=12)]
    player.scene("meadow", {"time": "day"}, transition=3.0)
    means += [luma(f) for f in player.run(3.5, fps=12)]
    steps = np.abs(np.diff([start] + means))
    assert steps.max() < 0.06
    assert abs(means[-1] - start) < 0.03


def test_a_look_change_fades_even_when_asked_to_cut(player):
    player.scene("shoreline", {"time": "day"})
    start = luma(player.settle())
    player.stage.apply(act.LookChange({"time": "night"}, 0.0))
    means = [luma(f) for f in player.run(3.0, fps=12)]
    assert abs(means[-1] - start) > 0.15
    assert np.abs(np.diff([start] + means)).max() < 0.5 * abs(means[-1] - start)


def test_pause_dims_gently_to_a_steady_scene_and_resume_returns(player):
    player.scene("forest", {"time": "day", "motion": 1.0})
    awake = luma(player.settle())
    player.stage.apply(act.Pause())
    means = [luma(f) for f in player.run(3.0, fps=12)]
    paused = means[-1]
    assert 0.45 * awake < paused < 0.85 * awake, "a pause dims, never to black"
    assert np.abs(np.diff([awake] + means)).max() < 0.04, "the dim is gradual"
    still = player.run(1.0, fps=6)
    assert np.abs(still[0].astype(float) - still[-1].astype(float)).mean() < 0.5, "paused is steady"
    player.stage.apply(act.Resume())
    back = [luma(f) for f in player.run(2.5, fps=12)]
    assert abs(back[-1] - awake) < 0.03


def test_the_end_fades_into_a_soft_colour_not_black(player):
    player.scene("haven", {"time": "day"})
    start = luma(player.settle())
    player.stage.apply(act.End("the script ended", 3.0))
    means = [luma(f) for f in player.run(3.5, fps=12)]
    assert means[-1] < 0.2 * start
    assert means[-1] > 0.02
    assert np.abs(np.diff([start] + means)).max() < 0.6 * (start - means[-1])


def test_comfort_limit_is_a_small_fraction_of_full_scale():
    assert 0 < MAX_CHANGE <= 0.1
