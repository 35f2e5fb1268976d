"""Meshes made from numpy arrays: every environment's geometry is built here, in code.

One vertex layout for everything: position, normal, colour (RGBA floats) and a 4-float
`texcoord` whose meaning each shader decides (a random seed, a height fraction...).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from panda3d.core import (
    BoundingVolume,
    Geom,
    GeomEnums,
    GeomNode,
    GeomPoints,
    GeomPrimitive,
    GeomTriangles,
    GeomVertexArrayFormat,
    GeomVertexData,
    GeomVertexFormat,
    InternalName,
    NodePath,
)


@lru_cache(maxsize=1)
def _format() -> GeomVertexFormat:
    """The one vertex layout (a registered Panda3D format is immutable: made once)."""
    array = GeomVertexArrayFormat()
    array.addColumn(InternalName.getVertex(), 3, GeomEnums.NT_float32, GeomEnums.C_point)
    array.addColumn(InternalName.getNormal(), 3, GeomEnums.NT_float32, GeomEnums.C_normal)
    array.addColumn(InternalName.getColor(), 4, GeomEnums.NT_float32, GeomEnums.C_color)
    array.addColumn(InternalName.getTexcoord(), 4, GeomEnums.NT_float32, GeomEnums.C_texcoord)
    return GeomVertexFormat.registerFormat(GeomVertexFormat(array))


@dataclass
class Mesh:
    """Vertices and triangles collected from parts, turned into one Geom (one draw call)."""

    positions: list[np.ndarray] = field(default_factory=list)
    normals: list[np.ndarray] = field(default_factory=list)
    colors: list[np.ndarray] = field(default_factory=list)
    extras: list[np.ndarray] = field(default_factory=list)
    triangles: list[np.ndarray] = field(default_factory=list)
    count: int = 0

    def add(
        self,
        positions: np.ndarray,
        triangles: np.ndarray,
        normals: np.ndarray | tuple[float, ...] | None = None,
        colors: np.ndarray | tuple[float, ...] | None = None,
        extras: np.ndarray | tuple[float, ...] | None = None,
    ) -> None:
        n = len(positions)
        self.positions.append(np.asarray(positions, np.float32).reshape(n, 3))
        self.normals.append(
            np.broadcast_to(
                np.asarray((0, 0, 1) if normals is None else normals, np.float32), (n, 3)
            )
        )
        self.colors.append(
            np.broadcast_to(
                np.asarray((1, 1, 1, 1) if colors is None else colors, np.float32), (n, 4)
            )
        )
        self.extras.append(
            np.broadcast_to(
                np.asarray((0, 0, 0, 0) if extras is None else extras, np.float32), (n, 4)
            )
        )
        self.triangles.append(np.asarray(triangles, np.int64).reshape(-1, 3) + self.count)
        self.count += n

    def node(self, name: str) -> NodePath:
        data = np.concatenate(
            [
                np.concatenate(self.positions),
                np.concatenate(self.normals),
                np.concatenate(self.colors),
                np.concatenate(self.extras),
            ],
            axis=1,
        )
        vdata = GeomVertexData(name, _format(), Geom.UH_static)
        vdata.uncleanSetNumRows(len(data))
        memoryview(vdata.modifyArray(0)).cast("B")[:] = np.ascontiguousarray(
            data, np.float32
        ).tobytes()
        prim = GeomTriangles(Geom.UH_static)
        prim.setIndexType(GeomEnums.NT_uint32)
        indices = np.concatenate(self.triangles).astype(np.uint32).ravel()
        handle = prim.modifyVertices()
        handle.uncleanSetNumRows(len(indices))
        memoryview(handle).cast("B")[:] = indices.tobytes()
        return _boxed_node(name, vdata, prim)


def split_sectors(mesh: Mesh, center: tuple[float, float], sectors: int = 8) -> dict[int, Mesh]:
    """A mesh cut into `sectors` meshes by the direction of each triangle from `center`
    (as sector() reckons it), so that Panda3D can leave out the ones out of view."""
    positions = np.concatenate(mesh.positions)
    normals, colors = np.concatenate(mesh.normals), np.concatenate(mesh.colors)
    extras, triangles = np.concatenate(mesh.extras), np.concatenate(mesh.triangles)
    middle = positions[triangles].mean(1)
    angle = np.arctan2(middle[:, 1] - center[1], middle[:, 0] - center[0])
    which = ((angle + np.pi) / (2 * np.pi) * sectors).astype(int) % sectors
    parts = {}
    for index in range(sectors):
        chosen = triangles[which == index]
        if not len(chosen):
            continue
        used, local = np.unique(chosen, return_inverse=True)
        part = Mesh()
        part.add(positions[used], local.reshape(-1, 3), normals[used], colors[used], extras[used])
        parts[index] = part
    return parts


def sector(x: float, y: float, sectors: int = 8) -> int:
    """Which of `sectors` directions round the origin a point lies in."""
    return int((np.arctan2(y, x) + np.pi) / (2 * np.pi) * sectors) % sectors


def without_poles(
    tris: np.ndarray, nx: int, ny: int, first: bool = True, last: bool = True
) -> np.ndarray:
    """The triangles of a grid(nx, ny) wrapped round a sphere, less the half of each quad in
    the first (and/or last) row that has two corners at a pole: they show nothing, but a
    software renderer sets each one up all the same."""
    tris = tris.reshape(ny, nx, 2, 3)
    keep = np.ones((ny, nx, 2), bool)
    keep[0, :, 0] = not first  # (a, b, d): a and b both at the first pole
    keep[-1, :, 1] = not last  # (a, d, c): d and c both at the last pole
    return tris[keep]


def grid(nx: int, ny: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A (nx+1) x (ny+1) grid over [0,1]^2: returns u, v (flattened) and triangles."""
    u, v = np.meshgrid(np.linspace(0, 1, nx + 1), np.linspace(0, 1, ny + 1))
    i = np.arange((nx + 1) * (ny + 1)).reshape(ny + 1, nx + 1)
    a, b, c, d = i[:-1, :-1], i[:-1, 1:], i[1:, :-1], i[1:, 1:]
    tris = np.stack([np.stack([a, b, d], -1), np.stack([a, d, c], -1)], 2).reshape(-1, 3)
    return u.ravel(), v.ravel(), tris


