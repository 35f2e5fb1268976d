"""The two defects seen in the bundled pictures (issue 22): the aurora's stars showed over
the dark band below the ribbons, and the forest's firs were flat fans (each tier's tip sat
below its rim)."""

from __future__ import annotations

import numpy as np

from companion.stage import geometry

from .helpers import Player


def test_a_cone_tier_rises_from_its_rim_to_its_tip():
    mesh = geometry.Mesh()
    geometry.cone(
        mesh, np.array([0.0, 0.0, 0.0]), 2.0, 3.0, 6, (0, 1, 0, 1), (0, 0, 0, 0), bottom=10.0
    )
    node = mesh.node("tier")
    low, high = node.getTightBounds()
    assert (round(low.z, 3), round(high.z, 3)) == (10.0, 13.0)


def _specks(rows: np.ndarray) -> int:
    """Star-like points: pixels much brighter than the median of their row."""
    luma = rows.astype(float) @ np.array([0.2126, 0.7152, 0.0722])
    return int((luma > np.median(luma, axis=1, keepdims=True) + 35).sum())


def test_the_aurora_shows_no_stars_over_the_band_below_its_ribbons(fresh_stage):
    stage = fresh_stage(size=(640, 360), render_scale=1.0)
    player = Player(stage)
    player.scene("aurora", {"time": "night"})
    image = player.settle()
    band = image[int(0.55 * 360) : int(0.62 * 360)]  # between the ribbons' hems and the hills
    above = image[int(0.02 * 360) : int(0.22 * 360)]  # open sky above the ribbons
    assert _specks(above) > 10  # stars are there to be seen...
    assert _specks(band) == 0  # ...but not over the band
