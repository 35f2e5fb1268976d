"""The pure parts of the mixer: ramp shapes, the gain split over SDL_mixer's two integer
controls, layer weights and the breathing tone's shape."""

import math
from itertools import pairwise

import numpy as np
import pytest

from companion.audio.channels import SPLIT_VOLUME_FLOOR
from companion.audio.mixer import breath_shape, silence_fade, split_gain
from companion.audio.ramps import Param, layer_weight
from companion.session import actions as act


def test_equal_power_crossfade_keeps_power():
    incoming, outgoing = Param(0.0), Param(1.0)
    incoming.to(1.0, 2.0, 10.0, "rise")
    outgoing.to(0.0, 2.0, 10.0, "fall")
    for t in np.linspace(10.0, 12.0, 41):
        assert incoming.value(t) ** 2 + outgoing.value(t) ** 2 == pytest.approx(1.0)
    assert (incoming.value(12.0), outgoing.value(12.0)) == (1.0, 0.0)


def test_decibel_ramp_moves_by_equal_ratios_and_ends_exactly():
    fade = Param(1.0)
    fade.to(0.0, 0.5, 0.0, "db")
    buffer = 512 / 44100
    values = [fade.value(i * buffer) for i in range(int(0.5 / buffer))]
    ratios = [b / a for a, b in pairwise(values)]
    assert max(ratios) == pytest.approx(min(ratios), rel=1e-9)
    assert 20 * math.log10(ratios[0]) > -1.5, "under 1.5 dB a mixer buffer"
    assert fade.value(0.5) == 0.0
    assert silence_fade(0.5, False) == "db" and silence_fade(4.0, False) == "fall"


def test_a_new_target_starts_where_the_value_is():
    level = Param(1.0)
    level.to(0.0, 1.0, 0.0, "smooth")
    midway = level.value(0.3)
    level.to(1.0, 1.0, 0.3, "smooth")
    assert level.value(0.3) == pytest.approx(midway)
    assert level.value(0.3001) == pytest.approx(midway, abs=1e-3)


@pytest.mark.parametrize("gain", [1.0, 0.6, 0.21, 0.05, 0.01, 0.002, 0.0003])
def test_gain_split_reaches_fine_steps_near_silence(gain):
    volume = 128
    for _ in range(200):  # the Sound volume slews towards where it should be
        new_volume, pan = split_gain(gain, volume)
        # set a moment before the panning, a step of the volume alone errs by its ratio
        assert abs(new_volume - volume) <= volume / 16, "at most 1/16 (0.56 dB) a step"
        volume = new_volume
    step = SPLIT_VOLUME_FLOOR / (128 * 255)  # the finest step the split makes
    assert abs(volume * pan / (128 * 255) - gain) <= max(0.01 * gain, step / 2)
    assert pan >= 128 or volume == SPLIT_VOLUME_FLOOR, "the panning gain keeps its resolution"


def test_gain_split_silence_is_exact():
    assert split_gain(0.0, 40)[1] == 0


def test_layers_blend_with_intensity():
    steps = np.linspace(0, 1, 21)
    for role in ("middle", "high"):
        weights = [layer_weight(role, i) for i in steps]
        assert weights[0] == 0.0 and weights[-1] == 1.0
        assert all(b >= a for a, b in pairwise(weights))
    assert all(layer_weight("base", i) == 1.0 for i in steps)
    assert layer_weight("middle", 0.6) == 1.0 and layer_weight("high", 0.6) < 0.2


def test_breath_shape_swells_holds_ebbs_and_rests():
    shape = breath_shape(act.Breathe(4.0, 2.0, 6.0, 1.0, 2, "tone"), start=100.0)
    assert shape(100.0) == 0.0
    assert shape(102.0) == pytest.approx(0.5)
    assert shape(104.0) == pytest.approx(1.0) and shape(105.5) == 1.0
    assert shape(109.0) == pytest.approx(0.5)
    assert shape(112.5) == 0.0  # rest
    assert shape(113.0 + 2.0) == pytest.approx(0.5)  # second cycle
    assert shape(126.5) == 0.0  # after the last cycle
    samples = [shape(100 + t) for t in np.arange(0, 26, 0.005)]
    assert max(abs(b - a) for a, b in pairwise(samples)) < 0.005, "no jumps"


def test_the_ramp_clock_goes_on_a_buffer_or_two_at_a_time_after_a_held_up_tick():
    """A ramp thread held up 300 ms does not leap its fades by 300 ms: its clock moves a
    quarter of the way a tick and is back on the wall clock within a few dozen ticks."""
    from companion.audio.ramp_loop import STEP, TICK, RampClock

    wall = [100.0]
    clock = RampClock(lambda: wall[0])
    wall[0] += 0.3  # held up
    moves = []
    for _ in range(40):
        before = clock.now()
        clock.tick()
        moves.append(clock.now() - before)
        wall[0] += TICK
    assert max(moves) <= 0.3 / 4 + 1e-12, "a quarter of the time missed at most"
    assert wall[0] - TICK - clock.now() < STEP, "caught up with the wall clock"
    slow = RampClock(lambda: wall[0])
    for _ in range(100):  # ticks 40 ms apart: it trails by four ticks' time at most
        wall[0] += 0.04
        slow.tick()
    assert wall[0] - slow.now() <= 4 * 0.04 + 1e-9
