"""Every kind of event a session record holds, declared once: the contract between the engine
(and the record writer) that write events and the summary, resume, the validator and the
reports that read them.

Each kind is a frozen dataclass: its name (`kind`), its fields with their types, and who
writes it (`source`: the engine's timeline, its monitoring of the dose clock, the record
writer, or the app). The engine builds its events from these classes, so a misspelt field is
a type error; `data()` gives the fields as the record line holds them (beside `event`,
`session_time`, `play_time`, `seq` and `wall`, which every line has: see docs/record.md).

Readers dispatch on `KINDS`. A kind that is not in it comes from a newer Companion: it is
kept as it is (the validator checks only its common fields) and the report shows it among
the faults and warnings, never drops it (`is_known`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, ClassVar

OMIT = "omit_when_none"  # a field's metadata: left out of the line when None


def optional() -> Any:
    """A field that the line holds only when it has a value."""
    return field(default=None, metadata={OMIT: True})


@dataclass(frozen=True)
class RecordEvent:
    kind: ClassVar[str] = ""
    source: ClassVar[str] = ""

    def data(self) -> dict[str, Any]:
        """The event's own fields, in declaration order, as the record line holds them."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None and f.metadata.get(OMIT):
                continue
            out[f.metadata.get("name", f.name)] = value
        return out


# --- the engine's timeline (companion/session/engine.py) --------------------------------------


@dataclass(frozen=True)
class SessionStart(RecordEvent):
    """The therapist started the session (or a resume started it again) at `scene`, `step`."""

    kind: ClassVar[str] = "session_start"
    source: ClassVar[str] = "engine"
    title: str
    scene: str
    step: int


@dataclass(frozen=True)
class ProtocolKept(RecordEvent):
    """The dose protocol, as written, so resume and the report read it from the record."""

    kind: ClassVar[str] = "protocol"
    source: ClassVar[str] = "engine"
    name: str
    title: str
    route: str
    definition: dict[str, Any]


@dataclass(frozen=True)
class SceneStart(RecordEvent):
    """A scene began (index None: the built-in haven)."""

    kind: ClassVar[str] = "scene_start"
    source: ClassVar[str] = "engine"
    scene: str
    index: int | None
    environment: str


@dataclass(frozen=True)
class StepStart(RecordEvent):
    kind: ClassVar[str] = "step_start"
    source: ClassVar[str] = "engine"
    scene: str
    step: int
    step_kind: str | None


@dataclass(frozen=True)
class Hold(RecordEvent):
    """The timeline waits for the therapist: reason wait, scene (then: hold) or ground."""

    kind: ClassVar[str] = "hold"
    source: ClassVar[str] = "engine"
    reason: str


@dataclass(frozen=True)
class Pause(RecordEvent):
    kind: ClassVar[str] = "pause"
    source: ClassVar[str] = "engine"


@dataclass(frozen=True)
class Resume(RecordEvent):
    kind: ClassVar[str] = "resume"
    source: ClassVar[str] = "engine"


@dataclass(frozen=True)
class Ground(RecordEvent):
    """Grounded from `scene` at `step`; `restored`: a resume that goes on grounded."""

    kind: ClassVar[str] = "ground"
    source: ClassVar[str] = "engine"
    scene: str
    step: int
    restored: bool | None = optional()


@dataclass(frozen=True)
class Return(RecordEvent):
    kind: ClassVar[str] = "return"
    source: ClassVar[str] = "engine"
    scene: str
    step: int


@dataclass(frozen=True)
class Seek(RecordEvent):
    """The authors' preview jumped (companion/session/seek.py)."""

    kind: ClassVar[str] = "seek"
    source: ClassVar[str] = "engine"
    scene: str
    scene_time: float


@dataclass(frozen=True)
class End(RecordEvent):
    kind: ClassVar[str] = "end"
    source: ClassVar[str] = "engine"
    reason: str


@dataclass(frozen=True)
class Closed(RecordEvent):
    """The therapist closed the session after its end (the panel's "Close the session"):
    the time after the end, when ratings, vitals and the closing entries were taken."""

    kind: ClassVar[str] = "closed"
    source: ClassVar[str] = "engine"
    after_end: float  # seconds from the end to the close, on the session's clock


@dataclass(frozen=True)
class Command(RecordEvent):
    """A therapist's command, applied or refused (`reason`), before its effects."""

    kind: ClassVar[str] = "command"
    source: ClassVar[str] = "engine"
    command: str
    args: dict[str, Any]
    source_: str = field(metadata={"name": "source"})  # who sent it (panel, keys, api...)
    ok: bool = True
    reason: str | None = None


@dataclass(frozen=True)
class Note(RecordEvent):
    kind: ClassVar[str] = "note"
    source: ClassVar[str] = "engine"
    text: str
    session_time: float
    scene: str | None


