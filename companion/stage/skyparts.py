"""Parts of the sky shared by environments: the star field, and a base for starry skies."""

from __future__ import annotations

import numpy as np
from panda3d.core import NodePath, OmniBoundingVolume

from companion.stage.environments.base import Scenery, SeedGroups
from companion.stage.look import Values

STAR_TINTS = np.array(
    [[0.78, 0.85, 1.0, 1], [0.92, 0.94, 1.0, 1], [1.0, 0.97, 0.92, 1], [1.0, 0.88, 0.74, 1]]
)


def add_stars(scenery, root: NodePath, count: int, seed: int) -> SeedGroups:
    """A field of soft stars on the turning sky: each has a seed (for how many show), an
    angular size, a brightness (few bright, many faint) and a twinkle phase. Returns them in
    groups by seed: show_stars() leaves out those the look hides."""
    rng = np.random.default_rng(seed)
    z = rng.uniform(-0.15, 1.0, count)
    a = rng.uniform(0, 2 * np.pi, count)
    r = np.sqrt(1 - z * z)
    directions = np.stack([r * np.cos(a), r * np.sin(a), z], 1)
    bright = 0.35 + 0.65 * rng.random(count) ** 5
    extras = np.stack(
        [rng.random(count), 0.0007 + 0.0011 * bright, bright * 2.4, rng.random(count)], 1
    )
    colors = STAR_TINTS[rng.integers(0, len(STAR_TINTS), count)]
    stars = scenery.place_by_seed(
        root,
        directions,
        colors,
        extras,
        "stars",
        "stars.vert",
        "stars.frag",
        lead=0.08,
        bin_name="fixed",
        sort=-5,
        additive=True,
        depth_write=False,
    )
    for _, node in stars.groups:
        # the mesh holds directions (the vertex shader puts each star far out): its bounds
        # would be a unit box round the origin, so tell Panda3D they reach everywhere
        node.node().setBounds(OmniBoundingVolume())
        node.node().setFinal(True)
    return stars


def show_stars(stars: SeedGroups, values: Values) -> None:
    """Draw only the stars the look shows: as many as its `stars` setting, none by day."""
    stars.show(values["u_star_amount"][0], values["u_stars"][0] * values["u_exposure"][0] > 0.0)


class StarryScenery(Scenery):
    """An environment with a star field (`self.stars`, made by add_stars in build): the
    stars shown follow the look as it changes."""

    stars: SeedGroups

    def update(self, root: NodePath, values: Values, clock: float) -> Values:
        changed = super().update(root, values, clock)
        if changed.keys() & {"u_star_amount", "u_stars", "u_exposure"}:
            show_stars(self.stars, values)
        return changed