def height_field(
    mesh: Mesh, xs: np.ndarray, ys: np.ndarray, height, color=(1, 1, 1, 1), extras=None
) -> None:
    """A surface z = height(x, y) over the grid of xs x ys, with normals from its slope."""
    nx, ny = len(xs) - 1, len(ys) - 1
    u, v, tris = grid(nx, ny)
    x = xs[np.rint(u * nx).astype(int)]
    y = ys[np.rint(v * ny).astype(int)]
    z = height(x, y)
    e = 0.05
    dzdx = (height(x + e, y) - height(x - e, y)) / (2 * e)
    dzdy = (height(x, y + e) - height(x, y - e)) / (2 * e)
    normals = np.stack([-dzdx, -dzdy, np.ones_like(z)], 1)
    normals /= np.linalg.norm(normals, axis=1, keepdims=True)
    if callable(color):
        color = color(x, y, z)
    mesh.add(
        np.stack([x, y, z], 1),
        tris,
        normals,
        color,
        extras if extras is not None else np.stack([u, v, np.zeros_like(u), np.zeros_like(u)], 1),
    )


# Elevations (degrees) of the sky dome's rings: a degree apart at the horizon, where the
# sky's gradient (worked out per vertex) bends fastest, wider towards the zenith, so that
# straight lines between rings stay within a quarter of a step of 8-bit colour of the curve.
DOME_ELEVATIONS = (
    -90,
    -60,
    -35,
    -20,
    -12,
    -7,
    -4.5,
    -3,
    -2,
    -1,
    0,
    1,
    2,
    3,
    4,
    5.5,
    7,
    8.5,
    10,
    12,
    14,
    16.5,
    19,
    22,
    25.5,
    29.5,
    34,
    39.5,
    46,
    54,
    63,
    76,
    90,
)


ROW_ANGLE = 0.1  # degrees: rows of ground closer than this, as the seated viewer sees them, merge


