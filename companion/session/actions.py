"""What the engine tells the stage and the mixer to do. Plain, serialisable data."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar, Literal

Bus = Literal["master", "music", "ambience", "narration", "effects"]
StepKind = Literal["say", "breathe", "chime", "show", "pause"]


@dataclass(frozen=True)
class Action:
    kind: ClassVar[str] = "action"

    def to_json(self) -> dict[str, Any]:
        return {"action": self.kind, **asdict(self)}


@dataclass(frozen=True)
class SceneChange(Action):
    """Crossfade the view (and what it shows) into a scene over `transition` seconds."""

    kind: ClassVar[str] = "scene"
    scene_id: str
    environment: str
    look: dict[str, Any]
    transition: float
    phase: str


@dataclass(frozen=True)
class LookChange(Action):
    """Move the environment's settings to `look` over `fade` seconds."""

    kind: ClassVar[str] = "look"
    look: dict[str, Any]
    fade: float


@dataclass(frozen=True)
class SoundChange(Action):
    """A bus (music or ambience) crossfades to `tracks` (a playlist; empty is silence)."""

    kind: ClassVar[str] = "sound"
    bus: Literal["music", "ambience"]
    tracks: tuple[str, ...]
    volume: float
    fade: float
    piece: str | None = None  # music made by the composer (tracks is then (piece,))
    energy: float | None = None  # the composer's energy, 0..1; glides over `fade`
    shuffle: bool = False  # the playlist (folders' files among it) in a shuffled order


@dataclass(frozen=True)
class Say(Action):
    kind: ClassVar[str] = "say"
    text: str
    seconds: float
    caption: bool
    line_id: str | None = None
    audio: str | None = None
    silent: bool = False  # no sound for this line (no speech engine, a damaged file): the
    # caption is all the patient gets, so it shows even with captions off


@dataclass(frozen=True)
class Breathe(Action):
    """The breathing guide starts; its phase at any moment is the engine's `breath()`."""

    kind: ClassVar[str] = "breathe"
    inhale: float
    hold: float
    exhale: float
    rest: float
    cycles: int
    sound: str


@dataclass(frozen=True)
class Chime(Action):
    kind: ClassVar[str] = "chime"
    name: str


@dataclass(frozen=True)
class ShowText(Action):
    kind: ClassVar[str] = "show"
    text: str
    seconds: float


@dataclass(frozen=True)
class StepEnded(Action):
    """A step that takes time ended: narration stops, text and guide fade away."""

    kind: ClassVar[str] = "step_end"
    step: StepKind
    interrupted: bool


@dataclass(frozen=True)
class Hold(Action):
    """The session waits for the therapist: `wait`, end of a `then: hold` scene, or ground."""

    kind: ClassVar[str] = "hold"
    reason: Literal["wait", "scene", "ground"]


@dataclass(frozen=True)
class Release(Action):
    kind: ClassVar[str] = "release"


@dataclass(frozen=True)
class Pause(Action):
    kind: ClassVar[str] = "pause"


@dataclass(frozen=True)
class Resume(Action):
    kind: ClassVar[str] = "resume"


@dataclass(frozen=True)
class Talk(Action):
    """The therapist speaks: everything goes low until `on` is False."""

    kind: ClassVar[str] = "talk"
    on: bool


@dataclass(frozen=True)
class SetLevel(Action):
    kind: ClassVar[str] = "level"
    bus: Bus
    level: float


@dataclass(frozen=True)
class SetIntensity(Action):
    kind: ClassVar[str] = "intensity"
    level: float


@dataclass(frozen=True)
class SetTone(Action):
    """The composer's tone for every piece: -1 darker .. 1 brighter."""

    kind: ClassVar[str] = "tone"
    level: float


@dataclass(frozen=True)
class SetSteady(Action):
    """Hold the composer's harmony and texture (on) until released (off)."""

    kind: ClassVar[str] = "steady"
    on: bool


@dataclass(frozen=True)
class SetCaptions(Action):
    kind: ClassVar[str] = "captions"
    on: bool


@dataclass(frozen=True)
class End(Action):
    """The session is over: fade everything out over `fade` seconds."""

    kind: ClassVar[str] = "end"
    reason: str
    fade: float = 4.0


@dataclass(frozen=True)
class Recenter(Action):
    """Re-anchor a headset's view at the patient's head (no effect on a screen)."""

    kind: ClassVar[str] = "recenter"


@dataclass(frozen=True)
class Event:
    """Something the session record keeps: what happened, at which session time."""

    kind: str
    session_time: float
    play_time: float
    data: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "event": self.kind,
            "session_time": round(self.session_time, 3),
            "play_time": round(self.play_time, 3),
            **self.data,
        }
