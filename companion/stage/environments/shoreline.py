"""A calm sea meeting a sandy shore: long swells, a breathing waterline, soft foam."""

from __future__ import annotations

import math
from typing import ClassVar

import numpy as np
from panda3d.core import NodePath

from companion.stage import geometry
from companion.stage.environments.base import Scenery
from companion.stage.look import Values


def sand_height(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """As sand_height() in shore.glsl: the two must agree for the waterline to be right."""
    return 0.55 - 0.055 * y + 0.22 * np.sin(x * 0.055) + 0.08 * np.sin(x * 0.17 + y * 0.2)


def tide(waves: float, clock: float) -> float:
    """How far the sea has risen (metres): it breathes slowly, and the waterline with it."""
    return (0.04 + 0.07 * waves) * math.sin(clock * 0.35)


def ridge(
    x: np.ndarray, y: np.ndarray, peak: float, center: float, width: float, depth: float
) -> np.ndarray:
    """A headland: a soft hump across x, falling away towards the sea and the back."""
    across = np.exp(-(((x - center) / width) ** 2))
    along = np.clip(1.0 - ((y - depth) / 160.0) ** 2, 0.0, 1.0)
    wobble = 1.0 + 0.18 * np.sin(x * 0.013) + 0.08 * np.sin(x * 0.041)
    return peak * across * along * wobble - 4.0


class Shoreline(Scenery):
    name = "shoreline"
    defaults: ClassVar[dict] = {"waves": 0.4}
    eye = (0.0, 0.0, 0.55 + 1.2)
    pitch = -1.5
    fog = 0.00055

    def constants(self):
        return {**super().constants(), "u_clouds": (0.35,)}

    def update(self, root: NodePath, values: Values, clock: float) -> Values:
        changed = super().update(root, values, clock)
        root.setShaderInput("u_tide", tide(values["u_waves"][0], clock))
        return changed

    def build(self, root: NodePath) -> None:
        self.add_sky(root, clouds=True)
        sand = geometry.Mesh()
        xs = np.concatenate(
            [np.linspace(-600, -60, 10), np.linspace(-58, 58, 60), np.linspace(60, 600, 10)]
        )
        ys = np.concatenate([np.linspace(-20, -2, 4), np.linspace(-1, 40, 50)])
        geometry.height_field(
            sand,
            xs,
            geometry.thin_rows(xs, ys, sand_height, self.eye),
            sand_height,
            color=(0.84, 0.75, 0.60, 1),
        )
        self.place_around(root, sand, "sand", "lit.vert", "sand.frag")

        sea = geometry.Mesh()
        # rows dense near the shore, where the swells roll, thinned towards the horizon
        rows = geometry.thin_rows(
            np.zeros(1),
            4.0 + np.linspace(0.0, 1.0, 81) ** 2.2 * 3000.0,
            lambda x, y: 0.0 * x,
            self.eye,
        )
        u, v, tris = geometry.grid(90, len(rows) - 1)
        x = np.sign(u - 0.5) * (np.abs(u - 0.5) * 2) ** 2 * 2500.0
        y = rows[np.rint(v * (len(rows) - 1)).astype(int)]
        sea.add(np.stack([x, y, np.zeros_like(x)], 1), tris)
        self.place(root, sea, "sea", "water.vert", "water.frag", reach=1.0)

        land = geometry.Mesh()
        xs = np.linspace(-1400, -150, 90)
        ys = np.linspace(500, 900, 12)
        geometry.height_field(
            land,
            xs,
            ys,
            lambda x, y: ridge(x, y, 70.0, -700.0, 420.0, 700.0),
            color=(0.34, 0.42, 0.33, 1),
        )
        xs = np.linspace(250, 900, 50)
        ys = np.linspace(1200, 1500, 8)
        geometry.height_field(
            land,
            xs,
            ys,
            lambda x, y: ridge(x, y, 38.0, 560.0, 200.0, 1350.0),
            color=(0.36, 0.42, 0.38, 1),
        )
        self.place(root, land, "headlands", "lit.vert", "land.frag").setShaderInput("u_wrap", 0.6)
