"""The headset's eye rig: the stage's EyeRig fed with the views an OpenXR runtime reports.

A runtime reports, per eye, a pose in its reference space and a field of view (four
angles). The head is taken midway between the eyes, turned halfway between their
orientations; each eye keeps its offset *and* its own turn from the head (some headsets
have canted displays). OpenXR axes: +X right, +Y up, -Z ahead; Panda3D: +X right, +Y
ahead, +Z up."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from panda3d.core import LQuaternionf, TransformState, Vec3

from companion.stage.eyes import DEFAULT_IPD, EyeRig, Fov

HEADSET_FOV_DEG = 100.0  # until the runtime's first views arrive


@dataclass(frozen=True)
class EyeView:
    """One eye as OpenXR reports it: position (x, y, z) in metres, orientation as a
    quaternion (x, y, z, w), and the field of view."""

    position: tuple[float, float, float]
    orientation: tuple[float, float, float, float]
    fov: Fov


def xr_position(position: Sequence[float]) -> Vec3:
    x, y, z = position
    return Vec3(x, -z, y)


def xr_orientation(orientation: Sequence[float]) -> LQuaternionf:
    """A rotation in OpenXR axes as the same rotation in Panda3D's (a change of basis with
    determinant one, so the quaternion's vector part changes axes like a position)."""
    x, y, z, w = orientation
    quat = LQuaternionf(w, x, -z, y)
    quat.normalize()
    return quat


def heading(orientation: LQuaternionf, previous: float = 0.0) -> float:
    """The compass direction (degrees, + left) the head faces; `previous` when looking
    nearly straight up or down, where the heading is undefined."""
    forward = orientation.getForward()
    if math.hypot(forward.x, forward.y) < 0.2:
        return previous
    return math.degrees(math.atan2(-forward.x, forward.y))


class HeadsetRig(EyeRig):
    """Two eyes whose places, turns and fields of view come from the headset each frame."""

    def __init__(self, ipd: float = DEFAULT_IPD) -> None:
        super().__init__(2, Fov.symmetric(HEADSET_FOV_DEG, 1.0), ipd)
        self.turns: list[LQuaternionf] = [LQuaternionf.identQuat(), LQuaternionf.identQuat()]
        self.recenters = 0  # how often re-anchored (the world-placed text follows suit)
        self.tracked = False  # whether any pose has come yet

    def set_views(self, views: Sequence[EyeView]) -> bool:
        """Take this frame's views; returns whether a field of view changed (lenses must
        then be remade)."""
        positions = [xr_position(v.position) for v in views]
        turns = [xr_orientation(v.orientation) for v in views]
        head_position = (positions[0] + positions[1]) * 0.5
        head_turn = _halfway(turns[0], turns[1])
        self.set_head(head_position, head_turn)
        inverse = LQuaternionf(head_turn)
        inverse.invertInPlace()
        for eye, (position, turn) in enumerate(zip(positions, turns, strict=True)):
            self.offsets[eye] = inverse.xform(position - head_position)
            self.turns[eye] = turn * inverse  # Panda3D composes left to right: turn = local * head
        self.ipd = (positions[1] - positions[0]).length()
        changed = False
        for eye, view in enumerate(views):
            if view.fov != self.fovs[eye]:
                self.fovs[eye] = view.fov
                changed = True
        if not self.tracked:
            self.tracked = True
            self.recenter()  # seated: anchored at the patient's head as the session starts
        return changed

    def recenter(self) -> None:
        super().recenter()
        self.recenters += 1

    def eye_transform(self, eye: int) -> TransformState:
        local = TransformState.makePosQuatScale(self.offsets[eye], self.turns[eye], Vec3(1, 1, 1))
        drift = TransformState.makeHpr(Vec3(self.drift, 0, 0))
        head = self._anchor.compose(self.head.transform())
        return drift.compose(head).compose(local)

    def anchored_head(self) -> TransformState:
        """The head in the anchored frame (origin and straight ahead set at recenter)."""
        return self._anchor.compose(self.head.transform())


def _halfway(a: LQuaternionf, b: LQuaternionf) -> LQuaternionf:
    if a.dot(b) < 0:
        b = LQuaternionf(-b.getR(), -b.getI(), -b.getJ(), -b.getK())
    mid = LQuaternionf(a + b)
    if mid.length() < 1e-9:
        return LQuaternionf(a)
    mid.normalize()
    return mid
