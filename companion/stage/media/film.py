"""A 360-degree film as an environment: the panorama's sphere with the film's pictures,
decoded ahead (decode.py), played in the session's time (it stops when the session
pauses), looped without a seam, and watched by the comfort guard (guard.py)."""

from __future__ import annotations

import threading
from pathlib import Path
from time import perf_counter

from panda3d.core import NodePath, SamplerState, Texture, Vec3

from companion.film_loop import film_loop
from companion.script.media import MediaSpec
from companion.stage.environments.base import Kit
from companion.stage.media.decode import FilmDecoder, FilmFrame, FilmInfo, fit, probe
from companion.stage.media.guard import FilmGuard
from companion.stage.media.panorama import Panorama, aspect_problem

# The widest picture handed to the renderer: wider films are scaled down as they are decoded
# (which costs more than the upload of their planes as they are: `companion check` warns).
MAX_WIDTH = 4096
# On a software renderer scenes are drawn at 0.35 of the view (stage.SOFTWARE_SCALE): 448
# columns for about 90 degrees, 1800 for all round. A wider film is handed on at every other
# pixel (taken from the decoded planes, no scaling), a quarter of the bytes to upload.
SOFTWARE_WIDTH = 2048
# The film's clock runs at most this many of its pictures past its newest decoded one: a late
# decoder slows the film a little rather than making it skip.
MAX_SLIP = 2.5
BLACK_Y = 16  # black in video range (as FFmpeg hands on yuv420p)
NEUTRAL_UV = 128  # no colour


