"""A glTF scene's large meshes cut into cells of ground, so that Panda3D leaves out what the
viewer cannot see.

A clinic's scene is often one or a few big meshes (a terrain, a garden exported whole).
Drawn as one, every triangle goes through the vertex shader and the clipper, behind the
viewer too; on a software renderer that is the one thread that also runs Python. Cut into
cells of CELL metres (by the centre of each triangle, across the ground: X and Y of the
scene, Z up), each cell a node of its own, Panda3D's culling drops the cells outside the
view before they reach OpenGL, as the built-in environments' sectors are
(`Scenery.place_sectors`).

Each cell holds its own vertices (copied from the mesh's rows, any vertex format) and
triangles, with the mesh's render state and place in the scene graph, so nothing looks
different. Meshes of fewer than MIN_TRIANGLES triangles, and any that are not plain
triangles with float positions (lines, points; skinned or morphing meshes, whose vertex
animation would move them out of their cell), are left whole."""

from __future__ import annotations

import numpy as np
from panda3d.core import Geom, GeomEnums, GeomNode, GeomTriangles, GeomVertexData, NodePath

CELL = 30.0  # metres across the ground
MIN_TRIANGLES = 4096  # a smaller mesh is cheap to draw whole

_INDEX_TYPES = {
    GeomEnums.NT_uint8: np.uint8,
    GeomEnums.NT_uint16: np.uint16,
    GeomEnums.NT_uint32: np.uint32,
}


def split_into_cells(model: NodePath, cell: float = CELL) -> int:
    """Cut every large static mesh under `model` into cells of `cell` metres; the number of
    cells made."""
    made = 0
    for path in model.findAllMatches("**/+GeomNode"):
        node = path.node()
        assert isinstance(node, GeomNode)
        for index in reversed(range(node.getNumGeoms())):
            pieces = _cut(node.getGeom(index), cell, _matrix(path, model))
            if pieces is None:
                continue
            state = node.getGeomState(index)
            node.removeGeom(index)
            for number, geom in enumerate(pieces):
                child = GeomNode(f"{node.getName()}-cell{number}")
                child.addGeom(geom, state)
                path.attachNewNode(child)
            made += len(pieces)
    return made


def _positions(geom: Geom) -> np.ndarray | None:
    """The mesh's vertex positions as an (n, 3) float32 array, or None if they are not
    plain floats or move (animated)."""
    data = geom.getVertexData()
    layout = data.getFormat()
    if layout.getAnimation().getAnimationType() != GeomEnums.AT_none:
        return None
    column = layout.getColumn("vertex")
    if (
        column is None
        or column.getNumericType() != GeomEnums.NT_float32
        or column.getNumComponents() < 3
    ):
        return None
    array = layout.getArrayWith("vertex")
    stride = layout.getArray(array).getStride()
    raw = np.frombuffer(memoryview(data.getArray(array)), np.uint8).reshape(-1, stride)
    start = column.getStart()
    return raw[:, start : start + 12].copy().view(np.float32).reshape(-1, 3)


def _rows(data: GeomVertexData, used: np.ndarray) -> GeomVertexData:
    """A copy of the vertex data with only the rows `used`, in that order: a cell's
    vertices side by side, so the renderer shades only those."""
    piece = GeomVertexData(data.getName(), data.getFormat(), Geom.UH_static)
    piece.uncleanSetNumRows(len(used))
    for number in range(data.getNumArrays()):
        stride = data.getFormat().getArray(number).getStride()
        rows = np.frombuffer(memoryview(data.getArray(number)), np.uint8).reshape(-1, stride)
        memoryview(piece.modifyArray(number)).cast("B")[:] = rows[used].tobytes()
    return piece


def _matrix(path: NodePath, model: NodePath) -> np.ndarray:
    """The node's transform into the model's space (Z up), as a numpy matrix (row vectors:
    a point times it, as Panda3D's matrices are)."""
    mat = path.getMat(model)
    return np.array([[mat.getCell(row, col) for col in range(4)] for row in range(4)])


def _cut(geom: Geom, cell: float, matrix: np.ndarray) -> list[Geom] | None:
    if geom.getPrimitiveType() != GeomEnums.PT_polygons:
        return None
    positions = _positions(geom)
    if positions is None:
        return None
    lists = []
    for primitive in geom.getPrimitives():
        triangles = primitive.decompose()  # strips and fans as plain triangles
        if not triangles.isIndexed():
            triangles = triangles.makeCopy()
            triangles.makeIndexed()
        kind = _INDEX_TYPES.get(triangles.getIndexType())
        if kind is None:
            return None
        lists.append(np.frombuffer(memoryview(triangles.getVertices()), kind).reshape(-1, 3))
    if not lists:
        return None
    triangles = np.concatenate(lists).astype(np.int64)
    if len(triangles) < MIN_TRIANGLES:
        return None
    centres = positions[triangles].mean(axis=1) @ matrix[:3, :3] + matrix[3, :3]
    keys = np.floor(centres[:, :2] / cell).astype(np.int64)
    _, group = np.unique(keys, axis=0, return_inverse=True)
    group = group.reshape(-1)
    order = np.argsort(group, kind="stable")
    bounds = np.searchsorted(group[order], np.arange(group.max() + 2))
    pieces = []
    for first, last in zip(bounds[:-1], bounds[1:], strict=True):
        used, indices = np.unique(triangles[order[first:last]].reshape(-1), return_inverse=True)
        indices = indices.astype(np.uint32)
        primitive = GeomTriangles(Geom.UH_static)
        primitive.setIndexType(GeomEnums.NT_uint32)
        rows = primitive.modifyVertices()
        rows.uncleanSetNumRows(len(indices))
        memoryview(rows).cast("B")[:] = indices.tobytes()
        piece = Geom(_rows(geom.getVertexData(), used))
        piece.addPrimitive(primitive)
        pieces.append(piece)
    return pieces
