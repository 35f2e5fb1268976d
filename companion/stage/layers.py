"""A layer is one environment being shown: its scene graph, rendered by the eye rig's
cameras into a texture of its own, so the compositor can crossfade two scenes that both
keep moving. A layer whose weight is zero is not rendered at all."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from panda3d.core import (
    Camera,
    FrameBufferProperties,
    GraphicsOutput,
    GraphicsPipe,
    NodePath,
    SamplerState,
    Texture,
    Vec3,
    WindowProperties,
)

from companion.stage.environments.base import Scenery
from companion.stage.eyes import EyeRig
from companion.stage.look import LookFader, Values, full_look, resolve

Region = tuple[float, float, float, float]  # left, right, bottom, top (0..1 of the output)

SKY_TURN_RATE = 0.004  # radians per second of the motion clock: a very slow turning sky


def _near_sampler() -> SamplerState:
    """The noise read without mipmaps, for patterns that are only ever seen larger than its
    texels: on a software renderer, choosing a mipmap level doubles the cost of a read."""
    sampler = SamplerState()
    sampler.setMinfilter(SamplerState.FT_linear)
    sampler.setMagfilter(SamplerState.FT_linear)
    sampler.setWrapU(SamplerState.WM_repeat)
    sampler.setWrapV(SamplerState.WM_repeat)
    return sampler


class Layer:
    def __init__(
        self,
        scenery: Scenery,
        host: GraphicsOutput,
        size: tuple[int, int],
        regions: list[Region],
        rig: EyeRig,
        look: Mapping[str, Any] | None,
    ) -> None:
        self.scenery = scenery
        self.rig = rig
        self.root = NodePath(f"scene-{scenery.name}")
        scenery.build(self.root)
        self.root.setShaderInput("u_noise", scenery.kit.noise)
        self.root.setShaderInput("u_noise_near", scenery.kit.noise, _near_sampler())
        for name, value in scenery.constants().items():
            self.root.setShaderInput(name, value[0] if len(value) == 1 else Vec3(*value))
        self.viewpoint = self.root.attachNewNode("viewpoint")
        self.viewpoint.setPos(*scenery.eye)
        self.viewpoint.setHpr(scenery.heading, scenery.pitch, 0)
        self.eyes = [self.viewpoint.attachNewNode(f"eye-{i}") for i in range(rig.eyes)]
        self.texture = Texture(f"layer-{scenery.name}")
        self.buffer = _make_buffer(host, f"layer-{scenery.name}", size, self.texture)
        self.cameras = []
        for eye, region in enumerate(regions):
            node = Camera(f"camera-{scenery.name}-{eye}")
            node.setScene(self.root)
            camera = self.eyes[eye].attachNewNode(node)
            region_dr = self.buffer.makeDisplayRegion(*region)
            region_dr.setCamera(camera)
            self.cameras.append(camera)
        scenery.bind_eyes(self.cameras)
        self.update_lenses()
        self.authored = full_look(scenery, look)
        self.look = LookFader(resolve(scenery, self.authored))
        self.clock = 0.0
        self.drawn_frames = 0
        self.checked = False
        self.pixel_angle = -1.0  # not yet handed to the shaders
        self._eye: Vec3 | None = None
        self.set_active(False)

    # --- look --------------------------------------------------------------------------

    def show_look(self, look: Mapping[str, Any] | None, seconds: float, *, replace: bool) -> None:
        """Move to `look` over `seconds`. `replace`: a new scene's look (unset settings go
        back to defaults); otherwise a change on top of the current look."""
        base = {} if replace else self.authored
        self.authored = full_look(self.scenery, {**base, **(look or {})})
        self.look.to(resolve(self.scenery, self.authored), seconds)

    def update_lenses(self) -> None:
        for eye, camera in enumerate(self.cameras):
            camera.node().setLens(self.rig.lens(eye))

    def update(self, dt: float, speed: float, height: int, elapsed: float | None = None) -> Values:
        """`dt`: the time since the last frame, at most the stage's MAX_STEP; `elapsed`: the
        whole of it, for a scenery that keeps the session's time (a film with its sound)."""
        self.drawn_frames += 1
        values = self.look.advance(dt)
        self.clock += dt * values["u_motion"][0] * speed
        whole = elapsed if elapsed is not None and self.scenery.keeps_time else dt
        self.scenery.advance(self.root, whole * speed)
        self.rig.place(self.eyes)
        eye = (
            self.eyes[0].getPos(self.root)
            if len(self.eyes) == 1
            else (self.eyes[0].getPos(self.root) + self.eyes[1].getPos(self.root)) * 0.5
        )
        if eye != self._eye:  # inputs are set only when they change (a headset moves them)
            self._eye = eye
            self.root.setShaderInput("u_eye", eye)
        self.root.setShaderInput("u_sky_turn", self.clock * SKY_TURN_RATE)
        pixel_angle = self.rig.fovs[0].vertical / max(1, height)
        if pixel_angle != self.pixel_angle:
            self.pixel_angle = pixel_angle
            self.root.setShaderInput("u_pixel_angle", self.pixel_angle)
        self.scenery.update(self.root, values, self.clock)
        return values

    # --- rendering ---------------------------------------------------------------------

    def shader_errors(self) -> list[str]:
        """Parts whose shader failed to compile (known once the layer has been drawn)."""
        failed = []
        for node in self.root.findAllMatches("**/+GeomNode"):
            shader = node.getShader()
            if shader is not None and shader.getErrorFlag():
                failed.append(node.getName())
        return failed

    def set_active(self, active: bool) -> None:
        if not active and self.buffer.isActive():
            self.scenery.rest()  # off the screen: a film's FFmpeg process ends
        self.buffer.setActive(active)

    @property
    def active(self) -> bool:
        return self.buffer.isActive()

    def destroy(self) -> None:
        engine = self.buffer.getEngine()
        if engine is not None:
            engine.removeWindow(self.buffer)
        self.scenery.close()
        self.root.removeNode()


def _make_buffer(
    host: GraphicsOutput, name: str, size: tuple[int, int], texture: Texture
) -> GraphicsOutput:
    fbp = FrameBufferProperties()
    fbp.setRgbColor(True)
    fbp.setRgbaBits(8, 8, 8, 8)
    fbp.setDepthBits(24)
    props = WindowProperties.size(*size)
    engine = host.getEngine()
    buffer = engine.makeOutput(
        host.getPipe(),
        name,
        -20,
        fbp,
        props,
        GraphicsPipe.BFRefuseWindow | GraphicsPipe.BFResizeable,
        host.getGsg(),
        host,
    )
    if buffer is None:
        raise RuntimeError(f"could not make an offscreen buffer for {name}")
    buffer.addRenderTexture(texture, GraphicsOutput.RTMBindOrCopy, GraphicsOutput.RTPColor)
    texture.setMinfilter(SamplerState.FT_linear)
    texture.setMagfilter(SamplerState.FT_linear)
    texture.setWrapU(SamplerState.WM_clamp)
    texture.setWrapV(SamplerState.WM_clamp)
    buffer.setClearColorActive(False)  # every environment covers the whole view (sky or walls)
    buffer.setClearDepthActive(True)
    buffer.getDisplayRegion(0).setActive(False)
    return buffer