class Film(Panorama):
    name = "film"

    def __init__(
        self,
        kit: Kit,
        spec: MediaSpec,
        *,
        wait: bool = False,
        max_width: int = MAX_WIDTH,
        software: bool = False,
    ) -> None:
        super().__init__(kit, spec)
        self.wait = wait
        self.software = software
        self.max_width = max_width
        self.time = 0.0
        self.decoder: FilmDecoder | None = None
        self.info: FilmInfo | None = None
        self.guard = FilmGuard()
        self.shown: FilmFrame | None = None
        self.pictures = 0  # new pictures shown
        self.upload_seconds = 0.0  # spent copying them into the textures (for benchmarks)
        self.slipped = 0.0  # seconds the film's clock waited for late pictures
        self._newest = 0.0  # film time of the newest picture the decoder handed on
        self.error: str | None = None
        self._mean = 0.5
        self._decoding: tuple[Path, tuple[int, int], int] | None = None

    def picture(self) -> Texture:
        from companion.stage.media import MediaError

        path = Path(self.spec.file)
        try:
            self.info = probe(path)
        except Exception as exc:  # noqa: BLE001 - any failure to open it is one message
            raise MediaError(f"cannot play the film {path.name}: {exc}") from None
        problem = aspect_problem(self.info.width, self.info.height, self.spec.stereo)
        if problem:
            raise MediaError(f"{path.name}: {problem}")
        # how it loops is decided now, in the background (a few tenths of a second of
        # FFmpeg), so the decoder finds it decided when the film is first shown
        threading.Thread(target=film_loop, args=(path,), daemon=True).start()
        width, height = fit(self.info.width, self.info.height, self.max_width)
        width, height = width - width % 4, height - height % 4
        step = 2 if self.software and width > SOFTWARE_WIDTH else 1
        shown = (width // step, height // step)
        # black until the first picture (and for good if none comes): Y 16, U and V 128 in
        # video range; zero U and V would be green
        self.planes = [
            _plane_texture(f"{path.name}-{part}", w, h, fill)
            for part, (w, h), fill in (
                ("y", shown, BLACK_Y),
                ("u", (shown[0] // 2, shown[1] // 2), NEUTRAL_UV),
                ("v", (shown[0] // 2, shown[1] // 2), NEUTRAL_UV),
            )
        ]
        self.texture = self.planes[0]
        self._decoding = (path, (width, height), step)  # started when first shown (advance)
        return self.planes[0]

    def build(self, root: NodePath) -> None:
        super().build(root)
        root.setShaderInput("u_picture_u", self.planes[1])
        root.setShaderInput("u_picture_v", self.planes[2])
        # BT.709 for HD pictures, BT.601 below (as players assume when a film does not say)
        hd = self.info is not None and self.info.height >= 720
        root.setShaderInput(
            "u_yuv", Vec3(1.5748, 0.1873, 0.4681) if hd else Vec3(1.402, 0.344136, 0.714136)
        )
        root.setShaderInput("u_yuv_b", 1.8556 if hd else 1.772)

    @property
    def keeps_time(self) -> bool:
        """A film with its own sound keeps the session's time through a stalled frame too:
        the sound played on meanwhile (with the stage's quarter-second limit on a frame's
        step, a busy machine's 0.3-0.9 s stall put the picture behind its sound for good)."""
        return self.info is not None and self.info.has_sound

    def shader_defines(self) -> tuple[tuple[str, int], ...]:
        """Three planes (Y, U, V), never mipmapped (a new picture each frame)."""
        return (("FILM", 1),)

    def advance(self, root: NodePath, dt: float) -> None:
        if self.decoder is None:
            if self._decoding is None or self.error:
                return
            path, size, step = self._decoding
            self.decoder = FilmDecoder(
                path, size, self.info, step=step
            )  # its FFmpeg starts in its thread
        if self.shown is not None:
            # the film's clock starts with its first picture (FFmpeg takes a few tenths of a
            # second to open a film): counted from the scene's start instead, the film's
            # first second was shown late, pictures skipped while the decoder caught up
            self.time += dt
            # and it runs on the film's own pictures: when the decoder is late (a busy
            # machine, the loop's seam) the clock waits at most MAX_SLIP past the newest
            # picture, so the film slows for a moment and goes on from where it was, instead
            # of freezing and then jumping ahead, skipping what was late. Not a film with its
            # own sound: the sound cannot wait, so such a film keeps the session's time (late
            # pictures are skipped) and stays with its sound
            limit = self._newest + MAX_SLIP / (self.info.fps if self.info else 30.0)
            if self.time > limit and not (self.info and self.info.has_sound):
                self.slipped += self.time - limit
                self.time = limit
        frame = self.decoder.frame_at(self.time, wait=self.wait)
        if frame is not None:
            self._newest = frame.time
        if frame is not None and self.guard.admit(frame.time, frame.thumb):
            began = perf_counter()
            for texture, plane in zip(self.planes, frame.planes, strict=True):
                # copied into the texture's own buffer: 1 ms for 3840x1920, where handing
                # Panda3D a new buffer (setRamImage) costs 15 ms of allocation and copying
                memoryview(texture.modifyRamImage())[:] = plane.reshape(-1).data
            self.upload_seconds += perf_counter() - began
            self.shown = frame
            self.pictures += 1
            self._mean = float(frame.thumb.mean())
        if self.decoder.error and self.error is None:
            self.error = self.decoder.error
        root.setShaderInput("u_gain", self.guard.brightness(self.time, dt, self._mean))

    def rest(self) -> None:
        """Off the screen: the decoder and its FFmpeg process end; a later visit plays the
        film from its start (a film not shown holds no process and no pictures)."""
        if self.decoder is not None:
            self.decoder.close()
            self.decoder = None
            self.time = self._newest = 0.0
            self.guard = FilmGuard()
            self.shown = None

    def close(self) -> None:
        if self.decoder is not None:
            self.decoder.close()
            self.decoder = None


def _plane_texture(name: str, width: int, height: int, fill: int) -> Texture:
    """One plane of the film's pictures, every byte `fill` at first; new each frame, so no
    mipmaps."""
    texture = Texture(name)
    texture.setup2dTexture(width, height, Texture.T_unsigned_byte, Texture.F_red)
    texture.setRamImage(bytes([fill]) * (width * height))
    texture.setMinfilter(SamplerState.FT_linear)
    texture.setMagfilter(SamplerState.FT_linear)
    texture.setWrapU(SamplerState.WM_repeat)
    texture.setWrapV(SamplerState.WM_clamp)
    return texture
