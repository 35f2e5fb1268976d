"""Where a session that did not end should go on: read from its record.

`resume_point(record)` walks the events and returns the scene and step it stopped in, with
what the therapist had set (levels, intensity, captions, vitals interval), the dose clock,
and whether it was paused or grounded. `commands()` turns that into the engine commands
that put a fresh engine back there; `RecordWriter.resume` appends to the same record.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from companion.record import events as ev
from companion.record.reader import Record
from companion.record.summary import BUILT_IN_HAVEN

START_GROUNDED = "start_grounded"  # Engine.start_grounded, called directly
MONITORING = ("vitals", "checkpoint", "alert", "alert_ack", "ready_to_leave")


@dataclass
class ResumePoint:
    resumable: bool
    why_not: str | None = None
    scene: str | None = None
    step: int = 0
    scene_steps: int | None = None  # how many steps the scene has, when the record knows
    paused: bool = False
    hold: str | None = None
    grounded_from: tuple[str, int] | None = None
    levels: dict[str, float] = field(default_factory=dict)  # only those the therapist changed
    intensity: float | None = None
    tone: float | None = None  # the composer's, -1..1
    steady: bool | None = None  # the composer held
    captions: bool | None = None
    vitals_minutes: float | None = None
    doses: list[dict[str, Any]] = field(default_factory=list)  # record (session) times
    vitals_checks: int = 0
    vitals_due: float | None = None
    protocol: dict[str, Any] | None = None  # the protocol as the record kept it
    # the recorded vitals, checkpoints, alerts and ready-to-leave: (kind, event, session time)
    monitoring: list[tuple[str, dict[str, Any], float]] = field(default_factory=list)
    stopped_at: float = 0.0
    play_time: float = 0.0
    script_path: Path | None = None
    script_copy: Path | None = None
    script_sha256: str | None = None

    def commands(self) -> list[tuple[str, dict[str, Any]]]:
        """Engine commands (name, arguments), in order, that restore this point on a fresh
        engine: start where it stopped (or, grounded, `start_grounded`: the safe scene at its
        step, with Return leading back; the one item that is an Engine method, not a command),
        then the therapist's settings, then pause if it was paused.
        The dose clock has no command: restore it from `doses` (see docs/record.md)."""
        if not self.resumable or self.scene is None:
            return []
        if self.grounded_from is not None:  # Engine.start_grounded: no visit to the scene first
            scene, step = self.grounded_from
            out: list[tuple[str, dict[str, Any]]] = [
                (START_GROUNDED, {"from_scene": scene, "from_step": step, "step": self.step}),
            ]
        else:
            out = [("start", {"scene": self.scene, "step": self.step})]
        out += [("volume", {"bus": bus, "level": level}) for bus, level in self.levels.items()]
        if self.intensity is not None:
            out.append(("intensity", {"level": self.intensity}))
        if self.tone is not None:
            out.append(("tone", {"level": self.tone}))
        if self.steady is not None:
            out.append(("steady", {"on": self.steady}))
        if self.captions is not None:
            out.append(("captions", {"on": self.captions}))
        if self.vitals_minutes is not None:
            out.append(("vitals_interval", {"minutes": self.vitals_minutes}))
        if self.paused:
            out.append(("pause", {}))
        return out

    def script_to_play(self) -> tuple[Path | None, str | None]:
        """The script to resume with, and a warning: the original when it is unchanged
        (its relative sound files still resolve), else the record's copy."""
        if self.script_path is not None and self.script_path.is_file() and self.script_sha256:
            if hashlib.sha256(self.script_path.read_bytes()).hexdigest() == self.script_sha256:
                return self.script_path, None
            warning = (
                f"{self.script_path} changed since the session started; "
                "resuming with the record's copy"
            )
        else:
            warning = f"{self.script_path or 'the script'} is gone; resuming with the record's copy"
        if self.script_copy is None:
            return None, "neither the script nor the record's copy of it can be found"
        return self.script_copy, warning + " (sound files given by relative path may not be found)"

    def to_json(self) -> dict[str, Any]:
        return {
            "resumable": self.resumable,
            "why_not": self.why_not,
            "scene": self.scene,
            "step": self.step,
            "paused": self.paused,
            "hold": self.hold,
            "grounded_from": list(self.grounded_from) if self.grounded_from else None,
            "levels": dict(self.levels),
            "intensity": self.intensity,
            "tone": self.tone,
            "steady": self.steady,
            "captions": self.captions,
            "vitals_minutes": self.vitals_minutes,
            "doses": list(self.doses),
            "vitals_checks": self.vitals_checks,
            "vitals_due": self.vitals_due,
            "stopped_at": self.stopped_at,
            "play_time": self.play_time,
        }


