"""The headset's picture, rendered for real through EGL, driven by recorded head movements
(the stand-in for a headset: none can exist here, see conftest.py)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from companion.session import actions as act
from companion.xr.mirror import crop

from .conftest import EYE
from .geometry import panel_point, pixel

SHOWN_Z = 0.32  # where the stage puts shown text, in overlay units


def luma(image: np.ndarray) -> float:
    return float((image.astype(float) / 255 @ np.array([0.2126, 0.7152, 0.0722])).mean())


def run(stage, headset, seconds: float, dt: float = 1 / 45, **update) -> None:
    """Frames as the app's loop makes them: the headset's begin task, the stage's update
    (virtual time), Panda3D's drawing (which hands each eye to the headset), the end task."""
    clock = getattr(stage, "_test_clock", 0.0)
    for _ in range(max(1, round(seconds / dt))):
        clock += dt
        stage.update(now=clock, **update)
        stage.taskmgr.step()
    stage._test_clock = clock


def card_centre(with_text: np.ndarray, without: np.ndarray) -> tuple[float, float] | None:
    """Centre of where two pictures differ (the text card and its backdrop)."""
    diff = np.abs(with_text.astype(float) - without.astype(float)).sum(axis=2)
    ys, xs = np.nonzero(diff > 40)
    if len(xs) < 10:
        return None
    return float((xs.min() + xs.max()) / 2), float((ys.min() + ys.max()) / 2)


@pytest.fixture(scope="module")
def shore(rig_stage):
    stage, headset, reports = rig_stage
    headset.advance = False
    headset.seek(0.0)
    stage.apply(act.SceneChange("s", "shoreline", {"time": "day", "motion": 0}, 1.0, "journey"))
    run(stage, headset, 3.4, dt=0.2)  # the first scene fades in from the veil
    return stage, headset, reports


def eyes_at(stage, headset, seconds: float) -> tuple[np.ndarray, np.ndarray]:
    headset.seek(seconds)
    run(stage, headset, 2 / 45)
    left, right = headset.received
    return left.copy(), right.copy()


def text_centres(stage, headset, seconds: float) -> list[tuple[float, float] | None]:
    """Where shown text appears in each eye with the head as recorded at `seconds`."""
    headset.seek(seconds)
    stage.apply(act.ShowText("Here", 30.0))
    run(stage, headset, 1.2)
    with_text = [e.copy() for e in headset.received]
    stage.apply(act.StepEnded("show", False))
    run(stage, headset, 1.8)
    return [card_centre(a, b) for a, b in zip(with_text, headset.received, strict=True)]


def test_each_eye_gets_its_own_picture_and_the_headset_receives_it_exactly(shore):
    stage, headset, _ = shore
    left, right = eyes_at(stage, headset, 0.5)
    assert left.shape == right.shape == (EYE[1], EYE[0], 3)
    assert left.std() > 4 and right.std() > 4, "a real scene, not a blank"
    difference = np.abs(left.astype(float) - right.astype(float)).mean()
    assert 0.3 < difference < 25, "two places, one scene"
    assert np.corrcoef(left.ravel(), right.ravel())[0, 1] > 0.8
    both = stage.capture_eyes()
    # the handover copies each half of the eye buffer unchanged (no scaling, no sRGB re-encoding)
    assert np.array_equal(both[:, : EYE[0]], left)
    assert np.array_equal(both[:, EYE[0] :], right)
    assert headset.ended == headset.frames and headset.with_picture == headset.frames


def test_the_view_is_anchored_at_the_head_as_the_session_starts(shore):
    stage, headset, _ = shore
    first = headset.views_at(0.0)
    assert (
        math.degrees(math.atan2(-first[0].position[0], 1)) != 0
    )  # the recording starts off-centre
    rig = stage.rig
    headset.seek(0.0)
    run(stage, headset, 1 / 45)
    centre = (rig.eye_transform(0).getPos() + rig.eye_transform(1).getPos()) * 0.5
    assert centre.length() < 0.01, "the eyes start where the scene's viewer sits"
    assert abs(rig.eye_transform(0).getHpr().x) < 1.0, "and look straight ahead into the scene"
    assert (rig.offsets[1] - rig.offsets[0]).length() == pytest.approx(0.064, abs=1e-4)
    assert rig.fovs[0].left == pytest.approx(-0.907) and rig.fovs[1].right == pytest.approx(0.907)


def test_text_stays_in_the_world_where_each_eye_should_see_it(shore):
    """Per-eye offsets from the runtime's views and projections from its fields of view: the
    text card lands where numpy, working from the recorded views alone, says it should,
    in both eyes (so at a real depth), looking ahead and with the head turned 25 degrees."""
    stage, headset, _ = shore
    anchor = headset.views_at(0.0)
    for seconds in (0.5, 3.4):
        views = headset.views_at(seconds)
        measured = text_centres(stage, headset, seconds)
        for eye, found in enumerate(measured):
            assert found is not None, f"the text is visible in eye {eye} at {seconds} s"
            expected = pixel(views[eye], panel_point(anchor, SHOWN_Z), EYE)
            assert found[0] == pytest.approx(expected[0], abs=3.5), (eye, seconds, found, expected)
            assert found[1] == pytest.approx(expected[1], abs=3.5), (eye, seconds, found, expected)
        assert measured[0][0] > measured[1][0], "the left eye sees it further right: it has depth"
    assert stage.eyes.overlay_heading == pytest.approx(0.0), "a 25 degree glance: the text stays"


