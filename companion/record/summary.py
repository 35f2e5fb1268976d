"""What happened in a session, read from its record: the facts, the scenes on a timeline,
pauses, grounding, notes, the therapist's actions, the dose clock, signals and faults.
The reports (HTML, Markdown) and `companion records` are drawn from this."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import Any

from companion.record import events as ev
from companion.record.clinic import Clinic, offset_text, zone_named
from companion.record.clinical import KINDS as CLINICAL_KINDS
from companion.record.clinical import Clinical
from companion.record.reader import Record
from companion.record.said import KINDS as SAID_KINDS
from companion.record.said import Said

BUILT_IN_HAVEN = "built-in-haven"
SLIDERS = ("volume", "intensity", "tone")  # a drag sends one command per move
SLIDER_RUN = 10.0  # seconds: moves closer than this are one action in the report
GROUNDING = "grounding"
UNKNOWN = "unknown"  # a fault row's kind: an event this version does not know
COMMAND_NAMES = {
    "next_step": "next step",
    "next_scene": "next scene",
    "previous_scene": "previous scene",
    "goto": "go to scene",
    "ack_vitals": "vitals checked",
    "ack_signal": "signal answered",
    "vitals_interval": "vitals interval",
    "patient_signal": "patient signal",
    "talk": "talk",
    "medicine": "medicine given",
    "return": "return from ground",
    "vitals": "vitals entered",
    "ack_alert": "alert acknowledged",
    "ready_to_leave": "ready to leave",
}


@dataclass(frozen=True)
class SceneSpan:
    scene: str
    title: str
    phase: str | None
    start: float
    end: float

    @property
    def length(self) -> float:
        return max(0.0, self.end - self.start)


@dataclass(frozen=True)
class Interval:
    kind: str  # pause | gap
    start: float
    end: float


@dataclass(frozen=True)
class Mark:
    """A moment on the timeline: a note, a ground, the medicine, a fault..."""

    kind: str
    time: float
    label: str
    wall: float | None = None
    scene: str | None = None


@dataclass
class Action:
    time: float
    wall: float | None
    command: str
    detail: str
    source: str
    ok: bool
    reason: str | None
    count: int = 1  # a run of the same setting moved again and again (a slider) is one row
    until: float | None = None


@dataclass(frozen=True)
class VitalsCheck:
    due: float
    raised: float
    acknowledged: float | None
    late: float | None


@dataclass
class DoseClock:
    doses: list[Mark] = field(default_factory=list)
    interval_changes: list[tuple[float, float]] = field(default_factory=list)  # (time, minutes)
    checks: list[VitalsCheck] = field(default_factory=list)

    @property
    def missed(self) -> list[VitalsCheck]:
        return [c for c in self.checks if c.acknowledged is None]


@dataclass
class Summary:
    title: str
    script: str
    script_sha256: str | None
    patient: str | None
    started: datetime | None
    length: float
    play_time: float
    ended: bool
    end_reason: str | None
    stopped_in: tuple[str, int] | None  # scene and step where an unfinished session stopped
    versions: dict[str, Any]
    display: Any
    sound: Any
    scenes: list[SceneSpan]
    steps: list[tuple[float, str, int, str]]
    intervals: list[Interval]
    marks: list[Mark]
    notes: list[Mark]
    actions: list[Action]
    dose: DoseClock
    signals: list[Mark]
    faults: list[Mark]
    problems: list[str]
    zone: tzinfo
    zone_name: str = "UTC"  # the clinic's zone as people read it: Europe/Berlin
    record_id: str = ""
    clinic: str | None = None
    clinician: str | None = None
    session_started: bool = True
    adverse_events: str | None = None  # the therapist's closing entries (the latest)
    outcome: str | None = None
    closing_at: float | None = None
    # The time after the end (the panel stayed for ratings, vitals and the closing entries):
    # when the session ended and when the therapist closed it, wall clock; None when not.
    ended_wall: float | None = None
    closed_wall: float | None = None
    after_end: float | None = None  # seconds from the end to the close
    clock_jumps: int = 0
    clinical: Clinical = field(default_factory=Clinical)  # vitals, protocol, checkpoints
    said: Said = field(default_factory=Said)  # ratings, mood, questionnaires; music's seeds

    @property
    def pauses(self) -> list[Interval]:
        return [i for i in self.intervals if i.kind == "pause"]

    @property
    def gaps(self) -> list[Interval]:
        return [i for i in self.intervals if i.kind == "gap"]

    def phase_times(self) -> list[tuple[str, float, float, float]]:
        """(phase, first start, last end, total time in it), in order of first appearance."""
        phases: dict[str, list[float]] = {}
        for span in self.scenes:
            name = span.phase or GROUNDING
            start, end, total = phases.get(name, [span.start, span.end, 0.0])
            phases[name] = [min(start, span.start), max(end, span.end), total + span.length]
        return [(name, *values) for name, values in phases.items()]  # type: ignore[misc]

    def clock_at(self, wall: float | None) -> str:
        """The wall-clock time of an event, in the clinic's zone."""
        if wall is None:
            return ""
        return datetime.fromtimestamp(wall, self.zone).strftime("%H:%M:%S")

    @property
    def local_start(self) -> datetime | None:
        """When the run started, in the clinic's zone."""
        return self.started.astimezone(self.zone) if self.started else None

    def zone_label(self) -> str:
        """'Europe/Berlin, UTC+01:00' (the offset on the session's day)."""
        moment = self.local_start or datetime.now(self.zone)
        offset = offset_text(moment)
        return offset if self.zone_name in ("", offset) else f"{self.zone_name}, {offset}"


