"""The engine's state as plain data: its states, where the timeline is, what is shown.

Apart from the engine (issue 17) so that the modules that apply its commands (after_end.py,
care.py, settings.py, grounding.py, seek.py) can name these types without importing the
engine, which imports them for its command table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from companion.script import models
from companion.session import actions as act

EPSILON = 1e-9
PRESENT_STEPS = ("say", "breathe", "chime", "show")
DEFAULT_INTENSITY = 0.6
RETURN_TRANSITION = 4.0
SEEK_FADE = 0.8
BUILT_IN_HAVEN = models.Scene(id="built-in-haven", title="Haven", environment="haven", then="hold")


class State(StrEnum):
    READY = "ready"
    PLAYING = "playing"
    PAUSED = "paused"
    HOLDING = "holding"
    ENDED = "ended"


@dataclass
class Position:
    """Where the timeline is: a scene, a step in it (len(steps) = resting until `duration`),
    and when (in play time) each began and the current step ends (None: held)."""

    scene_index: int | None  # None: the built-in haven
    scene: models.Scene
    scene_started: float
    step_index: int = 0
    step_started: float = 0.0
    step_ends: float | None = 0.0


@dataclass
class Presentation:
    """What the patient sees and hears apart from steps: restored on return from ground."""

    environment: str
    look: dict[str, Any] = field(default_factory=dict)
    music: act.SoundChange | None = None
    ambience: act.SoundChange | None = None


@dataclass
class GroundedFrom:
    scene_index: int | None
    step_index: int
    presentation: Presentation


def sound_change(bus: str, spec: models.SoundSpec, fade: float) -> act.SoundChange:
    """The action that plays `spec` on `bus`, fading over `fade` seconds."""
    piece = spec.piece if isinstance(spec, models.MusicSpec) else None
    energy = spec.energy if isinstance(spec, models.MusicSpec) else None
    return act.SoundChange(
        bus,  # type: ignore[arg-type]
        spec.track,
        spec.volume,
        fade,
        piece=piece,
        energy=energy,
        shuffle=spec.shuffle,
    )
