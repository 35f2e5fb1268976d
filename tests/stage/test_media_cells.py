"""A glTF scene's large mesh is cut into cells of ground (companion/stage/media/cells.py), so
Panda3D can leave out what is behind the viewer; nothing is lost, moved or added."""

from pathlib import Path

import numpy as np
import pytest

from companion.stage.media.cells import CELL, split_into_cells
from companion.stage.media.model import count_triangles, load_gltf
from companion.stage.media.writing import write_glb


def grid(path: Path, cells: int = 72, size: float = 200.0) -> Path:
    """Rolling ground of cells x cells quads, `size` metres across (glTF: Y up)."""
    xs = np.linspace(-size / 2, size / 2, cells + 1)
    gx, gz = np.meshgrid(xs, xs)
    gy = np.sin(gx * 0.1) * np.cos(gz * 0.07)
    positions = np.stack([gx, gy, gz], -1).reshape(-1, 3)
    normals = np.tile([0.0, 1.0, 0.0], (len(positions), 1))
    colors = np.tile([0.3, 0.6, 0.2, 1.0], (len(positions), 1))
    i, j = np.meshgrid(np.arange(cells), np.arange(cells))
    a = (j * (cells + 1) + i).reshape(-1)
    indices = np.stack([a, a + cells + 1, a + 1, a + 1, a + cells + 1, a + cells + 2], -1)
    return write_glb(path, positions, normals, colors, indices.reshape(-1))


def triangles(model) -> np.ndarray:
    """Every triangle's corners in the model's space, sorted (so two cuts compare)."""
    from panda3d.core import GeomVertexReader

    found = []
    for path in model.findAllMatches("**/+GeomNode"):
        mat = path.getMat(model)
        for geom in path.node().getGeoms():
            reader = GeomVertexReader(geom.getVertexData(), "vertex")
            points = []
            while not reader.isAtEnd():
                points.append(tuple(mat.xformPoint(reader.getData3())))
            points = np.array(points)
            for prim in geom.getPrimitives():
                prim = prim.decompose()
                rows = [prim.getVertex(k) for k in range(prim.getNumVertices())]
                corners = np.round(points[np.array(rows)].reshape(-1, 3, 3), 3)
                found.extend(tuple(sorted(map(tuple, tri))) for tri in corners)
    return np.array(sorted(found))


@pytest.fixture(scope="module")
def ground(tmp_path_factory) -> Path:
    return grid(tmp_path_factory.mktemp("cells") / "ground.glb")


def test_a_large_mesh_is_cut_into_cells_with_every_triangle_kept(ground):
    whole = load_gltf(ground)
    before = triangles(whole)
    cut = load_gltf(ground)
    made = split_into_cells(cut)
    # 200 m across in cells of CELL metres: a cell of ground for each square
    assert made >= (200 // CELL) ** 2, made
    assert count_triangles(cut) == count_triangles(whole) == 72 * 72 * 2
    assert np.array_equal(triangles(cut), before)  # the same triangles, where they were
    # each cell a node of its own whose bounds are its own ground, so culling can drop it
    sizes = [
        (lambda lo_hi: max(lo_hi[1].x - lo_hi[0].x, lo_hi[1].y - lo_hi[0].y))(
            path.getTightBounds(cut)
        )
        for path in cut.findAllMatches("**/+GeomNode")
        if path.node().getNumGeoms()
    ]
    assert len(sizes) == made and max(sizes) < 2 * CELL, max(sizes)


def test_a_small_mesh_is_left_whole(tmp_path):
    model = load_gltf(grid(tmp_path / "small.glb", cells=20))
    assert split_into_cells(model) == 0
    assert count_triangles(model) == 20 * 20 * 2