def format_time(seconds: float | None) -> str:
    """Session time: 12:05 under an hour, 1:02:05 from an hour."""
    if seconds is None:
        return ""
    whole = int(round(max(seconds, 0.0)))
    hours, minutes, secs = whole // 3600, whole // 60 % 60, whole % 60
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def format_span(seconds: float) -> str:
    """A duration for a sentence: '41 s', '1:05:00', or '11574 days' (a broken clock)."""
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 3 * 86400:
        return format_time(seconds)
    return f"{seconds / 86400:.0f} days"


def collector() -> Callable[[dict[str, Any]], None]:
    """Something to pass as `load_record(..., observe=...)`, then to `summarize(...,
    collected=...)`: the summary is built in the reader's one pass over the file."""
    return _Builder({}).take


def summarize(
    record: Record,
    clinic: Clinic | None = None,
    collected: Callable[[dict[str, Any]], None] | None = None,
) -> Summary:
    """The facts of `record`. `clinic` (the config's, at report time) names the clinic and
    its zone when the record does not. `collected`: a `collector()` that already saw every
    event (else the events are read again)."""
    start = record.start
    started = parse_date(start.get("date"))
    zone_name = (clinic.timezone if clinic and clinic.timezone else None) or start.get("timezone")
    zone = zone_named(zone_name)
    if zone is None:
        zone_name = ""
        zone = started.tzinfo if started and started.tzinfo else UTC
    if collected is not None:
        builder = collected.__self__  # type: ignore[attr-defined]
    else:
        builder = _Builder({})
        for event in record.iter_events():
            builder.take(event)
    # The session's length ends at its end, not after the closing fade and the program's exit.
    length = builder.end_time if builder.end_time is not None else record.length
    builder.finish(length)
    ended = record.ended
    return Summary(
        title=str(start.get("title") or start.get("script") or record.id),
        script=str(start.get("script") or "unknown"),
        script_sha256=start.get("script_sha256"),
        patient=start.get("patient"),
        started=started,
        length=length,
        play_time=record.play_time,
        ended=ended,
        end_reason=builder.end_reason,
        stopped_in=None if ended or builder.scene is None else (builder.scene, builder.step),
        versions=start.get("versions") or {},
        display=start.get("display"),
        sound=start.get("sound"),
        scenes=builder.spans,
        steps=builder.steps,
        intervals=builder.intervals,
        marks=builder.marks,
        notes=[m for m in builder.marks if m.kind == "note"],
        actions=builder.actions,
        dose=builder.dose,
        signals=[m for m in builder.marks if m.kind in ("signal", "signal_ack")],
        faults=builder.faults,
        problems=[str(p) for p in record.problems],
        zone=zone,
        zone_name=str(zone_name or ""),
        record_id=record.id,
        clinic=start.get("clinic") or (clinic.name if clinic else None),
        clinician=builder.clinician or start.get("clinician"),
        session_started=record.started,
        adverse_events=builder.closing.get("adverse_events"),
        outcome=builder.closing.get("outcome"),
        closing_at=builder.closing.get("at"),
        ended_wall=builder.end_wall,
        closed_wall=builder.closed_wall,
        after_end=builder.after_end,
        clock_jumps=builder.clock_jumps,
        clinical=builder.clinical,
        said=builder.said,
    )


