"""The loop as it runs with a headset: paced by the headset's clock (the stand-in waits for
its next frame slot by the real clock, as a runtime's xrWaitFrame does), dropped frames
when the app stalls, and a failing headset that does not stop the session."""

from __future__ import annotations

import time

import numpy as np
import pytest

from companion.session import actions as act
from companion.xr.headset import HeadsetStage

from .conftest import WINDOW
from .standin import RecordedHeadset

RATE = 30.0


class FailingHeadset(RecordedHeadset):
    """A stand-in whose images cannot be taken (a runtime that lost its swapchain)."""

    failing = False

    def submit(self, eye, copy):
        if self.failing:
            raise RuntimeError("the swapchain image was lost")
        super().submit(eye, copy)


@pytest.fixture(scope="module")
def live(gl):
    reports: list[tuple[str, bool, str]] = []
    headset = FailingHeadset(gl, (96, 100), rate=RATE, paced=True)
    stage = HeadsetStage(headset, WINDOW, gl=gl, report=lambda *r: reports.append(r), headless=True)
    stage.apply(act.SceneChange("s", "meadow", {"time": "day", "motion": 0.3}, 1.0, "journey"))
    for _ in range(3):
        stage.update()
        stage.taskmgr.step()
    yield stage, headset, reports
    stage.close()


def loop(stage, seconds: float, stall: float = 0.0) -> tuple[int, int]:
    """The app's loop for `seconds` of real time; returns the frames made and, with a stall,
    the frames the headset counted dropped across the stalled frame alone (on a busy machine
    other frames may come late too: those are real drops, but not the stall's)."""
    frames = across_stall = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        stage.update()
        if stall and frames == 5:
            before = stage.dropped_frames
            time.sleep(stall)  # the app held up (a slow disk, a long computation)
            stage.taskmgr.step()  # the next frame begins: the slots it missed are counted
            across_stall = stage.dropped_frames - before
        else:
            stage.taskmgr.step()
        frames += 1
    return frames, across_stall


def test_the_loop_runs_at_the_headsets_rate(live):
    """Paced by the headset: never faster than its rate, and every slot of the second is
    either a frame made or a frame counted dropped (a busy machine makes fewer and drops more;
    a loop running free would make many more)."""
    stage, headset, _ = live
    before, first = stage.dropped_frames, headset.display_time
    frames, _ = loop(stage, 1.0)
    slots = round((headset.display_time - first) * RATE)  # the headset's slots, by the real clock
    dropped = stage.dropped_frames - before
    assert frames <= 1.1 * RATE, f"{frames} frames in a second at {RATE:.0f} Hz"
    assert frames + dropped == slots, (frames, dropped, slots)
    assert stage.status()["rate_hz"] == pytest.approx(RATE)


def test_a_stall_is_counted_as_dropped_frames_and_reported(live):
    stage, _, reports = live
    _, dropped = loop(stage, 0.6, stall=0.25)
    assert 0.25 * RATE - 2 <= dropped <= 0.25 * RATE + 4
    assert any(r[0] == "display" and not r[1] and "dropped" in r[2] for r in reports)


def test_a_failing_headset_is_reported_once_and_the_window_goes_on(live):
    stage, headset, reports = live
    headset.failing = True
    count = len([r for r in reports if "hand the picture" in r[2]])
    first = stage.capture().astype(float)
    loop(stage, 0.5)
    failures = [r for r in reports if "hand the picture" in r[2]]
    assert len(failures) == count + 1 and failures[-1][:2] == ("display", False)
    assert "swapchain image was lost" in failures[-1][2]
    assert headset.ended == headset.frames, "every frame begun was still ended"
    later = stage.capture().astype(float)
    assert later.std() > 4 and np.abs(later - first).mean() > 0.05, "the mirror keeps moving"
    headset.failing = False
    loop(stage, 0.2)
    assert headset.with_picture < headset.ended
