"""The one interface every environment follows. A new environment is a new module in this
folder with a `Scenery` subclass: the stage finds it by its `name`."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from panda3d.core import ColorBlendAttrib, NodePath, Texture, TransparencyAttrib, Vec2, Vec3, Vec4

from companion.stage import geometry, shaders
from companion.stage.look import Values
from companion.stage.palette import PALETTES, Palette


@dataclass(frozen=True)
class Kit:
    """What environments share: the noise texture (made once per stage)."""

    noise: Texture


def shader_value(value: tuple[float, ...]) -> Any:
    return {1: lambda v: float(v[0]), 2: lambda v: Vec2(*v), 3: lambda v: Vec3(*v),
            4: lambda v: Vec4(*v)}[len(value)](value)


class Scenery(ABC):
    """An environment: builds its geometry under a root and turns a look into shader values.

    Subclasses set `name` (as in catalog.ENVIRONMENTS), `defaults` for their own look
    settings (and may override time, motion, brightness), and where the seated viewer's
    eyes are. Everything that moves is driven by `u_clock`, which runs at the look's motion
    and stops when the stage pauses, so nothing ever jumps.
    """

    name: ClassVar[str]
    defaults: ClassVar[dict[str, Any]] = {}
    eye: ClassVar[tuple[float, float, float]] = (0.0, 0.0, 1.2)   # seated eye position
    heading: ClassVar[float] = 0.0                                 # degrees, + turns left
    pitch: ClassVar[float] = 0.0                                   # degrees, + looks up
    fog: ClassVar[float] = 0.002                                   # per metre
    far: ClassVar[float] = 3000.0

    def __init__(self, kit: Kit) -> None:
        self.kit = kit
        self._given: Values = {}   # the look's values last handed to the shaders

    @abstractmethod
    def build(self, root: NodePath) -> None:
        """Make the environment's geometry and shaders under `root`."""

    def palette(self, time: str) -> Palette:
        return PALETTES[time]

    def setting_values(self, look: Mapping[str, Any]) -> Values:
        """This environment's own settings as shader values. By default a numeric setting
        `x` becomes `u_x`; environments with choices override this."""
        return {"u_" + k: (float(look[k]),) for k, v in self.defaults.items()
                if isinstance(v, (int, float)) and k not in ("motion", "brightness")}

    def constants(self) -> Values:
        """Shader values that do not change with the look."""
        return {"u_fog": (self.fog,), "u_ground_mist": (0.0,), "u_clouds": (0.0,),
                "u_milky": (0.0,), "u_wind": (0.0,), "u_low_shade": (0.0,), "u_wrap": (0.5,),
                "u_tide": (0.0,)}

    def update(self, root: NodePath, values: Values, clock: float) -> Values:
        """Per frame: hand the look's values that changed (all of them only while a look
        fades) and the motion clock to the shaders; returns the values that changed."""
        changed = {name: value for name, value in values.items() if self._given.get(name) != value}
        for name, value in changed.items():
            root.setShaderInput(name, shader_value(value))
        self._given.update(changed)
        root.setShaderInput("u_clock", clock)
        return changed

    # --- helpers for subclasses ----------------------------------------------------------

    def place(self, root: NodePath, mesh: geometry.Mesh, name: str, vertex: str, fragment: str,
              *, bin_name: str | None = None, sort: int = 0, additive: bool = False,
              depth_write: bool = True, two_sided: bool = False,
              defines: tuple[tuple[str, int], ...] = ()) -> NodePath:
        node = mesh.node(name)
        node.reparentTo(root)
        node.setShader(shaders.load(vertex, fragment, defines))
        if bin_name:
            node.setBin(bin_name, sort)
        if additive:
            node.setAttrib(ColorBlendAttrib.make(ColorBlendAttrib.MAdd, ColorBlendAttrib.OOne,
                                                 ColorBlendAttrib.OOne))
            node.setTransparency(TransparencyAttrib.MNone)
        if not depth_write:
            node.setDepthWrite(False)
        if two_sided:
            node.setTwoSided(True)
        return node

    def place_sectors(self, root: NodePath, meshes: dict[int, geometry.Mesh], name: str,
                      vertex: str, fragment: str, **kwargs: Any) -> None:
        """Things spread all round the viewer, in one node per direction, so Panda3D skips
        those out of view (a headset can still turn to see them)."""
        for sector, mesh in meshes.items():
            if mesh.count:
                self.place(root, mesh, f"{name}-{sector}", vertex, fragment, **kwargs)

    def add_sky(self, root: NodePath, clouds: bool = False, milky: bool = False) -> NodePath:
        """The sky dome, drawn after the land with the depth test on, so only the sky one
        can see is shaded (on a software renderer that halves its cost)."""
        mesh = geometry.Mesh()
        geometry.dome(mesh, self.far * 0.8)
        defines = (("CLOUDS", 1),) * clouds + (("MILKY", 1),) * milky
        sky = self.place(root, mesh, "sky", "sky.vert", "sky.frag", bin_name="fixed", sort=-10,
                         depth_write=False, defines=defines)
        sky.setTwoSided(True)
        return sky
