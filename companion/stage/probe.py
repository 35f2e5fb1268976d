"""The comfort probe: a tiny copy of the final picture (composite and overlay) that the
stage's comfort check reads, drawn only on some frames and read at the next update, once
that frame is done.

Read as it was drawn (Panda3D's copy to RAM), each look waited for the whole frame: 0.9 ms
on llvmpipe; drawn every frame, the probe cost about 1.4 ms a frame in all."""

from __future__ import annotations

from typing import Any

import numpy as np

PROBE_SIZE = (96, 54)
# Looks at uneven gaps, 20 a second on average. Twenty looks a second see flashing up to
# 10 Hz directly; the gaps (in frames at 60 Hz) are the shortest cycle found by search that
# sees at least six changes a second of a flicker of any period from 2 to 16 frames,
# whatever its phase, so no faster flicker can hide between the looks as it could from
# evenly spaced ones.
PROBE_GAPS = tuple(frames / 60 for frames in (4, 4, 3, 2, 2, 3, 3))


def frames_drawn() -> int:
    """Frames Panda3D has drawn (renderFrame ticks the global clock once each)."""
    from panda3d.core import ClockObject

    return ClockObject.getGlobalClock().getFrameCount()


class ComfortProbe:
    def __init__(self, base: Any, buffer: Any, texture: Any) -> None:
        self.base = base
        self.buffer = buffer
        self.texture = texture
        # the look asked for and not yet read: (frame count when asked, time, fading)
        self._pending: tuple[int, float, bool] | None = None
        self._due = 0.0  # when the probe is next drawn
        self._gap = 0  # which of PROBE_GAPS comes next

    @classmethod
    def make(
        cls,
        base: Any,
        window: Any,
        composite_camera: Any,
        overlays: list[tuple[tuple[float, float, float, float], Any]],
    ) -> ComfortProbe | None:
        """A probe drawing `composite_camera` and each (region, overlay camera) after the view
        itself; None when no buffer can be made."""
        from panda3d.core import Texture

        texture = Texture("comfort-probe")
        buffer = window.makeTextureBuffer("comfort-probe", *PROBE_SIZE, texture, False)
        if buffer is None:
            return None
        buffer.setSort(50)  # after the view itself
        buffer.getDisplayRegion(0).setActive(False)
        buffer.makeDisplayRegion(0, 1, 0, 1).setCamera(composite_camera)
        for (left, right, bottom, top), camera in overlays:
            region = buffer.makeDisplayRegion(left, right, bottom, top)
            region.setSort(1)
            region.setCamera(camera)
        return cls(base, buffer, texture)

    def schedule(self, now: float, fading: bool) -> None:
        """Draw the probe with the coming frame or not (PROBE_GAPS)."""
        frame = frames_drawn()
        waiting = self._pending is not None and self._pending[0] >= frame  # no frame drawn since
        due = waiting or now >= self._due
        self.buffer.setActive(due)
        if due:
            self._pending = (frame, now, fading)
        if due and not waiting:
            # a millisecond's grace, so a gap of two frames is not made three by rounding
            self._due = now + PROBE_GAPS[self._gap] - 1e-3
            self._gap = (self._gap + 1) % len(PROBE_GAPS)

    def look_next_frame(self) -> None:
        """The next frame is the probe's next look (a settled picture, after a cut)."""
        self._due = 0.0

    def read(self) -> tuple[float, np.ndarray, bool] | None:
        """(time, H x W x 3 bytes top row first, fading) of the look drawn with the last
        frame; None when there is none (not asked for, not drawn yet, or unreadable)."""
        if self._pending is None or frames_drawn() <= self._pending[0]:
            return None
        _, shown_at, fading = self._pending
        self._pending = None
        texture = self.texture
        if not self.base.graphicsEngine.extractTextureData(texture, self.buffer.getGsg()):
            return None
        data = texture.getRamImageAs("RGB")
        height, width = texture.getYSize(), texture.getXSize()
        if len(data) != width * height * 3:
            return None
        return (
            shown_at,
            np.frombuffer(bytes(data), np.uint8).reshape(height, width, 3)[::-1],
            fading,
        )

    def close(self) -> None:
        self.base.graphicsEngine.removeWindow(self.buffer)
