"""The desktop window mirrors the patient's left eye, for the therapist (and the panel's
live picture, which is taken from this window). The eye's picture is scaled to fill the
window, its middle kept: a headset's eye is nearly square and very wide-angled, and the
middle is what the patient is looking at, captions and guide included."""

from __future__ import annotations

from typing import Any

from panda3d.core import Camera, CardMaker, NodePath, OrthographicLens, TextureStage

MIRROR_SORT = 5  # like the stage's own picture: above ShowBase's 3D view, below render2d


class Mirror:
    def __init__(self, window: Any, texture: Any, eye_size: tuple[int, int]) -> None:
        self.window = window
        self.eye_size = eye_size
        self.root = NodePath("mirror")
        self.root.setDepthTest(False)
        self.root.setDepthWrite(False)
        maker = CardMaker("mirror-card")
        maker.setFrame(-1, 1, -1, 1)
        self.card = self.root.attachNewNode(maker.generate())
        self.card.setTexture(texture)
        lens = OrthographicLens()
        lens.setFilmSize(2, 2)
        lens.setNearFar(-10, 10)
        camera = Camera("mirror-camera", lens)
        camera.setScene(self.root)
        self.region = window.makeDisplayRegion(0, 1, 0, 1)
        self.region.setSort(MIRROR_SORT)
        self.region.setCamera(self.root.attachNewNode(camera))
        self._fitted: tuple[int, int] | None = None
        self.fit()

    def fit(self) -> None:
        """Show the middle of the left eye at the window's shape (call when it may have
        changed size; cheap when it has not)."""
        size = (self.window.getXSize(), self.window.getYSize())
        if size == self._fitted or size[0] <= 0 or size[1] <= 0:
            return
        self._fitted = size
        u, v, width, height = crop(self.eye_size, size)
        stage = TextureStage.getDefault()
        self.card.setTexOffset(stage, u, v)
        self.card.setTexScale(stage, width, height)

    def destroy(self) -> None:
        self.window.removeDisplayRegion(self.region)
        self.root.removeNode()


def crop(eye: tuple[int, int], window: tuple[int, int]) -> tuple[float, float, float, float]:
    """The part of the eye buffer's texture (u, v, width, height; the left eye is its left
    half) that fills a window of this shape: all of the eye's width or height, centred."""
    eye_aspect = eye[0] / eye[1]
    window_aspect = window[0] / window[1]
    if window_aspect >= eye_aspect:  # wider window: all of the width, the middle rows
        height = eye_aspect / window_aspect
        return 0.0, (1.0 - height) / 2, 0.5, height
    width = window_aspect / eye_aspect
    return 0.5 * (1.0 - width) / 2, 0.0, 0.5 * width, 1.0