@dataclass(frozen=True)
class Closing(RecordEvent):
    """The therapist's closing entries for the report (the latest stands)."""

    kind: ClassVar[str] = "closing"
    source: ClassVar[str] = "engine"
    adverse_events: str
    outcome: str


# --- what the patient says, and the patient's profile (companion/session/ratings.py,
# companion/patients/) -------------------------------------------------------------------------


@dataclass(frozen=True)
class Rating(RecordEvent):
    """How a scene (`target` scene, `name` its id, with its environment) or a piece of music
    felt to the patient (one of ratings.FEELINGS) and how much it resonated (0-10)."""

    kind: ClassVar[str] = "rating"
    source: ClassVar[str] = "engine"
    target: str
    name: str
    feeling: str | None = optional()
    resonance: int | None = optional()
    environment: str | None = optional()


@dataclass(frozen=True)
class Mood(RecordEvent):
    """The patient's own mood and anxiety (0-10), `when` before or after the session."""

    kind: ClassVar[str] = "mood"
    source: ClassVar[str] = "engine"
    when: str
    mood: int | None = optional()
    anxiety: int | None = optional()


@dataclass(frozen=True)
class QuestionnaireTaken(RecordEvent):
    """A PHQ-9 or GAD-7 with every answer (0-3), its score and severity band."""

    kind: ClassVar[str] = "questionnaire"
    source: ClassVar[str] = "engine"
    instrument: str
    answers: list[int]
    score: int
    severity: str
    follow_up: str | None = optional()  # PHQ-9 item 9 above 0


@dataclass(frozen=True)
class Fitting(RecordEvent):
    """What the patient's profile changed in the script, written before Start: each
    substitution (what, old, new, why, scene, text), notes on what could not be applied, and
    the profile's notes for the therapist (companion/patients/fitting.py)."""

    kind: ClassVar[str] = "fitting"
    source: ClassVar[str] = "app"
    patient: str | None
    substitutions: list[dict[str, Any]]
    warnings: list[str]
    notes: str


@dataclass(frozen=True)
class PatientSignal(RecordEvent):
    kind: ClassVar[str] = "patient_signal"
    source: ClassVar[str] = "engine"
    via: str


@dataclass(frozen=True)
class SignalAck(RecordEvent):
    kind: ClassVar[str] = "signal_ack"
    source: ClassVar[str] = "engine"
    raised_at: float


@dataclass(frozen=True)
class Health(RecordEvent):
    """A part (sound, speech, display, record) says how it is (companion/session/health.py)."""

    kind: ClassVar[str] = "health"
    source: ClassVar[str] = "engine"
    part: str
    ok: bool
    message: str


@dataclass(frozen=True)
class MusicStarted(RecordEvent):
    """The mixer started a composer piece (companion/audio/streams.py): its seed, so the
    session's music can be made again, the energy it started at, the session's music seed."""

    kind: ClassVar[str] = "music"
    source: ClassVar[str] = "engine"
    piece: str
    seed: int
    energy: float
    music_seed: int


# --- the dose clock and the clinic's monitoring (companion/session/monitoring.py) -------------


@dataclass(frozen=True)
class Medicine(RecordEvent):
    kind: ClassVar[str] = "medicine"
    source: ClassVar[str] = "monitoring"
    session_time: float
    text: str
    route: str | None = optional()
    dose: float | None = optional()
    unit: str | None = optional()
    lot: str | None = optional()


@dataclass(frozen=True)
class VitalsInterval(RecordEvent):
    kind: ClassVar[str] = "vitals_interval"
    source: ClassVar[str] = "monitoring"
    minutes: float


@dataclass(frozen=True)
class VitalsDue(RecordEvent):
    kind: ClassVar[str] = "vitals_due"
    source: ClassVar[str] = "monitoring"
    due: float
    minutes_since_dose: float | None = optional()


@dataclass(frozen=True)
class VitalsAck(RecordEvent):
    kind: ClassVar[str] = "vitals_ack"
    source: ClassVar[str] = "monitoring"
    due: float
    late: float | None = optional()


@dataclass(frozen=True)
class Vitals(RecordEvent):
    """One check's values (any subset), their flags, and the checkpoint it met."""

    kind: ClassVar[str] = "vitals"
    source: ClassVar[str] = "monitoring"
    systolic: float | None = optional()
    diastolic: float | None = optional()
    heart_rate: float | None = optional()
    spo2: float | None = optional()
    respiratory_rate: float | None = optional()
    sedation: int | None = optional()
    dissociation: str | None = optional()
    comment: str | None = optional()
    flags: dict[str, str] | None = optional()
    checkpoint: str | None = optional()
    checkpoint_clock: str | None = optional()
    on_time: bool | None = optional()
    minutes_since_dose: float | None = optional()


@dataclass(frozen=True)
class Checkpoint(RecordEvent):
    kind: ClassVar[str] = "checkpoint"
    source: ClassVar[str] = "monitoring"
    name: str
    clock: str
    status: str  # due, late, met, met late, missed
    due: float | None


