"""The stage as the headset needs it: the same environments, crossfades, pause and end, with
two changes a headset calls for.

- Captions, shown text and the breathing guide hang in the world on a panel about 1.6 m
  ahead, a little below eye level, seen in depth by both eyes (text fixed to the face is
  uncomfortable, and text at no depth fights the scene's depth). The panel stays put while
  the head moves a little and drifts round, gently, when the patient turns far away
  (`follow.py`); a recenter brings it straight ahead.
- The horizon is level: a scenery's gentle upward or downward look (right for a screen)
  is left out, since in a headset the patient looks up or down themselves.

Everything else is the stage's own: this subclass only places the overlay's cameras and
the panel (`_ui_camera`, `_eye_aspect`) and levels each scene's viewpoint (`_layer`)."""

from __future__ import annotations

from typing import Any

from panda3d.core import Camera, NodePath

from companion.stage.stage import Stage
from companion.xr.follow import LazyFollow
from companion.xr.rig import HeadsetRig, heading

PANEL_DISTANCE = 1.6  # metres ahead of where the head was at recenter
PANEL_HEIGHT = -0.14  # metres: the panel's middle below eye level (guide about 6 degrees
# down, captions about 18, shown text at eye level)
PANEL_SCALE = 0.5  # metres per overlay unit (2 units high on a screen): a caption line
# is then about 1.5 degrees high, readable in today's headsets
PANEL_ASPECT = 1.1  # the overlay's width / height: captions wrap at about 30 degrees


class WorldStage(Stage):
    rig: HeadsetRig

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.follow = LazyFollow()
        self.overlay_world: NodePath | None = None
        self._recenters = 0
        self._head_heading = 0.0
        super().__init__(*args, **kwargs)

    # --- the stage's hooks ---------------------------------------------------------------

    def _eye_aspect(self) -> float:
        return PANEL_ASPECT

    def _ui_camera(self, index: int) -> Any:
        if self.overlay_world is None:
            self.overlay_world = NodePath("overlay-world")  # the anchored frame: metres, +Y ahead
            self.pivot = self.overlay_world.attachNewNode("overlay-pivot")
            self.panel = self.pivot.attachNewNode("overlay-panel")
            self.panel.setPos(0, PANEL_DISTANCE, PANEL_HEIGHT)
            self.panel.setScale(PANEL_SCALE)
            self.ui.reparentTo(self.panel)
        node = Camera(f"overlay-eye-{index}", self.rig.lens(index))
        node.setScene(self.overlay_world)
        camera = self.overlay_world.attachNewNode(node)
        camera.setTransform(self.rig.eye_transform(index))
        return camera

    def _layer(self, name: str) -> Any:
        layer = super()._layer(name)
        layer.viewpoint.setHpr(layer.scenery.heading, 0, 0)
        return layer

    # --- per frame -----------------------------------------------------------------------

    def place_overlay(self, dt: float) -> None:
        """Put the overlay's eyes where the patient's are, and let the panel follow."""
        if self.window is None or self.overlay_world is None:
            return
        if self.rig.recenters != self._recenters:
            self._recenters = self.rig.recenters
            self.follow.reset()
        self._head_heading = heading(self.rig.anchored_head().getQuat(), self._head_heading)
        self.pivot.setH(self.follow.update(self._head_heading, dt))
        for eye, camera in enumerate(self.ui_cameras):
            camera.setTransform(self.rig.eye_transform(eye))

    def update_lenses(self) -> None:
        """The headset's fields of view changed: every eye's lens follows."""
        if self.window is None:
            return
        for layer in self.layers.values():
            layer.update_lenses()
        for eye, camera in enumerate(self.ui_cameras):
            camera.node().setLens(self.rig.lens(eye))

    @property
    def overlay_heading(self) -> float:
        """Where the panel faces (degrees, + left of straight ahead)."""
        return self.follow.heading
