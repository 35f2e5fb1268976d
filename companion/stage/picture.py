"""The small live picture of the patient's view for the therapist's panel.

Taken on the render thread about once a second (a readback of the window, scaled down and
encoded as JPEG by Panda3D's own image code); read by the panel's thread as cached bytes."""

from __future__ import annotations

import threading
from typing import Any

PICTURE_WIDTH = 320
JPEG_QUALITY = 70


class LivePicture:
    def __init__(self, window: Any, width: int = PICTURE_WIDTH) -> None:
        self.window = window
        self.width = width
        self._lock = threading.Lock()
        self._latest: bytes | None = None
        self._taken_at: float | None = None
        self.failures = 0

    def latest(self) -> bytes | None:
        """The newest picture (any thread)."""
        with self._lock:
            return self._latest

    def maybe_take(self, now: float, every: float) -> None:
        """Take a picture when `every` seconds have passed since the last one."""
        if self._taken_at is not None and now - self._taken_at < every:
            return
        self._taken_at = now
        data = self.take()
        if data is not None:
            with self._lock:
                self._latest = data

    def take(self) -> bytes | None:
        from panda3d.core import PNMImage, StringStream

        texture = self.window.getScreenshot()
        if texture is None:
            self.failures += 1
            return None
        full = PNMImage()
        if not texture.store(full) or full.getXSize() == 0:
            self.failures += 1
            return None
        height = max(1, round(full.getYSize() * self.width / full.getXSize()))
        small = PNMImage(self.width, height)
        small.quickFilterFrom(full)
        stream = StringStream()
        if not small.write(stream, "picture.jpg"):
            self.failures += 1
            return None
        return bytes(stream.getData())
