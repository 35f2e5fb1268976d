"""A 360-degree photograph (equirectangular, 2:1; or top-bottom stereo, 1:1) on a sphere
round the seated viewer. Look: brightness as on every environment, the time of day as a
warm or cool tint, motion as a very slow turn of the picture (none by default: a real
place does not turn)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from panda3d.core import BitMask32, NodePath, SamplerState, Texture, Vec2

from companion.script.media import MediaSpec
from companion.stage import geometry
from companion.stage.environments.base import Kit, Scenery
from companion.stage.look import Values

RADIUS = 50.0
TURN_RATE = 1.0 / 720.0  # turns per second of the motion clock: at motion 1, once in 12 minutes
# The time of day as a tint on a photograph: it cannot relight the place, only warm or cool it.
TINTS = {
    "dawn": (1.05, 0.96, 0.90),
    "day": (1.0, 1.0, 1.0),
    "dusk": (1.07, 0.92, 0.82),
    "night": (0.62, 0.70, 0.86),
}
EYE_MASK_BIT = 24  # camera mask bits for per-eye pictures (top-bottom stereo)
# On a software renderer scenes are drawn at 0.35 of the view (stage.SOFTWARE_SCALE): 448
# pixels of a 1280 window for 65 degrees, which a picture 2048 wide fills at 0.8 of its
# texels a pixel. A wider one is halved when loaded and read with one bilinear look-up, no
# mipmaps: what its mipmaps would have given (level 0.7, mostly the half), at half the cost
# per pixel on the CPU (no derivatives, one level read instead of two).
SOFTWARE_WIDTH = 2048
ASPECT_TOLERANCE = 0.02


def expected_aspect(stereo: str) -> float:
    """Width over height of an equirectangular picture: 2:1, or 1:1 with two eyes stacked."""
    return 1.0 if stereo == "top-bottom" else 2.0


def aspect_problem(width: int, height: int, stereo: str) -> str | None:
    """Why a picture of this size cannot be an equirectangular one, or None."""
    want = expected_aspect(stereo)
    if height <= 0 or abs(width / height - want) > ASPECT_TOLERANCE * want:
        shape = (
            "1:1 (top-bottom stereo: two 2:1 pictures stacked)" if stereo == "top-bottom" else "2:1"
        )
        return (
            f"{width}x{height} is not {shape}: an equirectangular picture is twice as wide "
            f"as high per eye, and any other shape would stretch the sky"
        )
    return None


class Panorama(Scenery):
    name = "panorama"
    defaults: ClassVar[dict[str, Any]] = {"motion": 0.0}
    eye = (0.0, 0.0, 0.0)
    fog = 0.0
    flip = 1.0  # decoded rows run top down; Panda3D's textures bottom up

    def __init__(self, kit: Kit, spec: MediaSpec, software: bool = False) -> None:
        super().__init__(kit)
        self.spec = spec
        self.software = software
        self.name = spec.key  # type: ignore[misc]
        self.spheres: list[NodePath] = []
        self.gain = 1.0

    # --- the picture ---------------------------------------------------------------------

    def picture(self) -> Texture:
        """The texture shown (a photograph decoded once, mipmapped)."""
        from companion.stage.media import MediaError
        from companion.stage.media.picture import read_picture

        path = Path(self.spec.file)
        try:
            pixels = read_picture(path)
        except Exception as exc:  # noqa: BLE001 - Pillow raises many kinds (a bomb is not OSError)
            reason = str(exc).splitlines()[0] if str(exc) else repr(exc)
            raise MediaError(f"cannot read the picture {path.name}: {reason}") from None
        height, width, _ = pixels.shape
        problem = aspect_problem(width, height, self.spec.stereo)
        if problem:
            raise MediaError(f"{path.name}: {problem}")
        while self.software and pixels.shape[1] > SOFTWARE_WIDTH:
            pixels = halved(pixels)
        height, width, _ = pixels.shape
        texture = Texture(path.name)
        texture.setup2dTexture(width, height, Texture.T_unsigned_byte, Texture.F_rgb8)
        texture.setRamImage(pixels.tobytes())
        texture.setMinfilter(
            SamplerState.FT_linear if self.software else SamplerState.FT_linear_mipmap_linear
        )
        texture.setMagfilter(SamplerState.FT_linear)
        texture.setWrapU(SamplerState.WM_repeat)
        texture.setWrapV(SamplerState.WM_clamp)
        return texture

    def build(self, root: NodePath) -> None:
        texture = self.picture()
        root.setShaderInput("u_picture", texture)
        stereo = self.spec.stereo == "top-bottom"
        for eye in range(2 if stereo else 1):
            mesh = geometry.Mesh()
            geometry.dome(mesh, RADIUS, tuple(range(-90, 91, 10)), segments=36)
            sphere = self.place(
                root,
                mesh,
                f"picture-{eye}",
                "pano.vert",
                "pano.frag",
                defines=self.shader_defines(),
                depth_write=False,
                two_sided=True,
            )
            # top-bottom: the left eye's picture is the upper half (v from 0.5 to 1)
            sphere.setShaderInput(
                "u_band",
                Vec2(0.5, 0.5)
                if stereo and eye == 0
                else Vec2(0.0, 0.5)
                if stereo
                else Vec2(0.0, 1.0),
            )
            self.spheres.append(sphere)
        root.setShaderInput("u_flip", self.flip)
        root.setShaderInput("u_gain", 1.0)

    def shader_defines(self) -> tuple[tuple[str, int], ...]:
        """MIPMAPS: the picture is read at the level its pixels' footprint asks (a GPU's
        sphere at full size); without it, one bilinear look-up."""
        return () if self.software else (("MIPMAPS", 1),)

    def bind_eyes(self, cameras: list[NodePath]) -> None:
        """Each eye sees its own half of a top-bottom picture; one eye sees the left's."""
        if len(self.spheres) < 2:
            return
        if len(cameras) == 1:
            self.spheres[1].hide()
            return
        for eye, camera in enumerate(cameras):
            camera.node().setCameraMask(BitMask32.bit(EYE_MASK_BIT + eye))
        for eye, sphere in enumerate(self.spheres):
            sphere.hide(BitMask32.bit(EYE_MASK_BIT + 1 - eye))

    # --- the look --------------------------------------------------------------------------

    def setting_values(self, look: Mapping[str, Any]) -> Values:
        return {"u_tint": TINTS.get(str(look["time"]), TINTS["day"])}

    def update(self, root: NodePath, values: Values, clock: float) -> Values:
        changed = super().update(root, values, clock)
        root.setShaderInput("u_turn", clock * TURN_RATE)
        return changed


def halved(pixels: np.ndarray) -> np.ndarray:
    """The picture at half its width and height, each pixel the mean of four (a mipmap's
    next level), rounded."""
    height, width = pixels.shape[0] // 2 * 2, pixels.shape[1] // 2 * 2
    quads = pixels[:height, :width].astype(np.uint16)
    total = quads[0::2, 0::2] + quads[0::2, 1::2] + quads[1::2, 0::2] + quads[1::2, 1::2]
    return ((total + 2) // 4).astype(np.uint8)
