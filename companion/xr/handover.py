"""Handing a finished picture to the headset: inside Panda3D's draw of the eye buffer (its
OpenGL context current, its framebuffer bound), a rectangle of that framebuffer is copied
into a texture the headset owns (an OpenXR swapchain image) with glBlitFramebuffer.

The copy is exact: no scaling (the eye buffer is made the headset's size) and no colour
conversion (sRGB encoding is off while copying), so the display values the stage drew
arrive unchanged; an sRGB swapchain image then decodes them as the runtime expects.
Every piece of OpenGL state touched is put back, so Panda3D's own state tracking holds."""

from __future__ import annotations

from types import ModuleType

Rect = tuple[int, int, int, int]  # x, y, width, height in pixels, origin bottom left


class Handover:
    def __init__(self, gl: ModuleType) -> None:
        self.gl = gl
        self.fbo: int | None = None

    def copy(self, source: Rect, texture: int, size: tuple[int, int]) -> None:
        """Copy `source` of the bound framebuffer into `texture` (GL name), of `size`."""
        GL = self.gl
        for _ in range(32):  # errors left by others are not ours to report
            if GL.glGetError() == GL.GL_NO_ERROR:
                break
        draw = int(GL.glGetIntegerv(GL.GL_DRAW_FRAMEBUFFER_BINDING))
        read = int(GL.glGetIntegerv(GL.GL_READ_FRAMEBUFFER_BINDING))
        scissor = bool(GL.glIsEnabled(GL.GL_SCISSOR_TEST))
        srgb = bool(GL.glIsEnabled(GL.GL_FRAMEBUFFER_SRGB))
        if self.fbo is None:
            self.fbo = int(GL.glGenFramebuffers(1))
        try:
            GL.glBindFramebuffer(GL.GL_DRAW_FRAMEBUFFER, self.fbo)
            GL.glFramebufferTexture2D(
                GL.GL_DRAW_FRAMEBUFFER, GL.GL_COLOR_ATTACHMENT0, GL.GL_TEXTURE_2D, texture, 0
            )
            status = GL.glCheckFramebufferStatus(GL.GL_DRAW_FRAMEBUFFER)
            if status != GL.GL_FRAMEBUFFER_COMPLETE:
                raise RuntimeError(
                    f"the headset's image cannot be drawn to (status {int(status):#x})"
                )
            GL.glBindFramebuffer(GL.GL_READ_FRAMEBUFFER, draw)
            if scissor:
                GL.glDisable(GL.GL_SCISSOR_TEST)
            if srgb:
                GL.glDisable(GL.GL_FRAMEBUFFER_SRGB)
            x, y, width, height = source
            GL.glBlitFramebuffer(
                x,
                y,
                x + width,
                y + height,
                0,
                0,
                size[0],
                size[1],
                GL.GL_COLOR_BUFFER_BIT,
                GL.GL_NEAREST if (width, height) == tuple(size) else GL.GL_LINEAR,
            )
            GL.glFramebufferTexture2D(
                GL.GL_DRAW_FRAMEBUFFER, GL.GL_COLOR_ATTACHMENT0, GL.GL_TEXTURE_2D, 0, 0
            )
        finally:
            GL.glBindFramebuffer(GL.GL_DRAW_FRAMEBUFFER, draw)
            GL.glBindFramebuffer(GL.GL_READ_FRAMEBUFFER, read)
            if scissor:
                GL.glEnable(GL.GL_SCISSOR_TEST)
            if srgb:
                GL.glEnable(GL.GL_FRAMEBUFFER_SRGB)
