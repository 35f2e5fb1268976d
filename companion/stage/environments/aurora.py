"""Ribbons of light over a snowy plain: slow curtains of colour above quiet mountains."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np
from panda3d.core import NodePath

from companion.stage import geometry
from companion.stage.look import Values
from companion.stage.palette import Palette
from companion.stage.skyparts import StarryScenery, add_stars
from companion.stage.textures import rays_texture

HUES: dict[str, tuple[tuple[float, float, float], tuple[float, float, float]]] = {
    # the hem of the curtain, and the colour it turns towards at the top
    "green": ((0.32, 0.95, 0.58), (0.42, 0.45, 0.92)),
    "teal": ((0.26, 0.86, 0.84), (0.36, 0.52, 1.00)),
    "violet": ((0.60, 0.46, 1.00), (0.92, 0.48, 0.86)),
    "rose": ((1.00, 0.50, 0.68), (0.72, 0.44, 0.96)),
}
VISIBLE = {"dawn": 0.45, "day": 0.06, "dusk": 0.6, "night": 1.0}


def plain(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    dunes = 0.35 * np.sin(x * 0.045 + y * 0.02) + 0.2 * np.sin(x * 0.013 - y * 0.031)
    peaks = np.clip((y - 380.0) / 300.0, 0.0, 1.0) * (
        48.0 * np.abs(np.sin(x * 0.0042 + 0.4)) ** 1.6 + 22.0 * np.abs(np.sin(x * 0.011 + 1.1))
    )
    return dunes + peaks


def snow_colour(x: np.ndarray, y: np.ndarray, z: np.ndarray) -> np.ndarray:
    rock = np.array([0.30, 0.33, 0.40, 1.0])
    snow = np.array([0.88, 0.92, 0.98, 1.0])
    t = np.clip((z - 22.0) / 18.0, 0.0, 1.0)[:, None]
    steep = np.clip(z / 30.0, 0.0, 1.0)[:, None] * 0.55
    return snow * (1 - steep) + rock * steep * (1 - t) + snow * steep * t


class Aurora(StarryScenery):
    name = "aurora"
    defaults: ClassVar[dict] = {"hue": "green", "time": "night"}
    eye = (0.0, 0.0, 1.2 + 0.35)
    pitch = 11.0
    fog = 0.0009
    # the dark sky between the snow's far hills and the ribbons' hems reads as land seen
    # from this seat: stars start at the hems (about 9 degrees up), not at the true horizon
    star_horizon = 0.15

    def palette(self, time: str) -> Palette:
        base = super().palette(time)
        cool = tuple(
            c * 0.8 + b * 0.2 for c, b in zip(base.horizon, (0.55, 0.68, 0.85), strict=True)
        )
        return base.shifted(horizon=cool, sun_glow=base.sun_glow * 0.8)

    def setting_values(self, look: Mapping[str, Any]) -> Values:
        hem, top = HUES[str(look["hue"])]
        return {
            "u_aurora_color": hem,
            "u_aurora_top": top,
            "u_aurora": (VISIBLE[str(look["time"])],),
            "u_star_amount": (0.55,),
        }

    def build(self, root: NodePath) -> None:
        self.add_sky(root)
        self.stars = add_stars(self, root, 1800, seed=9)
        land = geometry.Mesh()
        xs = np.concatenate(
            [np.linspace(-1800, -100, 36), np.linspace(-98, 98, 30), np.linspace(100, 1800, 36)]
        )
        ys = np.concatenate([np.linspace(-20, 100, 20), np.linspace(105, 900, 40)])
        geometry.height_field(
            land, xs, geometry.thin_rows(xs, ys, plain, self.eye), plain, color=snow_colour
        )
        self.place_around(root, land, "snow", "lit.vert", "snow.frag").setShaderInput("u_wrap", 0.6)
        ribbons = geometry.Mesh()
        for k, (x0, x1, y0, z0, height) in enumerate(
            ((-700, 500, 520, 105, 150), (-300, 900, 760, 140, 190), (-900, 200, 980, 170, 210))
        ):
            u, v, tris = geometry.grid(120, 1)
            x = x0 + (x1 - x0) * u
            y = y0 + 160 * np.sin(u * 2.6 + k) - 60 * u
            z = z0 + height * v
            extras = np.stack([u, v, np.full_like(u, k * 0.37 + 0.1), np.zeros_like(u)], 1)
            ribbons.add(np.stack([x, y, z], 1), tris, None, (1, 1, 1, 1), extras)
        node = self.place(
            root,
            ribbons,
            "ribbons",
            "aurora.vert",
            "aurora.frag",
            bin_name="fixed",
            sort=5,
            additive=True,
            depth_write=False,
            two_sided=True,
            reach=70.0,
        )
        node.setShaderInput("u_rays", rays_texture())
