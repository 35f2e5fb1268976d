"""Tall trees in soft light: firs receding into mist, a clear way ahead, shafts of light."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np
from panda3d.core import NodePath

from companion.stage import geometry
from companion.stage.environments.base import Scenery
from companion.stage.look import Values
from companion.stage.palette import Palette


def ground_height(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return 0.35 * np.sin(x * 0.07) * np.cos(y * 0.05) + 0.25 * np.sin(x * 0.021 + y * 0.033)


FAR_FIR = 70.0  # metres: firs beyond have six sides, not nine
TIERS = 5  # overlapping skirts of branches per fir
SHAFTS = {"dawn": 1.3, "day": 1.0, "dusk": 0.8, "night": 0.25}


class Forest(Scenery):
    name = "forest"
    defaults: ClassVar[dict] = {"mist": 0.4}
    eye = (0.0, 0.0, float(ground_height(np.array(0.0), np.array(0.0))) + 1.2)
    pitch = 4.0

    def palette(self, time: str) -> Palette:
        base = super().palette(time)
        green = (0.60, 0.70, 0.64) if time != "night" else (0.07, 0.10, 0.12)
        horizon = tuple(h * 0.6 + g * 0.4 for h, g in zip(base.horizon, green, strict=True))
        return base.shifted(horizon=horizon, sun_glow=base.sun_glow * 0.7)

    def setting_values(self, look: Mapping[str, Any]) -> Values:
        mist = float(look["mist"])
        return {
            "u_fog": (0.006 + 0.028 * mist,),
            "u_ground_mist": (0.55 * mist,),
            "u_shafts": (SHAFTS[str(look["time"])] * (0.35 + 0.65 * mist),),
        }

    def constants(self) -> Values:
        return {**super().constants(), "u_wind": (0.35,), "u_low_shade": (0.28,)}

    def build(self, root: NodePath) -> None:
        from panda3d.core import Vec3

        self.add_sky(root)
        rng = np.random.default_rng(7)
        ground = geometry.Mesh()
        xs = np.linspace(-220, 220, 60)
        ys = np.linspace(-120, 260, 60)
        geometry.height_field(
            ground,
            xs,
            geometry.thin_rows(xs, ys, ground_height, self.eye),
            ground_height,
            color=(0.25, 0.31, 0.17, 1),
        )
        node = self.place_around(root, ground, "ground", "lit.vert", "ground.frag")
        node.setShaderInput("u_ground_b", Vec3(0.36, 0.29, 0.20))

        sectors = {k: geometry.Mesh() for k in range(8)}
        placed: list[tuple[float, float]] = []
        while len(placed) < 180:
            r = 8.0 + rng.random() ** 0.8 * 170.0
            a = rng.random() * 2 * np.pi
            x, y = r * np.sin(a), r * np.cos(a)
            if abs(x) < 2.8 + y * 0.06 and -2 < y < 45:  # a clear way ahead through the trees
                continue
            if any((x - px) ** 2 + (y - py) ** 2 < 9.0 for px, py in placed):
                continue
            placed.append((x, y))
            trees = sectors[geometry.sector(x, y)]
            z = float(ground_height(np.array(x), np.array(y)))
            height = 10.0 + rng.random() * 14.0
            seed = rng.random()
            base = np.array([x, y, z])
            bark = np.array([0.30, 0.23, 0.18, 1.0]) * (0.8 + 0.4 * rng.random())
            geometry.cylinder(
                trees,
                base,
                0.16 + height * 0.012,
                0.06,
                height * 0.8,
                6,
                bark,
                (seed, 0.0, 0.004, 0.0),
            )
            tiers = TIERS
            # far firs, in the mist, with fewer sides (each triangle costs a software renderer
            # setup on its main thread); the random draws a near fir's ninefold edge would
            # take are taken anyway, so every later fir stands where it did
            sides = 9 if r < FAR_FIR else 6
            for tier in range(tiers):
                t = tier / (tiers - 1)
                radius = (1.0 - t * 0.8) * (1.5 + height * 0.085) * (0.85 + 0.3 * rng.random())
                bottom = height * (0.2 + t * 0.64)
                green = np.array([0.14, 0.25, 0.15, 1.0]) * (0.8 + 0.45 * rng.random())
                # each tier a skirt rising to a tip above the next one's rim, so the tiers
                # overlap into one tapering crown
                geometry.cone(
                    trees,
                    base,
                    radius,
                    height * (0.26 + 0.06 * t),
                    sides,
                    green,
                    (seed, 0.0, 0.004, 0.6),
                    bottom=bottom,
                    ragged=rng,
                )
                rng.random(3 * (9 - sides))
            rng.random(29 * (6 - tiers))  # the draws of tiers left out: later firs stay put
        for _ in range(70):
            r = 7.0 + rng.random() * 60.0
            a = rng.random() * 2 * np.pi
            x, y = r * np.sin(a), r * np.cos(a)
            if abs(x) < 2.2 and -2 < y < 40:
                continue
            z = float(ground_height(np.array(x), np.array(y)))
            green = np.array([0.20, 0.31, 0.15, 1.0]) * (0.8 + 0.4 * rng.random())
            size = 0.35 + rng.random() * 0.5
            geometry.ellipsoid(
                sectors[geometry.sector(x, y)],
                np.array([x, y, z + size * 0.25]),
                (size * 1.3, size, size * 0.7),
                green,
                (rng.random(), 0.0, 0.06, 0.8),
                foot=z,
                rings=4,
                segments=8,
            )
        self.place_sectors(
            root, sectors, "trees", "sway.vert", "plant.frag", two_sided=True, reach=1.0
        )

        shafts = geometry.Mesh()
        for i in range(7):
            cx = -18.0 + i * 6.0 + rng.normal() * 2.0
            cy = 18.0 + rng.random() * 40.0
            width = 1.5 + rng.random() * 2.5
            top = np.array([cx - 9.0, cy + 6.0, 34.0])
            foot = np.array([cx, cy, 0.0])
            side = np.array([width / 2, 0.0, 0.0])
            corners = np.array([foot - side, foot + side, top + side, top - side])
            ex = np.array(
                [[0, 0, i * 0.13, 0], [1, 0, i * 0.13, 0], [1, 1, i * 0.13, 0], [0, 1, i * 0.13, 0]]
            )
            shafts.add(corners, np.array([[0, 1, 2], [0, 2, 3]]), None, (1, 1, 1, 1), ex)
        self.place(
            root,
            shafts,
            "shafts",
            "lit.vert",
            "shaft.frag",
            bin_name="fixed",
            sort=10,
            additive=True,
            depth_write=False,
            two_sided=True,
        )