class _Builder:
    """Walks the events once, in order."""

    def __init__(self, scene_info: dict[str, dict[str, Any]]) -> None:
        self.scene_info = scene_info
        self.spans: list[SceneSpan] = []
        self.steps: list[tuple[float, str, int, str]] = []
        self.intervals: list[Interval] = []
        self.marks: list[Mark] = []
        self.actions: list[Action] = []
        self.dose = DoseClock()
        self.faults: list[Mark] = []
        self.end_reason: str | None = None
        self.end_time: float | None = None
        self.end_wall: float | None = None
        self.closed_wall: float | None = None
        self.after_end: float | None = None
        self.clinician: str | None = None
        self.closing: dict[str, Any] = {}
        self.clock_jumps = 0
        self.clinical = Clinical()
        self.said = Said()
        self._interval: float | None = None
        self.scene: str | None = None
        self.step = 0
        self._open_scene: tuple[str, float] | None = None
        self._paused_at: float | None = None
        self._failing: set[str] = set()
        self._due: dict[float, float] = {}  # vitals due time -> when the reminder was raised

    def take(self, event: dict[str, Any]) -> None:
        kind = event.get("event")
        if kind == "run_start" and not self.scene_info:
            scenes = event.get("scenes", ())
            self.scene_info = {str(s.get("id")): s for s in scenes if isinstance(s, dict)}
        at = float(event.get("session_time") or 0.0)
        wall = event.get("wall") if isinstance(event.get("wall"), (int, float)) else None
        handler = _HANDLERS.get(kind) if isinstance(kind, str) else None
        if handler is not None:
            handler(self, event, at, wall)
        elif not ev.is_known(kind):  # from a newer Companion: kept, and shown
            self.faults.append(Mark(UNKNOWN, at, ev.unknown_label(event), wall))
        if kind in CLINICAL_KINDS:
            self.clinical.take(str(kind), event, at, wall)
        elif kind in SAID_KINDS:
            self.said.take(str(kind), event, at, wall)

    def finish(self, length: float) -> None:
        self._close_scene(length)
        self._close_pause(length)
        for due, raised in self._due.items():
            self.dose.checks.append(VitalsCheck(due, raised, None, None))
        self.dose.checks.sort(key=lambda c: c.due)

    # --- scenes, steps, pauses, gaps ---

    def _close_scene(self, at: float) -> None:
        if self._open_scene is not None:
            scene, began = self._open_scene
            info = self.scene_info.get(scene, {})
            title = (
                "Haven (built in)" if scene == BUILT_IN_HAVEN else str(info.get("title") or scene)
            )
            self.spans.append(SceneSpan(scene, title, info.get("phase"), began, max(at, began)))
            self._open_scene = None

    def _close_pause(self, at: float) -> None:
        if self._paused_at is not None:
            self.intervals.append(Interval("pause", self._paused_at, max(at, self._paused_at)))
            self._paused_at = None

    def _on_scene_start(self, event: dict[str, Any], at: float, wall: float | None) -> None:
        self._close_scene(at)
        self.scene, self.step = str(event.get("scene")), 0
        self._open_scene = (self.scene, at)

    def _on_step_start(self, event: dict[str, Any], at: float, wall: float | None) -> None:
        self.step = int(event.get("step", 0))
        self.steps.append((at, str(event.get("scene")), self.step, str(event.get("step_kind", ""))))

    def _on_pause(self, event: dict[str, Any], at: float, wall: float | None) -> None:
        if self._paused_at is None:
            self._paused_at = at

    def _on_resume(self, event: dict[str, Any], at: float, wall: float | None) -> None:
        self._close_pause(at)

    def _on_gap(self, event: dict[str, Any], at: float, wall: float | None) -> None:
        stopped = float(event.get("stopped_at", at))
        self._close_scene(stopped)
        self._close_pause(stopped)
        self.intervals.append(Interval("gap", stopped, at))
        offline = event.get("offline_seconds")
        label = "the program stopped; resumed here"
        if isinstance(offline, (int, float)):
            label += f" after {format_time(offline)} away"
        else:
            label += " (the time away is unknown)"
        self.marks.append(Mark("gap", at, label, wall))
        if event.get("clinician"):
            self.clinician = str(event["clinician"])
        if event.get("clock_note"):
            self.faults.append(Mark("warning", at, str(event["clock_note"]), wall))

    def _on_clock_jump(self, event: dict[str, Any], at: float, wall: float | None) -> None:
        by = float(event["by"])
        self.clock_jumps += 1
        self.faults.append(
            Mark(
                "warning",
                at,
                (
                    f"the computer's clock was changed ({'forward' if by > 0 else 'back'} by "
                    f"{format_span(abs(by))}); the session's times and the clock times in this "
                    "report go on from the clock as it was"
                ),
                wall,
            )
        )

    def _on_closing(self, event: dict[str, Any], at: float, wall: float | None) -> None:
        self.closing = {
            "adverse_events": event.get("adverse_events") or self.closing.get("adverse_events"),
            "outcome": event.get("outcome") or self.closing.get("outcome"),
            "at": at,
        }

    def _on_end(self, event: dict[str, Any], at: float, wall: float | None) -> None:
        if self.end_time is None:
            self.end_time, self.end_wall = at, wall
        self.end_reason = str(event.get("reason") or "ended")
        self._close_scene(at)
        self._close_pause(at)
        self.marks.append(Mark("end", at, f"the session ended: {self.end_reason}", wall))

    def _on_closed(self, event: dict[str, Any], at: float, wall: float | None) -> None:
        """Closed by the therapist after the end (the panel stayed meanwhile)."""
        self.closed_wall = wall
        after = event.get("after_end")
        if isinstance(after, (int, float)) and not isinstance(after, bool):
            self.after_end = float(after)

    def _on_hold(self, event: dict[str, Any], at: float, wall: float | None) -> None:
        reasons = {
            "wait": "waits for the therapist",
            "scene": "holds at the end of the scene",
            "ground": "holds in the safe place",
        }
        self.marks.append(Mark("hold", at, reasons.get(str(event.get("reason")), "holds"), wall))

    # --- the therapist and the clinic ---

    def _on_command(self, event: dict[str, Any], at: float, wall: float | None) -> None:
        name = str(event.get("command"))
        args = event["args"] if isinstance(event.get("args"), dict) else {}
        source = str(event.get("by") or who(str(event.get("source") or "")))
        if name in ("vitals", "ack_alert") and event.get("ok"):
            return  # in the vitals table with their alerts, not again among the actions
        last = self.actions[-1] if self.actions else None
        if (
            name in SLIDERS
            and last is not None
            and last.ok
            and bool(event.get("ok"))
            and last.source == source
            and last.command == COMMAND_NAMES.get(name, name)
            and at - (last.until or last.time) <= SLIDER_RUN
            and (name != "volume" or last.detail.split(" ")[0] == str(args.get("bus")))
        ):
            last.detail, last.count, last.until = _detail(name, args), last.count + 1, at
            return
        self.actions.append(
            Action(
                at,
                wall,
                COMMAND_NAMES.get(name, name.replace("_", " ")),
                _detail(name, args),
                source,
                bool(event.get("ok")),
                event.get("reason"),
            )
        )

    def _on_note(self, event: dict[str, Any], at: float, wall: float | None) -> None:
        scene = event.get("scene")
        self.marks.append(
            Mark(
                "note",
                at,
                str(event.get("text", "")),
                wall,
                str(scene) if scene is not None else self.scene,
            )
        )

    def _on_ground(self, event: dict[str, Any], at: float, wall: float | None) -> None:
        if event.get("restored"):  # a resume that goes on grounded: not a new ground
            return
        self.marks.append(
            Mark(
                "ground",
                at,
                f"grounded from {event.get('scene')} (step {event.get('step', 0) + 1})",
                wall,
            )
        )

    def _on_return(self, event: dict[str, Any], at: float, wall: float | None) -> None:
        self.marks.append(
            Mark(
                "return",
                at,
                f"returned to {event.get('scene')} (step {event.get('step', 0) + 1})",
                wall,
            )
        )

    def _on_medicine(self, event: dict[str, Any], at: float, wall: float | None) -> None:
        text = str(event.get("text") or "").strip()
        if "dose" in event or "route" in event:  # given with its dose: said as a clinician would
            dose = Clinical()
            dose.take("medicine", event, at, wall)
            text = dose.doses[0].describe()
        last = self.actions[-1] if self.actions else None
        if last is not None and last.command == "medicine given" and last.time == at:
            last.detail = text  # the dose as given, with the protocol's route and unit
        mark = Mark("medicine", at, text or "medicine given", wall)
        self.dose.doses.append(mark)
        self.marks.append(mark)

    def _on_vitals_interval(self, event: dict[str, Any], at: float, wall: float | None) -> None:
        minutes = float(event["minutes"])
        if minutes != self._interval:  # a resume sets the same interval again: not a change
            self.dose.interval_changes.append((at, minutes))
        self._interval = minutes

    def _on_vitals_due(self, event: dict[str, Any], at: float, wall: float | None) -> None:
        due = float(event.get("due", at))
        self._due[due] = at
        self.marks.append(Mark("vitals_due", at, "vitals check due", wall))

    def _on_vitals_ack(self, event: dict[str, Any], at: float, wall: float | None) -> None:
        due = float(event.get("due", at))
        raised = self._due.pop(due, due)
        late = event.get("late")
        self.dose.checks.append(
            VitalsCheck(due, raised, at, float(late) if isinstance(late, (int, float)) else None)
        )
        self.marks.append(Mark("vitals_ack", at, "vitals checked", wall))

    def _on_patient_signal(self, event: dict[str, Any], at: float, wall: float | None) -> None:
        self.marks.append(
            Mark("signal", at, f"the patient signalled (by {event.get('via', 'key')})", wall)
        )

    def _on_signal_ack(self, event: dict[str, Any], at: float, wall: float | None) -> None:
        self.marks.append(Mark("signal_ack", at, "the therapist answered the signal", wall))

    # --- faults ---

    def _on_health(self, event: dict[str, Any], at: float, wall: float | None) -> None:
        part, ok = str(event.get("part")), bool(event.get("ok"))
        message = str(event.get("message") or "")
        if not ok:
            self._failing.add(part)
            self._fault(Mark("fault", at, f"{part}: {message or 'not working'}", wall))
        elif part in self._failing:
            self._failing.discard(part)
            self.faults.append(Mark("recovered", at, f"{part}: {message or 'working again'}", wall))

    def _on_fault(self, event: dict[str, Any], at: float, wall: float | None) -> None:
        self._fault(
            Mark("fault", at, f"{event.get('part', 'app')}: {event.get('message', '')}", wall)
        )

    def _on_warning(self, event: dict[str, Any], at: float, wall: float | None) -> None:
        self.faults.append(Mark("warning", at, str(event.get("message", "")), wall))

    def _on_unrecordable(self, event: dict[str, Any], at: float, wall: float | None) -> None:
        self._fault(
            Mark(
                "fault",
                at,
                f"an event ({event.get('kind')}) could not be recorded: {event.get('error')}",
                wall,
            )
        )

    def _on_record_lost(self, event: dict[str, Any], at: float, wall: float | None) -> None:
        self._fault(
            Mark(
                "fault",
                at,
                f"record: {event.get('events')} events lost while the disk refused to write",
                wall,
            )
        )

    def _fault(self, mark: Mark) -> None:
        self.faults.append(mark)
        self.marks.append(mark)


