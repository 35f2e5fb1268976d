"""A field of slow stars above a dark horizon, seen from a quiet hilltop."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from panda3d.core import NodePath, Vec3

from companion.stage import geometry
from companion.stage.skyparts import StarryScenery, add_stars


def hill(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The hilltop falling away ahead, and a far ridge rising beyond the valley."""
    top = -0.012 * (x * x * 0.25 + np.maximum(y, 0.0) ** 2) * 0.08 - 0.04 * np.maximum(y - 8, 0)
    ridge = 45.0 * np.clip((y - 250.0) / 350.0, 0.0, 1.0) * (0.55 + 0.45 * np.sin(x * 0.006 + 0.7))
    return np.maximum(top, -30.0) + ridge + 0.25 * np.sin(x * 0.08) * np.cos(y * 0.06)


class NightSky(StarryScenery):
    name = "night-sky"
    defaults: ClassVar[dict] = {"stars": 0.6, "time": "night"}
    eye = (0.0, 0.0, 1.2)
    pitch = 13.0
    fog = 0.0012

    def constants(self):
        return {**super().constants(), "u_milky": (1.0,), "u_wind": (0.5,)}

    def setting_values(self, look):
        return {"u_star_amount": (float(look["stars"]),)}

    def build(self, root: NodePath) -> None:
        self.add_sky(root, milky=True)
        self.stars = add_stars(self, root, 2200, seed=5)
        rng = np.random.default_rng(3)
        land = geometry.Mesh()
        xs = np.concatenate(
            [np.linspace(-1500, -80, 16), np.linspace(-78, 78, 40), np.linspace(80, 1500, 16)]
        )
        ys = np.concatenate([np.linspace(-20, 60, 24), np.linspace(65, 900, 30)])
        geometry.height_field(
            land, xs, geometry.thin_rows(xs, ys, hill, self.eye), hill, color=(0.20, 0.27, 0.17, 1)
        )
        node = self.place_around(root, land, "land", "lit.vert", "ground.frag")
        node.setShaderInput("u_ground_b", Vec3(0.27, 0.30, 0.20))
        trees = geometry.Mesh()
        for _ in range(260):
            x = rng.uniform(-900, 900)
            y = rng.uniform(420, 700)
            z = float(hill(np.array(x), np.array(y)))
            h = rng.uniform(9, 18)
            green = np.array([0.13, 0.19, 0.14, 1.0]) * rng.uniform(0.8, 1.2)
            geometry.cone(
                trees, np.array([x, y, z - 1]), h * 0.28, h, 6, green, (rng.random(), 0, 0, 0.3)
            )
        self.place(root, trees, "trees", "sway.vert", "plant.frag", reach=1.0)
