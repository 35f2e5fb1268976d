"""A short soak in the test suite: a two-hour session through the real app at 240x (half a
minute), offscreen, with a random therapist command about three times a second. Nothing
raises, every acknowledged command is in the record exactly once, the record is complete.
The long runs (10 minutes at 12x, 10 minutes in real time) and the memory figures are in
benchmarks/soak.py."""

from __future__ import annotations

import importlib.util
import sys

from tests.conftest import ROOT

spec = importlib.util.spec_from_file_location("soak", ROOT / "benchmarks" / "soak.py")
soak = importlib.util.module_from_spec(spec)
sys.modules["soak"] = soak  # dataclasses look their module up by name
spec.loader.exec_module(soak)  # type: ignore[union-attr]


def test_two_hours_at_240x_with_random_commands(tmp_path):
    result = soak.run_soak(
        tmp_path,
        session_minutes=120,
        speed=240,
        real_seconds=28,
        every=0.3,
        seed=7,
        display=("--display", "window", "--offscreen", "--size", "320x180"),
        say=lambda line: None,
    )
    assert result.exit_code == 0, result.stderr[-2000:]
    assert result.acknowledged >= 50
    assert soak.check_record(result) == []
    assert len(result.samples) >= 15  # the process was alive and sampled throughout
    # it played for all of its time: the random skips did not end the session early
    assert result.session_time >= 0.9 * 28 * 240, result.session_time