# kind -> what the summary makes of it (record/events.py declares every kind). Kinds that
# need nothing here (run_start, heartbeat, seek, ...) are left out; kinds this version does
# not know are shown among the faults and warnings (`_Builder.take`).
Handler = Callable[["_Builder", dict[str, Any], float, float | None], None]
_HANDLERS: dict[str, Handler] = {
    ev.SceneStart.kind: _Builder._on_scene_start,
    ev.StepStart.kind: _Builder._on_step_start,
    ev.Pause.kind: _Builder._on_pause,
    ev.Resume.kind: _Builder._on_resume,
    ev.Gap.kind: _Builder._on_gap,
    ev.ClockJump.kind: _Builder._on_clock_jump,
    ev.Closing.kind: _Builder._on_closing,
    ev.End.kind: _Builder._on_end,
    ev.Closed.kind: _Builder._on_closed,
    ev.Hold.kind: _Builder._on_hold,
    ev.Command.kind: _Builder._on_command,
    ev.Note.kind: _Builder._on_note,
    ev.Ground.kind: _Builder._on_ground,
    ev.Return.kind: _Builder._on_return,
    ev.Medicine.kind: _Builder._on_medicine,
    ev.VitalsInterval.kind: _Builder._on_vitals_interval,
    ev.VitalsDue.kind: _Builder._on_vitals_due,
    ev.VitalsAck.kind: _Builder._on_vitals_ack,
    ev.PatientSignal.kind: _Builder._on_patient_signal,
    ev.SignalAck.kind: _Builder._on_signal_ack,
    ev.Health.kind: _Builder._on_health,
    ev.Fault.kind: _Builder._on_fault,
    ev.AppWarning.kind: _Builder._on_warning,
    ev.Unrecordable.kind: _Builder._on_unrecordable,
    ev.RecordLost.kind: _Builder._on_record_lost,
}