class _Walk:
    """The events walked once, in order (from `record.iter_events()`, or fed by the reader's
    own pass through `collector()`)."""

    def __init__(self) -> None:
        self.point: ResumePoint | None = None
        self.steps_of: dict[Any, Any] = {}
        self.entry: list[int] = []

    def take(self, event: dict[str, Any]) -> None:
        if self.point is None:
            self.point = ResumePoint(resumable=True)
        if event.get("event") == "run_start" and not self.steps_of:
            self.steps_of = {
                s.get("id"): s.get("steps") for s in event.get("scenes", ()) if isinstance(s, dict)
            }
        _apply(self.point, event, self.steps_of, self.entry)


def collector() -> Callable[[dict[str, Any]], None]:
    """Pass as `load_record(..., observe=...)`, then to `resume_point(record, collected)`."""
    return _Walk().take


def resume_point(
    record: Record, collected: Callable[[dict[str, Any]], None] | None = None
) -> ResumePoint:
    """Where `record` should go on. `collected`: a `collector()` that saw the reader's pass
    (else the events are read again)."""
    if collected is not None:
        walk: _Walk = collected.__self__  # type: ignore[attr-defined]
    else:
        walk = _Walk()
        for event in record.iter_events():
            walk.take(event)
    start = record.start
    point = walk.point or ResumePoint(resumable=True)
    script_path = start.get("script_path")
    point.script_path = Path(script_path) if isinstance(script_path, str) else None
    point.script_copy = record.script_copy
    point.script_sha256 = start.get("script_sha256")
    point.stopped_at = record.length
    point.play_time = record.play_time
    if record.ended:
        point.resumable, point.why_not = False, "the session ended"
    elif point.scene is None:
        point.resumable, point.why_not = False, "the session never started; start it anew"
    elif point.scene == BUILT_IN_HAVEN and point.grounded_from is None:
        point.resumable, point.why_not = (
            False,
            "stopped in the built-in haven with no scene to return to",
        )
    return point


def _apply(
    point: ResumePoint, event: dict[str, Any], steps_of: dict[Any, Any], entry: list[int]
) -> None:
    kind = event.get("event")
    step = _STEPS.get(kind) if isinstance(kind, str) else None
    if step is not None:
        step(_Read(point, event, steps_of, entry))
    elif kind in MONITORING:
        point.monitoring.append((str(kind), event, float(event.get("session_time", 0.0))))


@dataclass
class _Read:
    """One event as resume reads it, with what the walk has learnt so far."""

    point: ResumePoint
    event: dict[str, Any]
    steps_of: dict[Any, Any]
    entry: list[int]


def _session_start(r: _Read) -> None:
    r.entry[:] = [int(r.event.get("step", 0))]


def _scene_start(r: _Read) -> None:
    # Any move to a scene ends grounding; a ground's own move is followed by its event.
    point = r.point
    point.scene, point.hold, point.grounded_from = str(r.event.get("scene")), None, None
    point.step = r.entry.pop() if r.entry else 0
    steps = r.steps_of.get(point.scene)
    point.scene_steps = steps if isinstance(steps, int) else None


def _step_start(r: _Read) -> None:
    r.point.step, r.point.hold = int(r.event.get("step", 0)), None


def _hold(r: _Read) -> None:
    point = r.point
    point.hold = str(r.event.get("reason"))
    if point.hold in ("scene", "ground"):  # every step has played: start after the last
        point.step = point.scene_steps if point.scene_steps is not None else point.step + 1


def _ground(r: _Read) -> None:
    r.point.grounded_from = (str(r.event.get("scene")), int(r.event.get("step", 0)))


def _return(r: _Read) -> None:  # back where it was grounded from, at that step
    r.point.grounded_from, r.point.step = None, int(r.event.get("step", r.point.step))


def _pause(r: _Read) -> None:
    r.point.paused = True


