"""A stand-in for a headset, which cannot exist on this machine (no headset, no OpenXR
runtime). It plays recorded head movements (poses.json) exactly as an OpenXR runtime
reports them (per-eye poses in OpenXR axes, per-eye fields of view), paces frames as a
runtime's xrWaitFrame does (optionally for real, by the clock), and takes each eye's
picture into an OpenGL texture of its own, as a runtime's swapchain image would be, so a
test can read back what the headset would have shown."""

from __future__ import annotations

import json
import time
from pathlib import Path
from types import ModuleType

import numpy as np

from companion.stage.eyes import Fov
from companion.xr.frames import Copy, HeadsetFrame
from companion.xr.rig import EyeView

POSES = Path(__file__).with_name("poses.json")
GL_SRGB8_ALPHA8 = 0x8C43


class RecordedHeadset:
    name = "recorded head movements (a stand-in: no headset here)"

    def __init__(
        self,
        gl: ModuleType,
        eye_size: tuple[int, int] = (160, 168),
        rate: float = 90.0,
        paced: bool = False,
        path: Path = POSES,
    ) -> None:
        data = json.loads(path.read_text(encoding="utf-8"))
        self.gl = gl
        self.eye_size = eye_size
        self.period = 1.0 / rate
        self.paced = paced
        self.recording = data["frames"]
        self.recording_rate = data["rate"]
        self.position = 0.0  # seconds into the recording
        self.advance = True  # move through the recording one frame per frame
        self.display_time = 100.0  # the runtime's clock, seconds
        self.late = 0  # the next frame comes this many frames late (unpaced)
        self.frames = 0
        self.ended = 0
        self.with_picture = 0
        self.received: list[np.ndarray | None] = [None, None]
        self._textures: list[int] = []
        self._open = False
        self.closed = False
        self.attached = False

    def attach(self) -> None:
        self.attached = True

    def seek(self, seconds: float) -> None:
        self.position = seconds

    def views_at(self, seconds: float) -> tuple[EyeView, ...]:
        index = min(len(self.recording) - 1, max(0, round(seconds * self.recording_rate)))
        return tuple(
            EyeView(tuple(v["position"]), tuple(v["orientation"]), Fov(*v["fov"]))
            for v in self.recording[index]["views"]
        )

    def begin_frame(self) -> HeadsetFrame:
        if self.paced:  # as xrWaitFrame: block until the next frame slot; late means slots missed
            now = time.monotonic()
            slot = (int(now / self.period) + 1) * self.period
            time.sleep(max(0.0, slot - now))
            self.display_time = slot + self.period
        else:
            self.display_time += self.period * (1 + self.late)
            self.late = 0
        if self.advance and self.frames:
            self.position += self.period
        self.frames += 1
        self._open = True
        self._submitted = [False, False]
        return HeadsetFrame(True, self.display_time, self.period, self.views_at(self.position))

    def submit(self, eye: int, copy: Copy) -> None:
        if not self._textures:
            self._textures = [self._make_texture() for _ in range(2)]
        copy(self._textures[eye], self.eye_size)
        self.received[eye] = self._read(self._textures[eye])
        self._submitted[eye] = True

    def end_frame(self) -> None:
        assert self._open, "a frame ended that was not begun"
        self._open = False
        self.ended += 1
        if all(self._submitted):
            self.with_picture += 1

    def close(self) -> None:
        self.closed = True

    # --- the "swapchain image": an sRGB texture, as runtimes prefer --------------------

    def _make_texture(self) -> int:
        GL = self.gl
        bound = int(GL.glGetIntegerv(GL.GL_TEXTURE_BINDING_2D))
        texture = int(GL.glGenTextures(1))
        GL.glBindTexture(GL.GL_TEXTURE_2D, texture)
        GL.glTexImage2D(
            GL.GL_TEXTURE_2D,
            0,
            GL_SRGB8_ALPHA8,
            *self.eye_size,
            0,
            GL.GL_RGBA,
            GL.GL_UNSIGNED_BYTE,
            None,
        )
        GL.glBindTexture(GL.GL_TEXTURE_2D, bound)
        return texture

    def _read(self, texture: int) -> np.ndarray:
        GL = self.gl
        read = int(GL.glGetIntegerv(GL.GL_READ_FRAMEBUFFER_BINDING))
        fbo = int(GL.glGenFramebuffers(1))
        try:
            GL.glBindFramebuffer(GL.GL_READ_FRAMEBUFFER, fbo)
            GL.glFramebufferTexture2D(
                GL.GL_READ_FRAMEBUFFER, GL.GL_COLOR_ATTACHMENT0, GL.GL_TEXTURE_2D, texture, 0
            )
            data = GL.glReadPixels(0, 0, *self.eye_size, GL.GL_RGB, GL.GL_UNSIGNED_BYTE)
        finally:
            GL.glBindFramebuffer(GL.GL_READ_FRAMEBUFFER, read)
            GL.glDeleteFramebuffers(1, [fbo])
        width, height = self.eye_size
        return np.frombuffer(bytes(data), np.uint8).reshape(height, width, 3)[::-1].copy()
