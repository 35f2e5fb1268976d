"""Open grass under a wide sky: rolling ground, grass in a light wind, flowers, far trees."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from panda3d.core import NodePath, Vec3

from companion.stage import geometry
from companion.stage.environments.base import Scenery
from companion.stage.look import Values

FLOWER_COLOURS = np.array(
    [
        [0.96, 0.95, 0.90, 1],
        [0.98, 0.86, 0.42, 1],
        [0.78, 0.70, 0.95, 1],
        [0.96, 0.72, 0.78, 1],
        [0.98, 0.95, 0.70, 1],
    ]
)


def ground_height(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    near = 0.45 * np.sin(x * 0.03) * np.cos(y * 0.025) + 0.2 * np.sin(x * 0.011 - y * 0.017)
    hills = (
        26.0
        * np.clip((y - 110.0) / 420.0, 0.0, 1.0) ** 1.5
        * (0.6 + 0.4 * np.sin(x * 0.0065 + 1.3))
    )
    return near + hills


class Meadow(Scenery):
    name = "meadow"
    defaults: ClassVar[dict] = {"flowers": 0.5}
    eye = (0.0, 0.0, float(ground_height(np.array(0.0), np.array(0.0))) + 1.2)
    pitch = -2.0
    fog = 0.0011

    def constants(self):
        return {**super().constants(), "u_clouds": (0.55,), "u_wind": (1.0,)}

    def update(self, root: NodePath, values: Values, clock: float) -> Values:
        changed = super().update(root, values, clock)
        if "u_flowers" in changed:
            self.flowers.show(values["u_flowers"][0])  # only the flowers open now are drawn
        return changed

    def build(self, root: NodePath) -> None:
        self.add_sky(root, clouds=True)
        rng = np.random.default_rng(11)
        ground = geometry.Mesh()
        xs = np.concatenate(
            [np.linspace(-1600, -100, 16), np.linspace(-98, 98, 50), np.linspace(100, 1600, 16)]
        )
        ys = np.concatenate([np.linspace(-20, 120, 45), np.linspace(125, 1400, 30)])
        geometry.height_field(
            ground,
            xs,
            geometry.thin_rows(xs, ys, ground_height, self.eye),
            ground_height,
            color=(0.40, 0.55, 0.24, 1),
        )
        node = self.place_around(root, ground, "ground", "lit.vert", "ground.frag")
        node.setShaderInput("u_ground_b", Vec3(0.58, 0.62, 0.30))

        grass = geometry.Mesh()
        count = 3200
        x = rng.uniform(-16, 16, count)
        y = rng.uniform(2.2, 24, count)
        keep = np.abs(x) < 2.0 + y * 0.75
        x, y = x[keep], y[keep]
        n = len(x)
        z = ground_height(x, y)
        height = rng.uniform(0.14, 0.32, n)
        angle = rng.uniform(0, np.pi, n)
        half = 0.025 + 0.015 * rng.random(n)
        # beyond 12 m, where a blade is a pixel or two, fewer blades, each a little wider
        # (a software renderer sets up each triangle on its main thread); drawn from a
        # generator of their own, so the flowers and trees stand where they did
        share = np.clip(1.0 - (y - 12.0) / 24.0, 0.5, 1.0)
        shown = np.random.default_rng(12).random(n) < share
        half = half / np.sqrt(share)
        lean = rng.normal(0, 0.06, (n, 2))
        dx, dy = np.cos(angle) * half, np.sin(angle) * half
        base = np.stack([x, y, z], 1)
        pos = np.stack(
            [
                base + np.stack([-dx, -dy, 0 * z], 1),
                base + np.stack([dx, dy, 0 * z], 1),
                base + np.stack([lean[:, 0], lean[:, 1], height], 1),
            ],
            1,
        ).reshape(-1, 3)
        seed = rng.random(n)
        tone = 0.85 + 0.3 * rng.random(n)
        low = np.array([0.30, 0.44, 0.17, 1.0])
        high = np.array([0.55, 0.68, 0.29, 1.0])
        colors = np.stack(
            [low * tone[:, None] ** 0, low * tone[:, None] ** 0, high * tone[:, None]], 1
        )
        colors[..., 3] = 1.0
        extras = np.zeros((n, 3, 4))
        extras[..., 0] = seed[:, None]
        extras[:, 2, 1] = height
        extras[..., 2] = 0.9
        extras[..., 3] = 0.5
        normals = np.repeat(np.stack([-dy, dx, np.full(n, 0.12)], 1)[:, None, :], 3, 1) * [
            0.3,
            0.3,
            1.0,
        ]
        normals /= np.linalg.norm(normals, axis=2, keepdims=True)
        pos, normals, colors, extras = (
            a.reshape(n, 3, -1)[shown] for a in (pos, normals, colors, extras)
        )
        blades = int(shown.sum())
        grass.add(
            pos.reshape(-1, 3),
            np.arange(blades * 3).reshape(-1, 3),
            normals.reshape(-1, 3),
            colors.reshape(-1, 4),
            extras.reshape(-1, 4),
        )
        self.place(root, grass, "grass", "sway.vert", "plant.frag", two_sided=True, reach=0.2)

        count = 1400
        r = 4.0 + rng.random(count) ** 1.3 * 70.0
        a = rng.uniform(-1.3, 1.3, count)
        fx, fy = r * np.sin(a), r * np.cos(a)
        fz = ground_height(fx, fy) + rng.uniform(0.16, 0.3, count)
        colors = FLOWER_COLOURS[rng.integers(0, len(FLOWER_COLOURS), count)]
        ex = np.stack(
            [rng.random(count), rng.uniform(0.028, 0.045, count), np.zeros(count), np.zeros(count)],
            1,
        )
        self.flowers = self.place_by_seed(
            root,
            np.stack([fx, fy, fz], 1),
            colors,
            ex,
            "flowers",
            "flower.vert",
            "flower.frag",
            lead=0.06,
            reach=0.2,
        )

        trunks = geometry.Mesh()
        crowns: list[tuple[np.ndarray, np.ndarray, tuple[float, ...]]] = []
        for _ in range(70):
            tx = rng.uniform(-500, 500)
            ty = rng.uniform(140, 560)
            if abs(tx) < 60 and ty < 200:
                continue
            tz = float(ground_height(np.array(tx), np.array(ty)))
            size = rng.uniform(4.0, 8.0)
            tree_seed = rng.random()
            geometry.cylinder(
                trunks,
                np.array([tx, ty, tz]),
                size * 0.08,
                size * 0.05,
                size * 0.9,
                5,
                (0.30, 0.24, 0.18, 1),
                (tree_seed, 0, 0.0, 0),
            )
            for k in range(3):
                offset = np.array(
                    [
                        rng.normal(0, size * 0.25),
                        rng.normal(0, size * 0.25),
                        size * (1.0 + 0.25 * k),
                    ]
                )
                green = np.array([0.24, 0.36, 0.17, 1.0]) * rng.uniform(0.8, 1.15)
                crowns.append(
                    (
                        np.array([tx, ty, tz]) + offset,
                        green,
                        (tree_seed, size * 0.55, offset[2], 0.0),
                    )
                )
        group = root.attachNewNode("trees")
        self.place(group, trunks, "trunks", "sway.vert", "plant.frag", reach=1.0)
        centers, colors, extras = (np.array([c[i] for c in crowns]) for i in range(3))
        sprites = geometry.points("crowns", centers, colors, extras)
        self.place(group, sprites, "crowns", "crown.vert", "crown.frag", reach=5.0, sprites=True)
