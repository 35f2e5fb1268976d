"""The headset's eye rig from the runtime's views, without drawing: axes, per-eye offsets
and turns, fields of view, recenter."""

from __future__ import annotations

import math

import numpy as np
import pytest
from panda3d.core import LQuaternionf, Point3, Vec3

from companion.stage.eyes import Fov, projection_matrix
from companion.xr.rig import EyeView, HeadsetRig, heading, xr_orientation, xr_position

from .geometry import rotation

FOV_L = Fov(-0.907, 0.698, 0.768, -0.873)
FOV_R = Fov(-0.698, 0.907, 0.768, -0.873)


def xr_quat(axis: tuple[float, float, float], degrees: float) -> tuple[float, float, float, float]:
    half = math.radians(degrees) / 2
    x, y, z = (a * math.sin(half) for a in axis)
    return x, y, z, math.cos(half)


def views(position=(0.0, 0.0, 0.0), quat=(0.0, 0.0, 0.0, 1.0), ipd=0.064, cant=0.0):
    """Two eyes as a runtime reports them: at the head turned by `quat`, each eye `ipd`/2
    to its side (along the head's own right), each display canted outwards by `cant`."""
    r = rotation(quat)
    out = []
    for side, fov in ((-1, FOV_L), (1, FOV_R)):
        p = np.array(position) + r @ np.array([side * ipd / 2, 0, 0])
        eye_quat = _mul(quat, xr_quat((0, 1, 0), -side * cant))  # left eye turns left (+Y)
        out.append(EyeView(tuple(p), eye_quat, fov))
    return out


def _mul(a, b):
    ax, ay, az, aw = a
    bx, by, bz, bw = b
    return (
        aw * bx + ax * bw + ay * bz - az * by,
        aw * by - ax * bz + ay * bw + az * bx,
        aw * bz + ax * by - ay * bx + az * bw,
        aw * bw - ax * bx - ay * by - az * bz,
    )


def test_openxr_axes_become_panda3d_axes():
    assert tuple(xr_position((1, 2, -3))) == (1, 3, 2), "OpenXR -Z ahead is Panda3D +Y"
    left = xr_orientation(xr_quat((0, 1, 0), 30))  # turning about OpenXR's up: to the left
    assert left.getHpr().x == pytest.approx(30, abs=1e-4)
    up = xr_orientation(xr_quat((1, 0, 0), 20))  # about OpenXR's +X: looking up
    assert up.getHpr().y == pytest.approx(20, abs=1e-4)
    forward = up.getForward()
    assert forward.z > 0 and forward.y > 0


def test_eye_offsets_come_from_the_views_in_the_heads_own_frame():
    rig = HeadsetRig()
    rig.set_views(views((0.1, 1.2, -0.3), xr_quat((0, 1, 0), 40), ipd=0.07))
    assert tuple(rig.offsets[0]) == pytest.approx((-0.035, 0, 0), abs=1e-6)
    assert tuple(rig.offsets[1]) == pytest.approx((0.035, 0, 0), abs=1e-6)
    assert rig.ipd == pytest.approx(0.07)
    assert rig.fovs == [FOV_L, FOV_R]
    # the first views anchor the rig: the head is at the origin, looking straight ahead
    assert tuple(rig.eye_transform(0).getPos()) == pytest.approx((-0.035, 0, 0), abs=1e-5)
    assert rig.eye_transform(0).getHpr().x == pytest.approx(0, abs=1e-4)


def test_canted_displays_keep_each_eyes_own_turn():
    rig = HeadsetRig()
    rig.set_views(views(cant=10.0))
    assert rig.eye_transform(0).getHpr().x == pytest.approx(10, abs=1e-3)
    assert rig.eye_transform(1).getHpr().x == pytest.approx(-10, abs=1e-3)


def test_head_movement_after_the_anchor_moves_the_eyes():
    rig = HeadsetRig()
    rig.set_views(views((0.0, 1.1, 0.0)))
    rig.set_views(
        views((0.0, 1.1, -0.2), xr_quat((0, 1, 0), -30))
    )  # leaned 20 cm ahead, turned right
    centre = (rig.eye_transform(0).getPos() + rig.eye_transform(1).getPos()) * 0.5
    assert tuple(centre) == pytest.approx((0, 0.2, 0), abs=1e-5)
    assert rig.eye_transform(0).getHpr().x == pytest.approx(-30, abs=1e-3)
    assert heading(rig.anchored_head().getQuat()) == pytest.approx(-30, abs=1e-3)


def test_the_lens_is_the_runtimes_projection():
    rig = HeadsetRig()
    rig.set_views(views())
    lens = rig.lens(0)
    for x, y, z in ((0.3, -0.2, -1.0), (-0.9, 0.5, -2.0), (0.0, 0.0, -0.5)):
        clip = projection_matrix(FOV_L, rig.near, rig.far) @ np.array([x, y, z, 1.0])
        film = Point3()
        assert lens.project(Point3(x, -z, y), film)  # the same point in Panda3D's axes
        assert film.x == pytest.approx(clip[0] / clip[3], abs=1e-4)
        assert film.y == pytest.approx(clip[1] / clip[3], abs=1e-4)


def test_recenter_takes_the_heading_only_so_the_horizon_stays_level():
    rig = HeadsetRig()
    rig.set_views(views())
    turned = LQuaternionf()
    turned.setHpr(Vec3(-70, -15, 5))  # turned right, looking down, head tilted
    i, j, k, r = turned.getI(), turned.getJ(), turned.getK(), turned.getR()
    rig.set_views(views((0.3, 0.0, 0.1), (i, k, -j, r)))
    assert rig.recenters == 1
    rig.recenter()
    assert rig.recenters == 2
    hpr = rig.eye_transform(0).getHpr()
    assert hpr.x == pytest.approx(0, abs=1e-3)
    assert hpr.y == pytest.approx(-15, abs=1e-3) and hpr.z == pytest.approx(5, abs=1e-3)
    centre = (rig.eye_transform(0).getPos() + rig.eye_transform(1).getPos()) * 0.5
    assert centre.length() == pytest.approx(0, abs=1e-5)


def test_looking_straight_down_keeps_the_last_heading():
    down = LQuaternionf()
    down.setHpr(Vec3(40, -89.5, 0))
    assert heading(down, previous=12.0) == 12.0
    ahead = LQuaternionf()
    ahead.setHpr(Vec3(40, -30, 0))
    assert heading(ahead, previous=12.0) == pytest.approx(40, abs=1e-3)
