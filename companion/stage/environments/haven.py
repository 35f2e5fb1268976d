"""A quiet, neutral, softly lit room for grounding: a window on the day (or night), a warm
lamp, a rug, a plant, curtains that barely stir."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from panda3d.core import NodePath, Vec3

from companion.stage import geometry
from companion.stage.environments.base import Scenery
from companion.stage.look import Values

WIDTH, BACK, FRONT, HEIGHT = 2.6, 3.2, -3.0, 2.7
WINDOW = ((-1.1, BACK, 0.85), (1.1, BACK, 2.2))
LAMP = (1.85, 2.35, 1.55)
WALL, FLOOR, CEILING = (0.80, 0.77, 0.72), (0.58, 0.44, 0.31), (0.86, 0.85, 0.82)
PLAIN, BOARDS, VIEW, SHADE, FABRIC = 1.0, 0.9, 0.8, 0.7, 0.6


def room_light(values: Values) -> dict[str, tuple[float, float, float]]:
    """The colours of the room's light for a look: the lamp's (warmer with `warmth`), the
    window's, the soft fill, and the sun (or moon) through the window (none when it is not
    in front of the window, or below the horizon)."""
    v = {k: np.asarray(x, float) for k, x in values.items()}
    warm = (
        np.array([0.80, 0.87, 1.00])
        + (np.array([1.00, 0.76, 0.52]) - [0.80, 0.87, 1.00]) * v["u_warmth"][0]
    )
    window = (v["u_horizon"] + (v["u_zenith"] - v["u_horizon"]) * 0.35) * 0.75 + v["u_light"] * 0.25
    fill = (v["u_ambient"] + (v["u_ambient"] * warm - v["u_ambient"]) * 0.4) * 0.55 + warm * 0.06
    _, sun_y, sun_z = v["u_sun_dir"]
    rise = min(max(sun_z / 0.12, 0.0), 1.0)
    strength = (
        0.9 * rise * rise * (3 - 2 * rise) * min(1.0, float(np.linalg.norm(v["u_light"])) * 1.2)
    )
    sun = v["u_sun_color"] * strength if sun_y > 0.05 and sun_z > 0.0 else np.zeros(3)
    return {
        "u_warm_light": tuple(warm),
        "u_window_light": tuple(window),
        "u_fill": tuple(fill),
        "u_sun_patch": tuple(sun),
    }


def rect(
    mesh: geometry.Mesh,
    corners: list[tuple[float, float, float]],
    normal,
    color,
    material,
    extras=(0, 0, 0, 0),
) -> None:
    mesh.add(
        np.asarray(corners, np.float32),
        np.array([[0, 1, 2], [0, 2, 3]]),
        normal,
        (*color, material),
        extras,
    )


class Haven(Scenery):
    name = "haven"
    defaults: ClassVar[dict] = {"warmth": 0.6, "motion": 0.2}
    eye = (0.0, -2.2, 1.15)
    pitch = -4.0
    fog = 0.0

    def constants(self):
        return {**super().constants(), "u_wind": (1.0,)}

    def build(self, root: NodePath) -> None:
        room = geometry.Mesh()  # walls, ceiling and things: plain
        floor = geometry.Mesh()  # wooden boards
        fabric = geometry.Mesh()  # cushions: light shines through
        (x0, _, z0), (x1, _, z1) = WINDOW
        w = WIDTH
        rect(
            floor,
            [(-w, FRONT, 0), (w, FRONT, 0), (w, BACK, 0), (-w, BACK, 0)],
            (0, 0, 1),
            FLOOR,
            BOARDS,
        )
        # the ceiling and the window's wall face away from the sun: no sunlit patch can fall there
        shaded = geometry.Mesh()
        rect(
            shaded,
            [(-w, BACK, HEIGHT), (w, BACK, HEIGHT), (w, FRONT, HEIGHT), (-w, FRONT, HEIGHT)],
            (0, 0, -1),
            CEILING,
            PLAIN,
        )
        rect(
            room,
            [(-w, FRONT, 0), (-w, BACK, 0), (-w, BACK, HEIGHT), (-w, FRONT, HEIGHT)],
            (1, 0, 0),
            WALL,
            PLAIN,
        )
        rect(
            room,
            [(w, BACK, 0), (w, FRONT, 0), (w, FRONT, HEIGHT), (w, BACK, HEIGHT)],
            (-1, 0, 0),
            WALL,
            PLAIN,
        )
        rect(
            room,
            [(w, FRONT, 0), (-w, FRONT, 0), (-w, FRONT, HEIGHT), (w, FRONT, HEIGHT)],
            (0, 1, 0),
            WALL,
            PLAIN,
        )
        # the back wall, round the window
        for a, b, c, d in (
            ((-w, 0), (w, 0), (w, z0), (-w, z0)),
            ((-w, z1), (w, z1), (w, HEIGHT), (-w, HEIGHT)),
            ((-w, z0), (x0, z0), (x0, z1), (-w, z1)),
            ((x1, z0), (w, z0), (w, z1), (x1, z1)),
        ):
            rect(
                shaded,
                [(a[0], BACK, a[1]), (b[0], BACK, b[1]), (c[0], BACK, c[1]), (d[0], BACK, d[1])],
                (0, -1, 0),
                WALL,
                PLAIN,
            )
        view = geometry.Mesh()
        rect(
            view,
            [
                (x0, BACK + 0.12, z0),
                (x1, BACK + 0.12, z0),
                (x1, BACK + 0.12, z1),
                (x0, BACK + 0.12, z1),
            ],
            (0, -1, 0),
            (1, 1, 1),
            VIEW,
        )
        self.place(root, view, "view", "lit.vert", "room.frag", defines=(("VIEW", 1),))
        frame = (0.93, 0.91, 0.87)
        geometry.box(
            room, (x0 - 0.06, BACK - 0.04, z0 - 0.08), (x1 + 0.06, BACK + 0.1, z0), (*frame, PLAIN)
        )
        geometry.box(
            room, (x0 - 0.06, BACK - 0.02, z1), (x1 + 0.06, BACK + 0.1, z1 + 0.06), (*frame, PLAIN)
        )
        for x in (x0 - 0.06, -0.025, x1):
            geometry.box(
                room,
                (x, BACK - 0.02, z0),
                (x + 0.06 if x != -0.025 else 0.025, BACK + 0.1, z1),
                (*frame, PLAIN),
            )
        geometry.box(
            room,
            (x0, BACK + 0.02, (z0 + z1) / 2 - 0.02),
            (x1, BACK + 0.08, (z0 + z1) / 2 + 0.02),
            (*frame, PLAIN),
        )
        # a rug, a low bench under the window, a lamp, a plant
        angles = np.linspace(0, 2 * np.pi, 48, endpoint=False)
        rim = np.stack([np.cos(angles) * 1.5, 0.3 + np.sin(angles) * 1.0, np.full(48, 0.006)], 1)
        inner = np.stack([np.cos(angles) * 1.2, 0.3 + np.sin(angles) * 0.78, np.full(48, 0.007)], 1)
        centre = np.array([[0, 0.3, 0.007]])
        idx = np.arange(48)
        rug_tris = np.stack(
            [idx, (idx + 1) % 48, 48 + (idx + 1) % 48, idx, 48 + (idx + 1) % 48, 48 + idx], 1
        ).reshape(-1, 3)
        fan = np.stack([np.full(48, 96), 48 + idx, 48 + (idx + 1) % 48], 1)
        colours = np.concatenate(
            [
                np.tile([0.55, 0.42, 0.38, PLAIN], (48, 1)),
                np.tile([0.70, 0.60, 0.50, PLAIN], (49, 1)),
            ]
        )
        room.add(
            np.concatenate([rim, inner, centre]),
            np.concatenate([rug_tris, fan]),
            (0, 0, 1),
            colours,
        )
        wood = (0.50, 0.37, 0.26, PLAIN)
        geometry.box(room, (-1.0, BACK - 0.55, 0.36), (1.0, BACK - 0.1, 0.44), wood)
        for x in (-0.9, 0.84):
            geometry.box(room, (x, BACK - 0.5, 0.0), (x + 0.06, BACK - 0.15, 0.36), wood)
        geometry.ellipsoid(
            fabric,
            np.array([-0.45, BACK - 0.33, 0.52]),
            (0.3, 0.2, 0.09),
            (0.72, 0.62, 0.52, FABRIC),
            (0, 0, 0, 0),
        )
        geometry.ellipsoid(
            fabric,
            np.array([0.35, BACK - 0.33, 0.52]),
            (0.3, 0.2, 0.09),
            (0.56, 0.60, 0.55, FABRIC),
            (0, 0, 0, 0),
        )
        lx, ly, lz = LAMP
        geometry.cylinder(
            room,
            np.array([lx, ly, 0.0]),
            0.17,
            0.14,
            0.03,
            12,
            (0.3, 0.27, 0.24, PLAIN),
            (0, 0, 0, 0),
        )
        geometry.cylinder(
            room,
            np.array([lx, ly, 0.0]),
            0.015,
            0.015,
            lz - 0.1,
            6,
            (0.3, 0.27, 0.24, PLAIN),
            (0, 0, 0, 0),
        )
        shade = geometry.Mesh()
        geometry.cylinder(
            shade,
            np.array([lx, ly, lz - 0.18]),
            0.26,
            0.17,
            0.32,
            16,
            (1.0, 0.9, 0.8, SHADE),
            (0, 0, 0, 0),
        )
        self.place(
            root, shade, "shade", "lit.vert", "room.frag", defines=(("SHADE", 1),), two_sided=True
        )
        self.place(root, room, "room", "lit.vert", "room.frag", two_sided=True)
        self.place(root, shaded, "shaded", "lit.vert", "room.frag", defines=(("NO_SUN", 1),))
        self.place(root, floor, "floor", "lit.vert", "room.frag", defines=(("BOARDS", 1),))
        self.place(root, fabric, "cushions", "lit.vert", "room.frag", defines=(("FABRIC", 1),))

        living = geometry.Mesh()  # the plant and its pot
        curtains = geometry.Mesh()
        px, py = -1.95, 2.5
        geometry.cylinder(
            living,
            np.array([px, py, 0.0]),
            0.22,
            0.27,
            0.45,
            14,
            (0.70, 0.55, 0.45, PLAIN),
            (0, 0, 0, 0),
        )
        rng = np.random.default_rng(4)
        for k in range(22):
            angle = k / 22 * 2 * np.pi * 3 + rng.normal(0, 0.3)
            reach = rng.uniform(0.1, 0.42)
            centre = np.array(
                [
                    px + np.cos(angle) * reach,
                    py + np.sin(angle) * reach,
                    0.62 + rng.uniform(0, 0.75),
                ]
            )
            green = np.array([0.28, 0.44, 0.25]) * rng.uniform(0.8, 1.2)
            geometry.ellipsoid(
                living,
                centre,
                (0.11, 0.11, 0.2),
                (*green, PLAIN),
                (rng.random(), 0, 0.05, 0),
                foot=0.45,
            )
        # curtains hang from the top: their sway grows towards the hem
        for side in (-1, 1):
            u, v, tris = geometry.grid(16, 8)
            inner_x = x0 - 0.05 if side < 0 else x1 + 0.05
            xs = inner_x + side * u * 0.55
            y = BACK - 0.12 - 0.05 * np.sin(u * np.pi * 4)
            z = 0.25 + v * (HEIGHT - 0.3)
            extras = np.stack(
                [
                    np.full_like(u, 0.3 + side * 0.2),
                    (1 - v) * 1.6,
                    np.full_like(u, 0.03),
                    np.zeros_like(u),
                ],
                1,
            )
            normals = np.stack(
                [side * 0.2 * np.cos(u * np.pi * 4), -np.ones_like(u), np.zeros_like(u)], 1
            )
            curtains.add(np.stack([xs, y, z], 1), tris, normals, (0.88, 0.84, 0.77, FABRIC), extras)
        self.place(root, living, "living", "sway.vert", "room.frag", two_sided=True, reach=0.3)
        self.place(
            root,
            curtains,
            "curtains",
            "sway.vert",
            "room.frag",
            two_sided=True,
            reach=0.3,
            defines=(("FABRIC", 1),),
        )
        low, high = np.array(WINDOW[0]), np.array(WINDOW[1])
        root.setShaderInput("u_window_min", Vec3(*low))
        root.setShaderInput("u_window_mid", Vec3(*(low + high) / 2))
        root.setShaderInput("u_window_half", Vec3(*(high - low) / 2))
        root.setShaderInput("u_lamp", Vec3(*LAMP))

    def update(self, root: NodePath, values: Values, clock: float) -> Values:
        """The room's light, the same for every pixel, worked out when the look changes."""
        changed = super().update(root, values, clock)
        if changed:
            for name, value in room_light(values).items():
                root.setShaderInput(name, Vec3(*value))
            root.setShaderInput("u_sun_reach", 1.0 / max(values["u_sun_dir"][1], 1e-3))
        return changed