def _detail(name: str, args: dict[str, Any]) -> str:
    if name == "medicine" and ("dose" in args or "route" in args or "lot" in args):
        dose = Clinical()
        dose.take(
            "medicine",
            {
                k: v
                for k, v in args.items()
                if isinstance(v, (str, int, float)) and not isinstance(v, bool)
            },
            0.0,
            None,
        )
        return dose.doses[0].describe()
    if name == "note" or name == "medicine":
        return str(args.get("text", ""))
    if name == "vitals":  # the values are in the vitals table; here in a clinician's words
        return vitals_words(args)
    if name == "ack_alert":
        return ""
    if name == "volume":
        return f"{args.get('bus')} to {args.get('level')}"
    if name in ("intensity", "tone"):
        return f"to {args.get('level')}"
    if name in ("captions", "talk", "steady"):
        return "on" if args.get("on") else "off"
    if name == "vitals_interval":
        minutes = args.get("minutes")
        return every_minutes(minutes) if isinstance(minutes, (int, float)) else str(minutes)[:40]
    if name == "closing":
        return "the closing entries"
    if name in ("start", "goto") and isinstance(args.get("step"), int):
        args = {**args, "step": args["step"] + 1}  # steps are counted from 1 where people read
    return ", ".join(f"{key} {str(value)[:200]}" for key, value in args.items())