def _unpause(r: _Read) -> None:
    # resume; or a gap: a resumed run re-applies its own pause, if any, as a command
    r.point.paused = False


def _command(r: _Read) -> None:
    if r.event.get("ok"):
        _apply_setting(r.point, r.event.get("command"), r.event.get("args") or {})


def _vitals_interval(r: _Read) -> None:
    r.point.vitals_minutes = float(r.event.get("minutes", 0.0))


def _medicine(r: _Read) -> None:
    event = r.event
    dose = {"session_time": event.get("session_time"), "text": event.get("text", "")}
    dose.update({key: event[key] for key in ("route", "dose", "unit", "lot") if key in event})
    r.point.doses.append(dose)


def _protocol(r: _Read) -> None:
    if isinstance(r.event.get("definition"), dict):
        r.point.protocol = r.event["definition"]


def _vitals_due(r: _Read) -> None:
    r.point.vitals_due = r.event.get("due")


def _vitals_ack(r: _Read) -> None:
    r.point.vitals_checks += 1
    r.point.vitals_due = None


# kind -> what it tells resume (record/events.py declares every kind); the monitoring kinds
# (MONITORING) are kept whole for the engine's monitoring to take back; the rest pass.
_STEPS: dict[str, Callable[[_Read], None]] = {
    ev.SessionStart.kind: _session_start,
    ev.SceneStart.kind: _scene_start,
    ev.StepStart.kind: _step_start,
    ev.Hold.kind: _hold,
    ev.Ground.kind: _ground,
    ev.Return.kind: _return,
    ev.Pause.kind: _pause,
    ev.Resume.kind: _unpause,
    ev.Gap.kind: _unpause,
    ev.Command.kind: _command,
    ev.VitalsInterval.kind: _vitals_interval,
    ev.Medicine.kind: _medicine,
    ev.ProtocolKept.kind: _protocol,
    ev.VitalsDue.kind: _vitals_due,
    ev.VitalsAck.kind: _vitals_ack,
}


def _apply_setting(point: ResumePoint, name: Any, args: dict[str, Any]) -> None:
    """A therapist's setting from a recorded command (its arguments checked here: the reader
    checks that `args` is an object, not what is in it)."""
    level = args.get("level")
    level_ok = isinstance(level, (int, float)) and not isinstance(level, bool) and 0 <= level <= 10
    if name == "volume" and isinstance(args.get("bus"), str) and level_ok:
        point.levels[args["bus"]] = float(level)  # type: ignore[arg-type]  # level_ok
    elif name == "intensity" and level_ok:
        point.intensity = float(level)  # type: ignore[arg-type]  # level_ok
    elif name == "captions" and isinstance(args.get("on"), bool):
        point.captions = args["on"]
    elif (
        name == "tone"
        and isinstance(level, (int, float))
        and not isinstance(level, bool)
        and -1 <= level <= 1
    ):
        point.tone = float(level)
    elif name == "steady" and isinstance(args.get("on"), bool):
        point.steady = args["on"]


# --- what the panel shows going on (issue 16): kept apart from the resume point above --------


@dataclass
class PanelContinuity:
    """What the therapist saw before the stop and should see again after `companion resume`:
    the notes (record times) and whether Talk was on. How long the session was stopped is
    the record writer's measure (`RecordWriter.offline_seconds`, the gap's), not another."""

    notes: list[dict[str, Any]] = field(default_factory=list)
    talk: bool = False

    def engine_notes(self, offset: float) -> list[dict[str, Any]]:
        """The notes in a fresh engine's times (record time less the run's offset), to put
        back into engine.notes: the panel then lists them with their record times."""
        return [
            {**note, "session_time": round(float(note["session_time"]) - offset, 3)}
            for note in self.notes
        ]


def panel_continuity(record: Record) -> PanelContinuity:
    """Read from a record that did not end, before the resumed run appends to it."""
    out = PanelContinuity()
    for event in record.events:
        kind = event.get("event")
        if kind == "note" and isinstance(event.get("text"), str):
            out.notes.append(
                {
                    "text": event["text"],
                    "session_time": float(event.get("session_time", 0.0)),
                    "scene": event.get("scene"),
                }
            )
        elif kind == "command" and event.get("ok") and event.get("command") == "talk":
            args = event["args"] if isinstance(event.get("args"), dict) else {}
            out.talk = bool(args.get("on"))
    return out
