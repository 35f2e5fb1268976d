"""The click finder's own behaviour on made-up sound, where the answer is known."""

from __future__ import annotations

import numpy as np

from tests.audio.analysis import MIXER_BUFFER, RATE, clicks, tone


def stepped(at: int, gain: float = 0.5) -> np.ndarray:
    """A steady tone whose level drops by `gain` at frame `at` (too far for a ramp step)."""
    x = tone(330, 0.5, 0.3, stereo=False)
    x[at:] *= gain
    return x


def test_a_step_on_a_buffer_edge_is_left_out_only_when_asked() -> None:
    edge = 20 * MIXER_BUFFER
    offset = 3 * MIXER_BUFFER  # the slice begins at this capture frame
    x = stepped(edge - offset)
    assert clicks(x) == [round((edge - offset) / RATE, 3)]
    assert clicks(x, mid_buffer_from=offset) == []


def test_a_step_inside_a_buffer_is_still_a_click() -> None:
    inside = 20 * MIXER_BUFFER + 200
    found = clicks(stepped(inside), mid_buffer_from=0)
    assert found == [round(inside / RATE, 3)]


def test_a_sound_that_runs_out_mid_buffer_is_a_click() -> None:
    x = tone(330, 0.5, 0.3, stereo=False)
    x[9000 + 77 :] = 0.0
    assert clicks(x, mid_buffer_from=0) == [round(9077 / RATE, 3)]


def test_a_cut_just_after_a_step_on_an_edge_is_still_found() -> None:
    edge = 20 * MIXER_BUFFER
    x = stepped(edge)
    x[edge + 20 :] = 0.0
    assert clicks(x, mid_buffer_from=0) == [round((edge + 20) / RATE, 3)]