def vitals_words(values: dict[str, Any]) -> str:
    """'BP 124/78, HR 72, SpO2 98 %, RR 14, sedation 5, dissociation none'."""

    def number(key: str) -> str | None:
        value = values.get(key)
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        return f"{value:g}" if ok else None

    parts = []
    if number("systolic") and number("diastolic"):
        parts.append(f"BP {number('systolic')}/{number('diastolic')}")
    for key, label, unit in (
        ("heart_rate", "HR", ""),
        ("spo2", "SpO2", " %"),
        ("respiratory_rate", "RR", ""),
        ("sedation", "sedation", ""),
    ):
        if number(key):
            parts.append(f"{label} {number(key)}{unit}")
    if isinstance(values.get("dissociation"), str):
        parts.append(f"dissociation {values['dissociation'][:40]}")
    return ", ".join(parts)


def every_minutes(minutes: float) -> str:
    """'every 1 minute', 'every 15 minutes', 'every 2.5 minutes'."""
    return f"every {minutes:g} minute{'' if minutes == 1 else 's'}"


@functools.lru_cache(maxsize=256)
def who(source: str) -> str:
    """Who gave a command, as a person reads it: 'panel 2', 'the API', 'keys (patient's
    window)', never a network address (the panel names itself with `by` when it can)."""
    words = source.split()
    if not words:
        return "unknown"
    if words[0] == "panel":
        number = next((w.lstrip("#") for w in words[1:] if w.startswith("#")), "")
        return f"panel {number}".strip()
    if words[0] == "api":
        return "the API"
    if words[0] == "keys":
        return "keys (patient's window)"
    if words[0] == "resume":
        return "resume (restored)"
    return words[0][:40]


def parse_date(text: Any) -> datetime | None:
    if not isinstance(text, str):
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


__all__ = [
    "Summary",
    "summarize",
    "format_time",
    "SceneSpan",
    "Interval",
    "Mark",
    "Action",
    "DoseClock",
    "VitalsCheck",
]
