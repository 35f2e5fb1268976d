"""Frame pacing (dropped frames, the health report) and the lazy follow of world-placed
text, as pure logic."""

from __future__ import annotations

from itertools import pairwise

import pytest

from companion.xr.follow import MAX_SPEED_DEG, START_DEG, LazyFollow, wrap
from companion.xr.pacing import WINDOW, FramePacer


def test_frames_on_time_drop_nothing():
    reports = []
    pacer = FramePacer(lambda *r: reports.append(r))
    for i in range(900):
        assert pacer.frame(10 + i / 90, 1 / 90) == 0
    assert pacer.dropped == 0 and pacer.rate == pytest.approx(90)
    assert reports == []


def test_a_late_frame_counts_the_frames_it_skipped():
    reports = []
    pacer = FramePacer(lambda *r: reports.append(r))
    pacer.frame(1.0, 0.0125)
    assert pacer.frame(1.05, 0.0125) == 3  # four periods on: three frames shown again
    assert pacer.dropped == 3
    assert reports == [], "three in five seconds is under 2%: no warning yet"
    assert pacer.frame(1.2, 0.0125) == 11  # a stall of 150 ms
    assert pacer.dropped == 14
    assert reports and reports[-1][:2] == ("display", False)
    assert "14 frames dropped" in reports[-1][2]


def test_the_warning_needs_a_real_run_of_drops_and_clears_when_they_stop():
    reports = []
    pacer = FramePacer(lambda *r: reports.append(r))
    t = 0.0
    for i in range(600):  # one frame dropped now and then: under 2% of 72 Hz
        t += 1 / 72 * (2 if i % 150 == 0 and i else 1)
        pacer.frame(t, 1 / 72)
    assert pacer.dropped == 3 and reports == []
    for _ in range(20):  # a bad patch: every other frame late
        t += 2 / 72
        pacer.frame(t, 1 / 72)
    assert [r[1] for r in reports] == [False]
    for _ in range(int(WINDOW * 72) + 2):
        t += 1 / 72
        pacer.frame(t, 1 / 72)
    assert [r[1] for r in reports] == [False, True]


def test_a_gap_while_the_headset_was_off_is_not_dropped_frames():
    pacer = FramePacer(lambda *r: None)
    pacer.frame(1.0, 0.011)
    pacer.reset_timing()
    assert pacer.frame(60.0, 0.011) == 0


def test_small_turns_leave_the_text_where_it_is():
    follow = LazyFollow()
    for i in range(200):
        assert follow.update(30 * (i % 2), 0.05) == 0.0
    assert follow.update(-START_DEG + 1, 0.05) == 0.0


def test_a_far_turn_brings_the_text_round_gently_and_it_rests():
    follow = LazyFollow()
    seen = []
    for _ in range(200):
        seen.append(follow.update(-120, 0.02))
    steps = [abs(b - a) for a, b in pairwise([0.0, *seen])]
    assert max(steps) <= MAX_SPEED_DEG * 0.02 + 1e-9
    assert seen[-1] == pytest.approx(-120, abs=3.0) and not follow.following
    rested = seen[-1]
    assert follow.update(-120 + 20, 0.02) == rested, "at rest again: small moves leave it"


def test_the_follow_takes_the_short_way_round():
    follow = LazyFollow(heading=170.0)
    follow.update(-150.0, 0.1)  # 40 degrees away across the back, not 320
    assert wrap(follow.heading - 170.0) > 0


def test_reset_is_immediate():
    follow = LazyFollow(heading=-90.0, following=True)
    follow.reset()
    assert follow.heading == 0.0 and not follow.following


def test_a_runtime_clock_that_goes_back_or_leaps_is_a_pause_not_dropped_frames():
    reports = []
    pacer = FramePacer(lambda *r: reports.append(r))
    for i in range(10):
        pacer.frame(1000 + i / 90, 1 / 90)
    assert pacer.frame(3.0, 1 / 90) == 0, "the clock went back 997 s"
    assert pacer.frame(3.0 + 2 / 90, 1 / 90) == 1, "drops are counted again from there"
    assert pacer.frame(3.0 + 10**9, 1 / 90) == 0, "a leap of 31 years is not 90 billion drops"
    assert pacer.dropped == 1 and pacer.recent() == 0
    assert reports == []
