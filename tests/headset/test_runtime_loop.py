"""runtime.py's OpenXR session and frame loop, against a simulated runtime (no runtime or
headset can exist here: see simulated_runtime.py) on the real pyopenxr module, with real
rendering through EGL and real copies into the swapchain images."""

from __future__ import annotations

import time

import numpy as np
import pytest

from companion.session import actions as act
from companion.xr import headset as headset_module
from companion.xr import runtime
from companion.xr.extra import load_openxr
from companion.xr.headset import HeadsetStage

from .conftest import WINDOW
from .simulated_runtime import SimulatedRuntime
from .standin import RecordedHeadset


@pytest.fixture
def simulated(gl, monkeypatch):
    xr = load_openxr()
    poses = RecordedHeadset(gl, (96, 100))
    poses.seek(0.5)
    sim = SimulatedRuntime(xr, poses)
    sim.install(monkeypatch)
    # under EGL there is no GLX context to describe; the runtime is handed an empty binding
    monkeypatch.setattr(runtime, "_graphics_binding", lambda xr: xr.GraphicsBindingOpenGLXlibKHR())
    reports: list[tuple[str, bool, str]] = []
    headset = runtime.OpenXRHeadset(lambda *r: reports.append(r))
    stage = HeadsetStage(headset, WINDOW, gl=gl, report=lambda *r: reports.append(r), headless=True)
    stage.apply(act.SceneChange("s", "meadow", {"time": "day", "motion": 0}, 1.0, "journey"))
    yield sim, stage, headset, reports
    stage.close()


def frames(stage, n: int) -> None:
    """Frames of the app's loop; the stage's clock is virtual and quick (half a second a
    frame), so the first scene is in from its veil after a few."""
    for _ in range(n):
        stage._test_clock = getattr(stage, "_test_clock", 0.0) + 0.5
        stage.update(now=stage._test_clock)
        stage.taskmgr.step()


def test_a_session_runs_frames_and_hands_each_eye_over(simulated):
    sim, stage, headset, reports = simulated
    assert sim.log[:6] == [
        "instance Companion",
        "graphics requirements",
        "session system 7",
        "space LOCAL",
        "swapchain 96x100 format 0x8c43",
        "swapchain 96x100 format 0x8c43",
    ]
    frames(stage, 8)
    assert sim.frames_ended == [], "nothing before the runtime says the session is ready"
    sim.state("READY")
    sim.state("SYNCHRONIZED")
    sim.state("VISIBLE")
    sim.state("FOCUSED")
    frames(stage, 4)
    assert "begin session" in sim.log and headset.running and headset.state == "focused"
    assert any(
        r == ("display", True, "showing in the headset: Test Headset (SimulatedXR)")
        for r in reports
    )
    assert len(sim.frames_ended) == 4 and all(len(f["layers"]) == 1 for f in sim.frames_ended)
    layer = sim.frames_ended[-1]["layers"][0]
    recorded = sim.poses.views_at(0.5)
    for eye in (0, 1):
        assert layer[eye]["swapchain"] == eye and layer[eye]["rect"] == (96, 100)
        assert layer[eye]["fov"] == pytest.approx((recorded[eye].fov.left, recorded[eye].fov.right))
        assert layer[eye]["position"] == pytest.approx(recorded[eye].position, abs=1e-6)
    both = stage.capture_eyes()
    assert np.array_equal(sim.image(0), both[:, :96]) and np.array_equal(sim.image(1), both[:, 96:])
    assert sim.image(0).std() > 4
    times = [f["time"] for f in sim.frames_ended]
    assert np.diff(times).tolist() == [sim.period] * 3, "each frame ends at its own display time"
    assert stage.status()["rate_hz"] == pytest.approx(90, abs=0.1)


