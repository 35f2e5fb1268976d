"""Side-by-side stereo from the eye rig that the headset will reuse."""

from __future__ import annotations

import math

import numpy as np
import pytest
from panda3d.core import LQuaternionf, Point3, Vec3

from companion.session import actions as act
from companion.stage.eyes import EyeRig, Fov, lens_for, projection_matrix


def test_stereo_gives_two_distinct_eye_images(fresh_stage):
    stage = fresh_stage("stereo", size=(320, 90))
    stage.apply(act.SceneChange("s", "forest", {"time": "day", "motion": 0}, 1.0, "journey"))
    stage.settle()
    stage.render()
    stage.render()
    image = stage.capture().astype(float)
    left, right = image[:, :160], image[:, 160:]
    assert left.std() > 4 and right.std() > 4
    difference = np.abs(left - right).mean()
    assert difference > 0.3, "the two eyes see from two places"
    assert difference < 20, "but they see the same scene"
    assert np.corrcoef(left.ravel(), right.ravel())[0, 1] > 0.9
    assert stage.rig.eyes == 2
    assert stage.rig.offsets[1].x - stage.rig.offsets[0].x == pytest.approx(stage.rig.ipd)


def test_a_lens_from_a_field_of_view_meets_its_edges():
    fov = Fov(left=-0.7, right=0.9, up=0.6, down=-0.8)  # asymmetric, as headsets report
    lens = lens_for(fov)
    for angle_x, angle_z, expected in (
        (fov.left, 0.0, (-1, None)),
        (fov.right, 0.0, (1, None)),
        (0.0, fov.up, (None, 1)),
        (0.0, fov.down, (None, -1)),
    ):
        point = Point3(math.tan(angle_x) * 5, 5, math.tan(angle_z) * 5)
        film = Point3()
        lens.project(point, film)
        if expected[0] is not None:
            assert film.x == pytest.approx(expected[0], abs=1e-4)
        if expected[1] is not None:
            assert film.y == pytest.approx(expected[1], abs=1e-4)


def test_the_opengl_projection_agrees_with_the_lens():
    fov = Fov(left=-0.8, right=0.7, up=0.75, down=-0.6)
    m = projection_matrix(fov, 0.1, 100.0)
    # a point on the right edge of the view, 3 m ahead (OpenGL view space: -Z ahead)
    clip = m @ np.array([math.tan(fov.right) * 3, 0.0, -3.0, 1.0])
    assert clip[0] / clip[3] == pytest.approx(1.0)
    clip = m @ np.array([0.0, math.tan(fov.down) * 2, -2.0, 1.0])
    assert clip[1] / clip[3] == pytest.approx(-1.0)
    near = m @ np.array([0.0, 0.0, -0.1, 1.0])
    assert near[2] / near[3] == pytest.approx(-1.0)


def test_recenter_makes_the_current_heading_straight_ahead():
    rig = EyeRig(2)
    turned = LQuaternionf()
    turned.setHpr(Vec3(35, 10, 0))
    rig.set_head(Vec3(0.2, 0.1, 0.05), turned)
    before = rig.eye_transform(0).getHpr()
    assert before.x == pytest.approx(35, abs=1e-3)
    rig.recenter()
    after = rig.eye_transform(0)
    assert after.getHpr().x == pytest.approx(0, abs=1e-3)
    assert after.getHpr().y == pytest.approx(10, abs=1e-3), "pitch stays: the horizon stays level"
    centre = (rig.eye_transform(0).getPos() + rig.eye_transform(1).getPos()) * 0.5
    assert centre.length() == pytest.approx(0, abs=1e-4), "the head is back at the origin"


def test_symmetric_screen_fov_fits_the_screen():
    rig = EyeRig(1)
    rig.set_screen(1280, 720)
    fov = rig.fovs[0]
    assert math.tan(fov.right) / math.tan(fov.up) == pytest.approx(1280 / 720)
    stereo = EyeRig(2)
    stereo.set_screen(1280, 720)
    assert math.tan(stereo.fovs[0].right) / math.tan(stereo.fovs[0].up) == pytest.approx(640 / 720)