def thin_rows(
    xs: np.ndarray,
    ys: np.ndarray,
    height,
    eye: tuple[float, float, float],
    min_angle: float = ROW_ANGLE,
) -> np.ndarray:
    """The rows (ys) of a height field worth keeping: a row is dropped when, seen from the
    eye, it lies within `min_angle` of the last row kept all along its length. Far flat
    ground, seen at a grazing angle, would otherwise crowd dozens of rows into the last few
    pixels below the horizon, each a strip of triangles less than a pixel high that a
    software renderer sets up all the same; hills seen face on keep all their rows."""
    ex, ey, ez = eye
    x = np.asarray(xs, float)[None, :]
    y = np.asarray(ys, float)[:, None]
    z = height(x + 0 * y, y + 0 * x)
    angle = np.degrees(np.arctan2(z - ez, np.hypot(x - ex, y - ey)))
    keep = [0]
    for row in range(1, len(ys) - 1):
        if np.abs(angle[row] - angle[keep[-1]]).max() >= min_angle:
            keep.append(row)
    keep.append(len(ys) - 1)
    return np.asarray(ys)[keep]


def dome(
    mesh: Mesh, radius: float, elevations: tuple[float, ...] = DOME_ELEVATIONS, segments: int = 48
) -> None:
    """A sphere, or a band of one between elevations, seen from inside (for the sky); the
    shader colours it by direction."""
    rings = len(elevations) - 1
    u, v, tris = grid(segments, rings)
    theta = u * 2 * np.pi
    phi = np.radians(np.asarray(elevations, float))[np.rint(v * rings).astype(int)]
    pos = np.stack([np.cos(phi) * np.sin(theta), np.cos(phi) * np.cos(theta), np.sin(phi)], 1)
    tris = without_poles(tris, segments, rings, abs(elevations[0]) == 90, abs(elevations[-1]) == 90)
    mesh.add(pos * radius, tris[:, ::-1], -pos)


def cone(
    mesh: Mesh,
    base: np.ndarray,
    radius: float,
    height: float,
    sides: int,
    color,
    extras,
    bottom: float = 0.0,
    ragged: np.random.Generator | None = None,
) -> None:
    """An upright cone (a fir's tier) at `base`, its rim `bottom` above it and its tip
    `height` above the rim; normals lean out and up, so light wraps.
    `ragged` gives the skirt an uneven, drooping edge, as branches have."""
    angles = np.linspace(0, 2 * np.pi, sides, endpoint=False)
    reach = np.full(sides, radius)
    droop = np.full(sides, bottom)
    if ragged is not None:
        angles = angles + ragged.uniform(-0.25, 0.25, sides) * (2 * np.pi / sides)
        reach = radius * ragged.uniform(0.75, 1.2, sides)
        droop = bottom - height * ragged.uniform(0.0, 0.3, sides)
    ring = np.stack([np.cos(angles) * reach, np.sin(angles) * reach, droop], 1)
    slope = radius / height
    normals = np.stack([np.cos(angles), np.sin(angles), np.full(sides, slope)], 1)
    normals /= np.linalg.norm(normals, axis=1, keepdims=True)
    # one tip shared by every side, lit as the sides' mean (straight up): a vertex shaded
    # per cone instead of one per side (a software renderer shades vertices on one thread)
    pos = np.concatenate([ring, [[0.0, 0.0, bottom + height]]]) + base
    nrm = np.concatenate([normals, [[0.0, 0.0, 1.0]]])
    idx = np.arange(sides)
    tris = np.stack([idx, (idx + 1) % sides, np.full(sides, sides)], 1)
    ex = np.asarray(extras, np.float32)
    ex = np.repeat(ex[None, :], sides + 1, 0).copy()
    ex[:, 1] = np.concatenate([droop, [bottom + height]]) + base[2]
    mesh.add(pos, tris, nrm, color, ex)


def cylinder(
    mesh: Mesh,
    base: np.ndarray,
    radius: float,
    top_radius: float,
    height: float,
    sides: int,
    color,
    extras,
) -> None:
    angles = np.linspace(0, 2 * np.pi, sides, endpoint=False)
    c, s = np.cos(angles), np.sin(angles)
    bottom = np.stack([c * radius, s * radius, np.zeros(sides)], 1)
    top = np.stack([c * top_radius, s * top_radius, np.full(sides, height)], 1)
    normals = np.stack([c, s, np.zeros(sides)], 1)
    idx = np.arange(sides)
    nxt = (idx + 1) % sides
    tris = np.concatenate(
        [np.stack([idx, nxt, nxt + sides], 1), np.stack([idx, nxt + sides, idx + sides], 1)]
    )
    ex = np.repeat(np.asarray(extras, np.float32)[None, :], 2 * sides, 0).copy()
    ex[:, 1] = np.concatenate([np.zeros(sides), np.full(sides, height)])
    mesh.add(
        np.concatenate([bottom, top]) + base, tris, np.concatenate([normals, normals]), color, ex
    )


