"""The breathing guide: a soft light that grows on the in-breath, rests full on the hold,
shrinks on the out-breath and rests small before the next. Its size is a pure function of
the engine's breath phase for this very frame, so it is never out of step with the sound."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from panda3d.core import CardMaker, NodePath, TransparencyAttrib, Vec3

from companion.stage import shaders
from companion.stage.fades import Fade, ease

SMALLEST, LARGEST = 0.34, 0.94  # radius, as a fraction of the guide's card
CARD_HALF = 0.30  # the card's half size in view units (view height is 2)
COLOR = (1.0, 0.93, 0.80)  # warm candle white
FADE_IN, FADE_OUT = 1.5, 2.0


def guide_size(breath: Mapping[str, Any] | None) -> float:
    """How big the guide is for a breath phase (in, hold, out, rest) and its progress."""
    if not breath:
        return SMALLEST
    progress = min(1.0, max(0.0, float(breath.get("progress", 0.0))))
    phase = breath.get("phase")
    if phase == "in":
        return SMALLEST + (LARGEST - SMALLEST) * ease(progress)
    if phase == "hold":
        return LARGEST
    if phase == "out":
        return LARGEST - (LARGEST - SMALLEST) * ease(progress)
    return SMALLEST


class BreathingGuide:
    def __init__(self, parent: NodePath) -> None:
        maker = CardMaker("breathing-guide")
        maker.setFrame(-CARD_HALF, CARD_HALF, -CARD_HALF, CARD_HALF)
        self.node = parent.attachNewNode(maker.generate())
        self.node.setPos(0, 0, -0.05)
        self.node.setShader(shaders.load("screen.vert", "glow.frag"))
        self.node.setTransparency(TransparencyAttrib.MAlpha)
        self.node.setShaderInput("u_glow_color", Vec3(*COLOR))
        self.alpha = Fade(0.0)
        self.size = SMALLEST
        self._last: Mapping[str, Any] | None = None
        self._apply()

    def start(self) -> None:
        self.alpha.to(1.0, FADE_IN)

    def stop(self) -> None:
        self.alpha.to(0.0, FADE_OUT)

    def update(self, dt: float, breath: Mapping[str, Any] | None) -> None:
        if breath:
            self._last = breath
        # when the breathing step ends the engine stops reporting a phase: the guide keeps
        # its last size while it fades, rather than snapping small
        self.size = guide_size(breath if breath else self._last)
        self.alpha.advance(dt)
        self._apply()

    def _apply(self) -> None:
        visible = self.alpha.value > 0.001
        if visible:
            self.node.show()
        else:
            self.node.hide()
            self._last = None if not self.alpha.moving else self._last
        self.node.setShaderInput("u_alpha", self.alpha.value * 0.85)
        self.node.setShaderInput("u_size", self.size)

    @property
    def radius(self) -> float:
        """The glow's radius in view units (view height is 2)."""
        return self.size * CARD_HALF
