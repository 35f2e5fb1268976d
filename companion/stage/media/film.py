"""A 360-degree film as an environment: the panorama's sphere with the film's pictures,
decoded ahead (decode.py), played in the session's time (it stops when the session
pauses), looped without a seam, and watched by the comfort guard (guard.py)."""

from __future__ import annotations

from pathlib import Path

from panda3d.core import NodePath, SamplerState, Texture

from companion.script.media import MediaSpec
from companion.stage.environments.base import Kit
from companion.stage.media.decode import FilmDecoder, FilmFrame, FilmInfo, fit, probe
from companion.stage.media.guard import FilmGuard
from companion.stage.media.panorama import Panorama, aspect_problem

# The widest picture handed to the renderer. A 1280x720 view shows about 100 degrees across,
# so 2048 columns for 360 degrees is already finer than its pixels on a software renderer
# (which draws scenes at 0.35 of that); a GPU takes up to 4096.
MAX_WIDTH = 4096


class Film(Panorama):
    name = "film"

    def __init__(self, kit: Kit, spec: MediaSpec, *, wait: bool = False, max_width: int = MAX_WIDTH) -> None:
        super().__init__(kit, spec)
        self.wait = wait
        self.max_width = max_width
        self.time = 0.0
        self.decoder: FilmDecoder | None = None
        self.info: FilmInfo | None = None
        self.guard = FilmGuard()
        self.shown: FilmFrame | None = None
        self.pictures = 0          # new pictures shown
        self.error: str | None = None
        self._mean = 0.5

    def picture(self) -> Texture:
        from companion.stage.media import MediaError

        path = Path(self.spec.file)
        try:
            self.info = probe(path)
        except Exception as exc:
            raise MediaError(f"cannot play the film {path.name}: {exc}") from None
        problem = aspect_problem(self.info.width, self.info.height, self.spec.stereo)
        if problem:
            raise MediaError(f"{path.name}: {problem}")
        width, height = fit(self.info.width, self.info.height, self.max_width)
        texture = Texture(path.name)
        texture.setup2dTexture(width, height, Texture.T_unsigned_byte, Texture.F_rgb8)
        texture.setRamImageAs(bytes(width * height * 3), "RGB")
        texture.setMinfilter(SamplerState.FT_linear)   # new pictures each frame: no mipmaps
        texture.setMagfilter(SamplerState.FT_linear)
        texture.setWrapU(SamplerState.WM_repeat)
        texture.setWrapV(SamplerState.WM_clamp)
        self.texture = texture
        self.decoder = FilmDecoder(path, (width, height), self.info)
        return texture

    def advance(self, root: NodePath, dt: float) -> None:
        if self.decoder is None:
            return
        self.time += dt
        frame = self.decoder.frame_at(self.time, wait=self.wait)
        if frame is not None and self.guard.admit(frame.time, frame.thumb):
            self.texture.setRamImage(frame.pixels.tobytes())
            self.shown = frame
            self.pictures += 1
            self._mean = float(frame.thumb.mean())
        if self.decoder.error and self.error is None:
            self.error = self.decoder.error
        root.setShaderInput("u_gain", self.guard.brightness(self.time, dt, self._mean))

    def close(self) -> None:
        if self.decoder is not None:
            self.decoder.close()
            self.decoder = None