def box(
    mesh: Mesh,
    low: tuple[float, float, float],
    high: tuple[float, float, float],
    color,
    inward: bool = False,
    extras=(0, 0, 0, 0),
) -> None:
    """An axis-aligned box; `inward` for a room seen from inside."""
    (x0, y0, z0), (x1, y1, z1) = low, high
    faces = [  # four corners (counter-clockwise seen from outside) and the outward normal
        ([(x0, y0, z0), (x1, y0, z0), (x1, y0, z1), (x0, y0, z1)], (0, -1, 0)),
        ([(x1, y1, z0), (x0, y1, z0), (x0, y1, z1), (x1, y1, z1)], (0, 1, 0)),
        ([(x0, y1, z0), (x0, y0, z0), (x0, y0, z1), (x0, y1, z1)], (-1, 0, 0)),
        ([(x1, y0, z0), (x1, y1, z0), (x1, y1, z1), (x1, y0, z1)], (1, 0, 0)),
        ([(x0, y1, z1), (x0, y0, z1), (x1, y0, z1), (x1, y1, z1)], (0, 0, 1)),
        ([(x0, y0, z0), (x0, y1, z0), (x1, y1, z0), (x1, y0, z0)], (0, 0, -1)),
    ]
    for corners, normal in faces:
        tris = np.array([[0, 1, 2], [0, 2, 3]])
        n = np.asarray(normal, np.float32)
        if inward:
            tris, n = tris[:, ::-1], -n
        mesh.add(np.asarray(corners, np.float32), tris, n, color, extras)


def points(name: str, centers: np.ndarray, colors: np.ndarray, extras: np.ndarray) -> NodePath:
    """Sprites as single points, one vertex each (the vertex shader sets gl_PointSize, the
    fragment shader shapes them with gl_PointCoord): a quarter of the vertices of quads and
    no triangles to set up, for many small round things (stars, flowers)."""
    n = len(centers)
    data = np.concatenate(
        [
            np.asarray(centers, np.float32),
            np.zeros((n, 3), np.float32),
            np.asarray(colors, np.float32),
            np.asarray(extras, np.float32),
        ],
        axis=1,
    )
    vdata = GeomVertexData(name, _format(), Geom.UH_static)
    vdata.uncleanSetNumRows(n)
    memoryview(vdata.modifyArray(0)).cast("B")[:] = np.ascontiguousarray(data, np.float32).tobytes()
    prim = GeomPoints(Geom.UH_static)
    prim.addConsecutiveVertices(0, n)
    return _boxed_node(name, vdata, prim)


def ellipsoid(
    mesh: Mesh,
    center: np.ndarray,
    radii: tuple[float, float, float],
    color,
    extras,
    rings: int = 6,
    segments: int = 10,
    foot: float | None = None,
) -> None:
    """A rounded mass (a bush, a tree's crown); extra.y holds height above `foot`."""
    u, v, tris = grid(segments, rings)
    theta = u * 2 * np.pi
    phi = (v - 0.5) * np.pi
    unit = np.stack([np.cos(phi) * np.cos(theta), np.cos(phi) * np.sin(theta), np.sin(phi)], 1)
    pos = unit * np.asarray(radii) + center
    normals = unit / np.asarray(radii)
    normals /= np.linalg.norm(normals, axis=1, keepdims=True)
    ex = np.repeat(np.asarray(extras, np.float32)[None, :], len(pos), 0).copy()
    ex[:, 1] = pos[:, 2] - (center[2] - radii[2] if foot is None else foot)
    mesh.add(pos, without_poles(tris, segments, rings), normals, color, ex)


def _boxed_node(name: str, vdata: GeomVertexData, prim: GeomPrimitive) -> NodePath:
    """A node of one primitive, bounded by boxes, not spheres: a box round a sector of
    things fits it closely, so Panda3D can tell it is out of view (a sphere round a wedge
    reaches forward past the viewer)."""
    geom = Geom(vdata)
    geom.addPrimitive(prim)
    geom.setBoundsType(BoundingVolume.BT_box)
    node = GeomNode(name)
    node.setBoundsType(BoundingVolume.BT_box)
    node.addGeom(geom)
    return NodePath(node)