@dataclass(frozen=True)
class Alert(RecordEvent):
    kind: ClassVar[str] = "alert"
    source: ClassVar[str] = "monitoring"
    id: int
    message: str
    signs: list[str]


@dataclass(frozen=True)
class AlertAck(RecordEvent):
    kind: ClassVar[str] = "alert_ack"
    source: ClassVar[str] = "monitoring"
    id: int


@dataclass(frozen=True)
class ReadyToLeave(RecordEvent):
    kind: ClassVar[str] = "ready_to_leave"
    source: ClassVar[str] = "monitoring"
    minutes_since_dose: float


@dataclass(frozen=True)
class DoseRestored(RecordEvent):
    kind: ClassVar[str] = "dose_restored"
    source: ClassVar[str] = "monitoring"
    doses: int
    given_at: float


# --- the record writer's own (companion/record/writer.py) --------------------------------------


@dataclass(frozen=True)
class RunStart(RecordEvent):
    """The first line: the record's format, the script (name, path, copy, SHA-256, title and
    scenes), the patient code, versions, platform, display, sound, boot clock, and the
    clinic's facts (clinic, clinician, timezone)."""

    kind: ClassVar[str] = "run_start"
    source: ClassVar[str] = "writer"
    record_format: int
    record: str
    date: str
    script: str
    script_path: str
    script_copy: str
    script_sha256: str
    patient: str | None


@dataclass(frozen=True)
class Gap(RecordEvent):
    """`companion resume` goes on in the same record after a stop: where it stopped, the
    time away (None: unknown) and why not, the run's facts again."""

    kind: ClassVar[str] = "gap"
    source: ClassVar[str] = "writer"
    stopped_at: float
    resumed_at: float
    offline_seconds: float | None
    clock_note: str | None
    repaired_torn_line: bool
    resume: dict[str, Any] | None
    took_over_lock: dict[str, Any] | None


@dataclass(frozen=True)
class Heartbeat(RecordEvent):
    kind: ClassVar[str] = "heartbeat"
    source: ClassVar[str] = "writer"


@dataclass(frozen=True)
class ClockJump(RecordEvent):
    kind: ClassVar[str] = "clock_jump"
    source: ClassVar[str] = "writer"
    by: float
    system_wall: float


@dataclass(frozen=True)
class RecordLost(RecordEvent):
    kind: ClassVar[str] = "record_lost"
    source: ClassVar[str] = "writer"
    events: int


@dataclass(frozen=True)
class Unrecordable(RecordEvent):
    """An event that could not be written as JSON: its kind and why."""

    kind: ClassVar[str] = "unrecordable"
    source: ClassVar[str] = "writer"
    kind_: str = field(metadata={"name": "kind"})
    error: str = ""


@dataclass(frozen=True)
class RunEnd(RecordEvent):
    kind: ClassVar[str] = "run_end"
    source: ClassVar[str] = "writer"
    reason: str


@dataclass(frozen=True)
class AppWarning(RecordEvent):
    kind: ClassVar[str] = "warning"
    source: ClassVar[str] = "app"
    message: str


@dataclass(frozen=True)
class Fault(RecordEvent):
    kind: ClassVar[str] = "fault"
    source: ClassVar[str] = "app"
    part: str
    message: str


ALL: tuple[type[RecordEvent], ...] = (
    SessionStart,
    ProtocolKept,
    SceneStart,
    StepStart,
    Hold,
    Pause,
    Resume,
    Ground,
    Return,
    Seek,
    End,
    Closed,
    Command,
    Note,
    Closing,
    Rating,
    Mood,
    QuestionnaireTaken,
    Fitting,
    PatientSignal,
    SignalAck,
    Health,
    MusicStarted,
    Medicine,
    VitalsInterval,
    VitalsDue,
    VitalsAck,
    Vitals,
    Checkpoint,
    Alert,
    AlertAck,
    ReadyToLeave,
    DoseRestored,
    RunStart,
    Gap,
    Heartbeat,
    ClockJump,
    RecordLost,
    Unrecordable,
    RunEnd,
    AppWarning,
    Fault,
)
KINDS: dict[str, type[RecordEvent]] = {cls.kind: cls for cls in ALL}


def is_known(kind: object) -> bool:
    """Whether this version knows events of `kind` (else a newer Companion wrote it)."""
    return isinstance(kind, str) and kind in KINDS


def unknown_label(event: dict[str, Any]) -> str:
    """How a report shows an event this version does not know: its kind and fields."""
    common = ("event", "seq", "session_time", "play_time", "wall")
    shown = ", ".join(f"{k} {str(v)[:80]}" for k, v in event.items() if k not in common)
    return f"an event this version does not know ({event.get('event')})" + (
        f": {shown}" if shown else ""
    )


__all__ = ["ALL", "KINDS", "RecordEvent", "is_known", "unknown_label"]