def test_runtime_answers_along_the_way(simulated):
    sim, stage, headset, reports = simulated
    sim.state("READY")
    frames(stage, 2)
    sim.discard_next = True  # a frame the runtime discarded: still a success
    frames(stage, 1)
    assert len(sim.frames_ended) == 3
    sim.should_render = False  # e.g. the headset's own menu covers the view
    frames(stage, 1)
    assert sim.frames_ended[-1]["layers"] == []
    sim.should_render = True
    sim.late_next = 4
    frames(stage, 1)
    assert stage.dropped_frames == 4
    sim.state("STOPPING")  # the headset went to sleep
    frames(stage, 2)
    assert "end session" in sim.log and not headset.running
    assert any(not ok and "not showing" in message for _, ok, message in reports)
    ended = len(sim.frames_ended)
    frames(stage, 2)
    assert len(sim.frames_ended) == ended, "no frames while stopped; the window goes on"
    sim.state("READY")  # back on
    frames(stage, 2)
    assert headset.running and len(sim.frames_ended) == ended + 2
    assert stage.dropped_frames == 4, "the time it was asleep is not dropped frames"
    sim.state("EXITING")  # the runtime quits
    frames(stage, 2)
    assert headset.lost and not headset.running
    assert any(not ok and "restart the session" in message for _, ok, message in reports)
    stage.close()
    assert sim.log[-5:] == [
        "destroy swapchain",
        "destroy swapchain",
        "destroy space",
        "destroy session",
        "destroy instance",
    ], "everything let go, in order"


MONOTONIC_NS = time.monotonic_ns()


@pytest.mark.parametrize(
    "start_ns",
    [MONOTONIC_NS + 10**18, 1, MONOTONIC_NS],
    ids=["far ahead of the monotonic clock", "far behind it", "level with it"],
)
def test_the_loop_never_waits_longer_than_a_frame_whatever_the_runtime_clock_says(
    simulated, monkeypatch, start_ns
):
    """The runtime's clock (XrTime) counts from its own epoch. The headset going to sleep
    (STOPPING), waking, and its clock going back must never make the frame loop wait more
    than one idle frame: a loop that waits freezes the therapist's panel with it."""
    sim, stage, headset, reports = simulated
    waits: list[float] = []
    real_sleep = time.sleep

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        real_sleep(min(seconds, 0.05))  # what was asked is what is asserted; no test hangs

    monkeypatch.setattr(headset_module.time, "sleep", sleep)
    sim.time = start_ns
    sim.state("READY")
    frames(stage, 3)
    sim.state("STOPPING")  # taken off: the loop idles on the monotonic clock
    frames(stage, 4)
    sim.state("READY")  # on again
    frames(stage, 2)
    sim.time -= 5 * 10**9  # and the runtime's clock goes back five seconds
    frames(stage, 2)
    sim.state("STOPPING")
    frames(stage, 3)
    assert not headset.running and len(sim.frames_ended) == 7
    assert waits, "while the headset asks for no frames the loop is held to a calm rate"
    assert max(waits) <= 1 / headset_module.IDLE_RATE + 1e-9, waits
    assert stage.dropped_frames == 0, "a clock that jumps is not dropped frames"


def test_a_runtime_that_holds_its_images_holds_the_loop_no_longer_than_a_frame(simulated):
    """A compositor that is late with an image costs that eye a new picture (it shows its
    last one), never a wait longer than a frame, never a black frame."""
    sim, stage, headset, reports = simulated
    sim.state("READY")
    frames(stage, 2)
    sim.poses.seek(2.0)  # the head moves on
    sim.images_held = 3  # the compositor stalls: the next three waits time out
    frames(stage, 2)
    assert max(sim.image_waits) <= sim.period, "never an infinite wait, at most a frame"
    shown = [bool(f["layers"]) for f in sim.frames_ended]
    assert shown == [True, True, True, True], "an eye not ready shows its last picture, not black"
    held, fresh = sim.frames_ended[-1]["layers"][
        0
    ]  # the left eye waited three times, the right twice
    drawn = sim.frames_ended[1]["layers"][0][0]
    moved = sim.poses.views_at(2.0)
    assert held["position"] == drawn["position"], "the left eye: from where its picture was drawn"
    assert held["position"] != pytest.approx(moved[0].position, abs=1e-6), "the head had moved"
    assert fresh["position"] == pytest.approx(moved[1].position, abs=1e-6)
    frames(stage, 2)
    assert [bool(f["layers"]) for f in sim.frames_ended[-2:]] == [True, True], "and then goes on"
