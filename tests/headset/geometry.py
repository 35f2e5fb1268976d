"""Where a point fixed in the world should appear in an eye's picture, worked out
independently of the code under test: numpy, in OpenXR's own axes, straight from the
recorded views (pose and field of view) the runtime reported."""

from __future__ import annotations

import math

import numpy as np

from companion.xr.world import PANEL_DISTANCE, PANEL_HEIGHT, PANEL_SCALE


def rotation(q: tuple[float, float, float, float]) -> np.ndarray:
    x, y, z, w = q
    return np.array(
        [
            [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
            [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
            [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
        ]
    )


def yaw_of(views) -> float:
    """The head's heading in OpenXR's LOCAL space, radians, + turning left (about +Y)."""
    forward = rotation(views[0].orientation) @ np.array([0, 0, -1.0])
    return math.atan2(-forward[0], -forward[2])


def head_position(views) -> np.ndarray:
    return (np.array(views[0].position) + np.array(views[1].position)) / 2


def panel_point(anchor_views, overlay_z: float, overlay_heading_deg: float = 0.0) -> np.ndarray:
    """A point of the overlay (height `overlay_z` in overlay units, centred) in LOCAL space:
    the panel stands PANEL_DISTANCE ahead of the head as it was at recenter, turned by the
    overlay's heading."""
    yaw = yaw_of(anchor_views) + math.radians(overlay_heading_deg)
    ahead = np.array([-math.sin(yaw), 0.0, -math.cos(yaw)])
    up = np.array([0.0, 1.0, 0.0])
    return (
        head_position(anchor_views)
        + ahead * PANEL_DISTANCE
        + up * (PANEL_HEIGHT + overlay_z * PANEL_SCALE)
    )


def pixel(view, point: np.ndarray, size: tuple[int, int]) -> tuple[float, float]:
    """Where `point` (LOCAL space) lands in this eye's picture: (x from the left, y from the
    top), in pixels, by the view's pose and its four field-of-view angles."""
    local = rotation(view.orientation).T @ (point - np.array(view.position))
    u, v = local[0] / -local[2], local[1] / -local[2]
    tl, tr, tu, td = (
        math.tan(a) for a in (view.fov.left, view.fov.right, view.fov.up, view.fov.down)
    )
    return (u - tl) / (tr - tl) * size[0], (tu - v) / (tu - td) * size[1]