def test_text_follows_lazily_when_the_patient_turns_far_away(shore):
    stage, headset, _ = shore
    headset.seek(5.0)
    headset.advance = True
    headings = []
    for _ in range(int(3.5 * 45)):
        run(stage, headset, 1 / 45)
        headings.append(stage.eyes.overlay_heading)
    headset.advance = False
    steps = np.abs(np.diff(headings))
    assert steps.max() * 45 <= 45.5, "never faster than 45 degrees a second"
    assert headings[20] > -15, "it waits until the turn is large"
    head = headset.views_at(headset.position)
    centres = text_centres(stage, headset, headset.position)
    anchor = headset.views_at(0.0)
    for eye, found in enumerate(centres):
        expected = pixel(head[eye], panel_point(anchor, SHOWN_Z, stage.eyes.overlay_heading), EYE)
        assert found is not None and found[0] == pytest.approx(expected[0], abs=3.5)
        straight_ahead = (
            -math.tan(head[eye].fov.left)
            / (math.tan(head[eye].fov.right) - math.tan(head[eye].fov.left))
            * EYE[0]
        )
        assert abs(found[0] - straight_ahead) < 16, "back in front of the patient (10 degrees)"
    assert -112 < stage.eyes.overlay_heading < -100


def test_recenter_makes_where_the_patient_faces_straight_ahead(shore):
    stage, headset, _ = shore
    ahead = eyes_at(stage, headset, 0.5)[0].astype(float)
    turned = eyes_at(stage, headset, 8.0)[0].astype(float)
    assert np.corrcoef(ahead.ravel(), turned.ravel())[0, 1] < 0.9, "turned away: another view"
    stage.apply(act.Recenter())
    recentered = eyes_at(stage, headset, 8.0)[0].astype(float)
    assert np.corrcoef(ahead.ravel(), recentered.ravel())[0, 1] > 0.97
    assert stage.eyes.overlay_heading == 0.0, "the text comes straight ahead with it"
    assert abs(stage.rig.eye_transform(0).getHpr().x) < 1.0
    headset.seek(0.0)
    run(stage, headset, 1 / 45)
    stage.apply(act.Recenter())  # and back, for the tests after
    run(stage, headset, 1 / 45)


def test_pause_dims_the_headset_softly_never_to_black_and_resume_restores(shore):
    stage, headset, _ = shore
    before = luma(eyes_at(stage, headset, 0.5)[0])
    stage.apply(act.Pause())
    lows = []
    for _ in range(8):
        run(stage, headset, 0.4)
        lows.append(luma(headset.received[0]))
    assert 0.45 * before < lows[-1] < 0.8 * before, "dimmed, clearly"
    assert min(lows) > 0.15, "never black"
    assert all(b <= a + 1e-3 for a, b in itertools.pairwise(lows)), "a steady, gentle dimming"
    stage.apply(act.Resume())
    run(stage, headset, 2.5)
    assert luma(headset.received[0]) == pytest.approx(before, abs=0.02)


def test_a_transition_crossfades_in_the_headset_too(shore):
    stage, headset, _ = shore
    start = eyes_at(stage, headset, 0.5)[1].astype(float)
    stage.apply(act.SceneChange("f", "forest", {"time": "day", "motion": 0}, 3.0, "journey"))
    middle_seen = []
    for _ in range(6):
        run(stage, headset, 0.5)
        middle_seen.append(headset.received[1].astype(float))
    end = middle_seen[-1]
    middle = middle_seen[2]
    assert np.abs(middle - start).mean() > 3 and np.abs(middle - end).mean() > 3, "a mix of both"
    assert np.abs(end - start).mean() > 10, "a different place at the end"


def test_scenes_are_level_in_a_headset(shore):
    stage, _, _ = shore
    stage.prepare(["night-sky", "aurora"])  # both look up on a screen
    for name, layer in stage.layers.items():
        assert layer.viewpoint.getP() == 0 and layer.viewpoint.getR() == 0, name


def test_the_window_mirrors_the_left_eye(shore):
    stage, headset, _ = shore
    left = eyes_at(stage, headset, 0.5)[0].astype(float)
    mirror = stage.capture().astype(float)
    height, width = mirror.shape[:2]
    u, v, du, dv = crop(EYE, (width, height))
    # sample the left eye where the mirror's pixel centres fall (u in the two-eye texture)
    xs = ((u + (np.arange(width) + 0.5) / width * du) * 2 * EYE[0]).astype(int)
    ys = ((1 - (v + (np.arange(height)[::-1] + 0.5) / height * dv)) * EYE[1]).astype(int)
    expected = left[np.clip(ys, 0, EYE[1] - 1)][:, np.clip(xs, 0, EYE[0] - 1)]
    assert np.abs(mirror - expected).mean() < 6
    assert np.corrcoef(mirror.ravel(), expected.ravel())[0, 1] > 0.95
    right = headset.received[1].astype(float)
    assert (
        np.abs(mirror - right[np.clip(ys, 0, EYE[1] - 1)][:, np.clip(xs, 0, EYE[0] - 1)]).mean()
        > np.abs(mirror - expected).mean()
    ), "the left eye, not the right"


def test_no_comfort_finding_in_any_of_it(shore):
    _, _, reports = shore
    assert not [r for r in reports if "comfort" in r[2]]


def test_late_frames_are_counted_and_reported_to_the_engine(shore):
    stage, headset, reports = shore
    start = stage.dropped_frames
    headset.late = 3
    run(stage, headset, 1 / 45)
    assert stage.dropped_frames == start + 3
    for _ in range(3):
        headset.late = 2
        run(stage, headset, 2 / 45)
    assert stage.dropped_frames == start + 9
    warnings = [r for r in reports if r[0] == "display" and not r[1]]
    assert warnings and "dropped" in warnings[-1][2]
    assert stage.status()["dropped_frames"] == stage.dropped_frames
    run(stage, headset, 5.2)  # five seconds on time
    assert reports[-1][0] == "display" and reports[-1][1], "the all-clear follows"
