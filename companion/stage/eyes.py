"""The eye rig: where each eye is and what it sees. One eye for a screen, two for
side-by-side stereo, and the same rig for a headset (issue 7): a headset runtime reports a
head pose and, per eye, an offset and a field of view as four angles (OpenXR's XrFovf);
this module turns those into Panda3D lenses and transforms, and re-anchors on recenter.

Panda3D axes: +X right, +Y ahead, +Z up. Angles of a field of view are in radians, left
and down negative, as in OpenXR.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from panda3d.core import LQuaternionf, NodePath, PerspectiveLens, TransformState, Vec3

DEFAULT_IPD = 0.063  # metres between the pupils (adult average)
SCREEN_FOV_DEG = 65.0  # horizontal field of view on a screen: calm, not fish-eyed
NEAR, FAR = 0.05, 3000.0


@dataclass(frozen=True)
class Fov:
    """A (possibly asymmetric) field of view: angles from straight ahead to each edge."""

    left: float
    right: float
    up: float
    down: float

    @classmethod
    def symmetric(cls, horizontal_deg: float, aspect: float) -> Fov:
        """From a horizontal angle and the view's width / height."""
        half_w = math.radians(horizontal_deg) / 2
        half_h = math.atan(math.tan(half_w) / aspect)
        return cls(-half_w, half_w, half_h, -half_h)

    @property
    def vertical(self) -> float:
        return self.up - self.down

    def tangents(self) -> tuple[float, float, float, float]:
        return math.tan(self.left), math.tan(self.right), math.tan(self.up), math.tan(self.down)


def projection_matrix(fov: Fov, near: float = NEAR, far: float = FAR) -> np.ndarray:
    """The OpenGL projection (view space: -Z ahead, +Y up) for a field of view, as OpenXR
    samples build it: column vectors, clip z in [-1, 1]."""
    tl, tr, tu, td = fov.tangents()
    w, h = tr - tl, tu - td
    m = np.zeros((4, 4))
    m[0, 0], m[0, 2] = 2 / w, (tr + tl) / w
    m[1, 1], m[1, 2] = 2 / h, (tu + td) / h
    m[2, 2], m[2, 3] = -(far + near) / (far - near), -2 * far * near / (far - near)
    m[3, 2] = -1
    return m


def lens_for(fov: Fov, near: float = NEAR, far: float = FAR) -> PerspectiveLens:
    """A Panda3D lens with exactly this field of view: film one unit from the eye, spanning
    the tangents of the angles, offset for an asymmetric frustum."""
    tl, tr, tu, td = fov.tangents()
    lens = PerspectiveLens()
    lens.setFocalLength(1.0)
    lens.setFilmSize(tr - tl, tu - td)
    lens.setFilmOffset((tr + tl) / 2, (tu + td) / 2)
    lens.setNearFar(near, far)
    return lens


@dataclass
class Pose:
    position: Vec3
    orientation: LQuaternionf

    @classmethod
    def identity(cls) -> Pose:
        return cls(Vec3(0, 0, 0), LQuaternionf.identQuat())

    def transform(self) -> TransformState:
        return TransformState.makePosQuatScale(self.position, self.orientation, Vec3(1, 1, 1))


class EyeRig:
    """One or two eyes on a head. The head pose comes from a headset (or stays still on a
    screen); `recenter()` makes the current head pose the new straight-ahead."""

    def __init__(
        self,
        eyes: int = 1,
        fov: Fov | None = None,
        ipd: float = DEFAULT_IPD,
        near: float = NEAR,
        far: float = FAR,
    ) -> None:
        if eyes not in (1, 2):
            raise ValueError("an eye rig has one or two eyes")
        self.ipd = ipd
        self.near, self.far = near, far
        default = fov or Fov.symmetric(SCREEN_FOV_DEG, 16 / 9)
        self.fovs: list[Fov] = [default] * eyes
        self.offsets: list[Vec3] = (
            [Vec3(0, 0, 0)] if eyes == 1 else [Vec3(-ipd / 2, 0, 0), Vec3(ipd / 2, 0, 0)]
        )
        self.head = Pose.identity()
        self._anchor = TransformState.makeIdentity()
        self.drift = 0.0  # degrees of slow look-around (off unless the stage enables it)

    @property
    def eyes(self) -> int:
        return len(self.fovs)

    def set_fov(self, eye: int, fov: Fov) -> None:
        self.fovs[eye] = fov

    def set_screen(self, width: int, height: int, horizontal_deg: float = SCREEN_FOV_DEG) -> None:
        """Fit the fields of view to a screen of this size (each eye gets its half in stereo)."""
        aspect = (width / self.eyes) / max(1, height)
        for eye in range(self.eyes):
            self.fovs[eye] = Fov.symmetric(horizontal_deg, aspect)

    def set_eye_offset(self, eye: int, offset: Vec3) -> None:
        self.offsets[eye] = Vec3(offset)

    def set_head(self, position: Vec3, orientation: LQuaternionf) -> None:
        self.head = Pose(Vec3(position), LQuaternionf(orientation))

    def recenter(self) -> None:
        """Re-anchor: the head's current place and heading become the origin and straight
        ahead. Only heading (yaw) is taken, so the horizon stays level."""
        hpr = self.head.orientation.getHpr()
        self._anchor = TransformState.makePosHpr(self.head.position, Vec3(hpr.x, 0, 0)).getInverse()

    def lens(self, eye: int) -> PerspectiveLens:
        return lens_for(self.fovs[eye], self.near, self.far)

    def eye_transform(self, eye: int) -> TransformState:
        """Where an eye is relative to the environment's viewpoint."""
        drift = TransformState.makeHpr(Vec3(self.drift, 0, 0))
        head = self._anchor.compose(self.head.transform())
        return drift.compose(head).compose(TransformState.makePos(self.offsets[eye]))

    def place(self, eye_nodes: list[NodePath]) -> None:
        for eye, node in enumerate(eye_nodes):
            node.setTransform(self.eye_transform(eye))
