"""The one interface every environment follows. A new environment is a new module in this
folder with a `Scenery` subclass: the stage finds it by its `name`."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from panda3d.core import (
    BoundingBox,
    ColorBlendAttrib,
    NodePath,
    ShaderAttrib,
    Texture,
    TransparencyAttrib,
    Vec2,
    Vec3,
    Vec4,
)

from companion.stage import geometry, shaders
from companion.stage.look import Values
from companion.stage.palette import PALETTES, Palette


@dataclass
class SeedGroups:
    """Sprites (stars, flowers) that a look's setting brings in one by one, as it passes
    each one's seed: kept in groups by seed, so the groups the look leaves out, or all of
    them when they cannot show (stars by day), are not drawn at all."""

    groups: list[tuple[float, NodePath]]  # (the lowest seed in the group, its node)
    lead: float  # how far below its seed a sprite starts to show

    def show(self, amount: float, visible: bool = True) -> None:
        for lowest, node in self.groups:
            if visible and lowest - self.lead < amount:
                node.show()
            else:
                node.hide()


@dataclass(frozen=True)
class Kit:
    """What environments share: the noise texture (made once per stage)."""

    noise: Texture


def shader_value(value: tuple[float, ...]) -> Any:
    return {
        1: lambda v: float(v[0]),
        2: lambda v: Vec2(*v),
        3: lambda v: Vec3(*v),
        4: lambda v: Vec4(*v),
    }[len(value)](value)


class Scenery(ABC):
    """An environment: builds its geometry under a root and turns a look into shader values.

    Subclasses set `name` (as in catalog.ENVIRONMENTS), `defaults` for their own look
    settings (and may override time, motion, brightness), and where the seated viewer's
    eyes are. Everything that moves is driven by `u_clock`, which runs at the look's motion
    and stops when the stage pauses, so nothing ever jumps.
    """

    name: ClassVar[str]
    defaults: ClassVar[dict[str, Any]] = {}
    eye: ClassVar[tuple[float, float, float]] = (0.0, 0.0, 1.2)  # seated eye position
    heading: ClassVar[float] = 0.0  # degrees, + turns left
    pitch: ClassVar[float] = 0.0  # degrees, + looks up
    fog: ClassVar[float] = 0.002  # per metre
    far: ClassVar[float] = 3000.0
    star_horizon: ClassVar[float] = -0.01  # sine of the elevation stars start at

    def __init__(self, kit: Kit) -> None:
        self.kit = kit
        self._given: Values = {}  # the look's values last handed to the shaders

    @abstractmethod
    def build(self, root: NodePath) -> None:
        """Make the environment's geometry and shaders under `root`."""

    def palette(self, time: str) -> Palette:
        return PALETTES[time]

    def setting_values(self, look: Mapping[str, Any]) -> Values:
        """This environment's own settings as shader values. By default a numeric setting
        `x` becomes `u_x`; environments with choices override this."""
        return {
            "u_" + k: (float(look[k]),)
            for k, v in self.defaults.items()
            if isinstance(v, (int, float)) and k not in ("motion", "brightness")
        }

    def constants(self) -> Values:
        """Shader values that do not change with the look."""
        return {
            "u_fog": (self.fog,),
            "u_ground_mist": (0.0,),
            "u_clouds": (0.0,),
            "u_milky": (0.0,),
            "u_wind": (0.0,),
            "u_low_shade": (0.0,),
            "u_wrap": (0.5,),
            "u_tide": (0.0,),
            "u_star_horizon": (self.star_horizon,),
        }

    def update(self, root: NodePath, values: Values, clock: float) -> Values:
        """Per frame: hand the look's values that changed (all of them only while a look
        fades) and the motion clock to the shaders; returns the values that changed."""
        changed = {name: value for name, value in values.items() if self._given.get(name) != value}
        for name, value in changed.items():
            root.setShaderInput(name, shader_value(value))
        self._given.update(changed)
        root.setShaderInput("u_clock", clock)
        return changed

    def bind_eyes(self, cameras: list[NodePath]) -> None:  # noqa: B027 - an optional hook: most need nothing
        """After the layer made its cameras (one per eye): an environment that shows each
        eye something of its own (a stereo photograph) sets their masks here."""

    @property
    def keeps_time(self) -> bool:
        """Whether `advance` gets the whole time since the last frame, even after a stall
        that the stage's fades and motion take as a quarter of a second (so they do not
        jump): a film with its own sound, which plays on meanwhile."""
        return False

    def advance(self, root: NodePath, dt: float) -> None:  # noqa: B027 - an optional hook: most need nothing
        """Per frame, with the session's time (dt stops while paused): a film moves on."""

    def rest(self) -> None:  # noqa: B027 - an optional hook: most need nothing
        """The environment left the screen (its weight fell to 0): let go of what only
        showing it needs (a film's FFmpeg process); `advance` takes it up again."""

    def close(self) -> None:  # noqa: B027 - an optional hook: most need nothing
        """Let go of what the environment holds outside its scene graph (a film's decoder)."""

    # --- helpers for subclasses ----------------------------------------------------------

    def place(
        self,
        root: NodePath,
        mesh: geometry.Mesh | NodePath,
        name: str,
        vertex: str,
        fragment: str,
        *,
        bin_name: str | None = None,
        sort: int = 0,
        additive: bool = False,
        depth_write: bool = True,
        two_sided: bool = False,
        defines: tuple[tuple[str, int], ...] = (),
        reach: float = 0.0,
        sprites: bool = False,
    ) -> NodePath:
        """A mesh (or a node made already, such as geometry.points) under `root` with its
        shaders and how it is drawn. `reach`: how far (metres) the vertex shader may move a
        vertex, so Panda3D's bounds (used to leave out what is out of view) still hold all of it.
        `sprites`: points whose vertex shader sets their size (gl_PointSize)."""
        node = mesh if isinstance(mesh, NodePath) else mesh.node(name)
        if reach:
            bounds = node.node().getBounds()
            pad = Vec3(reach, reach, reach)
            node.node().setBounds(BoundingBox(bounds.getMin() - pad, bounds.getMax() + pad))
        node.reparentTo(root)
        node.setShader(shaders.load(vertex, fragment, defines))
        if bin_name:
            node.setBin(bin_name, sort)
        if additive:
            node.setAttrib(
                ColorBlendAttrib.make(
                    ColorBlendAttrib.MAdd, ColorBlendAttrib.OOne, ColorBlendAttrib.OOne
                )
            )
            node.setTransparency(TransparencyAttrib.MNone)
        if not depth_write:
            node.setDepthWrite(False)
        if two_sided:
            node.setTwoSided(True)
        if sprites:
            node.setAttrib(
                ShaderAttrib.make(node.getShader()).setFlag(ShaderAttrib.F_shader_point_size, True)
            )
        return node

    def place_sectors(
        self,
        root: NodePath,
        meshes: dict[int, geometry.Mesh],
        name: str,
        vertex: str,
        fragment: str,
        **kwargs: Any,
    ) -> list[NodePath]:
        """Things spread all round the viewer, in one node per direction, so Panda3D skips
        those out of view (a headset can still turn to see them)."""
        nodes = []
        for sector, mesh in meshes.items():
            if mesh.count:
                nodes.append(self.place(root, mesh, f"{name}-{sector}", vertex, fragment, **kwargs))
        return nodes

    def place_by_seed(
        self,
        root: NodePath,
        centers: np.ndarray,
        colors: np.ndarray,
        extras: np.ndarray,
        name: str,
        vertex: str,
        fragment: str,
        lead: float,
        groups: int = 6,
        **kwargs: Any,
    ) -> SeedGroups:
        """Round sprites (geometry.points: the shaders set their size and shape) whose seed
        is extras[:, 0], in `groups` nodes by seed (SeedGroups)."""
        order = np.argsort(extras[:, 0])
        parent = root.attachNewNode(name)
        placed = []
        for index, chosen in enumerate(np.array_split(order, groups)):
            if not len(chosen):
                continue
            sprites = geometry.points(
                f"{name}-{index}", centers[chosen], colors[chosen], extras[chosen]
            )
            node = self.place(
                parent, sprites, f"{name}-{index}", vertex, fragment, sprites=True, **kwargs
            )
            placed.append((float(extras[chosen[0], 0]), node))
        return SeedGroups(placed, lead)

    def place_around(
        self,
        root: NodePath,
        mesh: geometry.Mesh,
        name: str,
        vertex: str,
        fragment: str,
        **kwargs: Any,
    ) -> NodePath:
        """A mesh all round the viewer (ground, sky) cut into sectors under one node
        (place_sectors): the vertices behind the viewer are then never shaded."""
        group = root.attachNewNode(name)
        self.place_sectors(
            group, geometry.split_sectors(mesh, self.eye[:2]), name, vertex, fragment, **kwargs
        )
        return group

    def add_sky(self, root: NodePath, clouds: bool = False, milky: bool = False) -> NodePath:
        """The sky dome, drawn after the land with the depth test on, so only the sky one
        can see is shaded (on a software renderer that halves its cost). The band round the
        horizon is cut into sectors and the two caps are apart, so that Panda3D leaves out
        what is behind or far above or below the view (a wedge reaching a pole would always
        seem to be in view)."""
        defines = (("CLOUDS", 1),) * clouds + (("MILKY", 1),) * milky
        options: dict[str, Any] = {
            "bin_name": "fixed",
            "sort": -10,
            "depth_write": False,
            "two_sided": True,
            "defines": defines,
        }
        low, high = geometry.DOME_ELEVATIONS.index(-35), geometry.DOME_ELEVATIONS.index(46)
        parts = {
            "below": geometry.DOME_ELEVATIONS[: low + 1],
            "band": geometry.DOME_ELEVATIONS[low : high + 1],
            "above": geometry.DOME_ELEVATIONS[high:],
        }
        sky = root.attachNewNode("sky")
        for part, elevations in parts.items():
            mesh = geometry.Mesh()
            geometry.dome(mesh, self.far * 0.8, elevations)
            if part == "band":
                self.place_sectors(
                    sky,
                    geometry.split_sectors(mesh, self.eye[:2]),
                    "sky",
                    "sky.vert",
                    "sky.frag",
                    **options,
                )
            else:
                self.place(sky, mesh, f"sky-{part}", "sky.vert", "sky.frag", **options)
        return sky
