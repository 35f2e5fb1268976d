"""The session engine: plays a script against a clock and obeys the therapist's commands.

It knows no Panda3D, no pygame and no web code. Each `tick()` moves the timeline to the
clock's present and returns the actions that fell due; `command()` applies a therapist's
command at once. Step times chain exactly from one to the next, so the timeline does not
depend on how often `tick()` is called, and pause freezes it exactly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from companion.record import events as ev
from companion.script import models
from companion.script.timing import EstimatedTiming, Timing, scene_seconds, step_seconds
from companion.session import actions as act
from companion.session import after_end, breath, care, grounding, navigation, settings
from companion.session.clock import Clock
from companion.session.commands import COMMANDS, CommandResult, Refused, parse_arguments
from companion.session.monitoring import Monitoring
from companion.session.state import (
    BUILT_IN_HAVEN,
    DEFAULT_INTENSITY,
    EPSILON,
    PRESENT_STEPS,
    RETURN_TRANSITION,
    GroundedFrom,
    Position,
    Presentation,
    State,
    sound_change,
)

__all__ = ["HANDLERS", "Engine", "GroundedFrom", "Position", "Presentation", "State"]

if TYPE_CHECKING:
    from companion.protocols.model import Protocol


class Engine:
    def __init__(
        self,
        script: models.Script,
        clock: Clock,
        timing: Timing | None = None,
        protocol: Protocol | None = None,
    ) -> None:
        self.script = script
        self.clock = clock
        self.timing: Timing = timing or EstimatedTiming()
        self.state = State.READY
        self.revision = 0
        self.levels: dict[str, float] = {
            "master": 1.0,
            "music": script.mix.music,
            "ambience": script.mix.ambience,
            "narration": script.mix.narration,
            "effects": 1.0,
        }
        self.intensity = DEFAULT_INTENSITY
        self.tone = 0.0  # the composer's, -1 darker .. 1 brighter
        self.steady = False  # the composer holds its harmony and texture
        self.captions = True
        self.talking = False
        self.notes: list[dict[str, Any]] = []
        self.hold_reason: str | None = None
        # the dose clock, vitals, checkpoints and alerts (companion/session/monitoring.py)
        self.monitoring = Monitoring(
            self._event, lambda: self.session_time, self._changed, protocol
        )
        self.patient_signal: dict[str, Any] | None = None
        self.end_reason: str | None = None
        self._actions: list[act.Action] = []
        self._events: list[act.Event] = []
        self._position: Position | None = None
        self._presentation: Presentation | None = None
        self._grounded: GroundedFrom | None = None
        self._paused_from: State | None = None
        self._due: float | None = None
        self._play = 0.0
        self._started_at: float | None = None
        self._ended_at: float | None = None
        self.closed = False  # closed by the therapist after the end (the app then exits)
        self._closed_at: float | None = None
        self._last = clock.now()

    # --- time -------------------------------------------------------------------------

    def tick(self) -> list[act.Action]:
        """Move to the clock's present; return every action that fell due (in order)."""
        self._catch_up()
        return self.take_actions()

    def take_actions(self) -> list[act.Action]:
        out, self._actions = self._actions, []
        return out

    def take_events(self) -> list[act.Event]:
        out, self._events = self._events, []
        return out

    def time_to_next(self) -> float | None:
        """Seconds until the timeline next changes by itself; None while it waits."""
        position = self._position
        if self.state is not State.PLAYING or position is None or position.step_ends is None:
            return None
        return max(0.0, position.step_ends - self._play)

    @property
    def session_time(self) -> float:
        """Wall time since start (pauses included): what notes and the record are stamped with.
        It goes on after the end until the close: the dose clock, the vitals and the notes taken
        while the patient is observed are stamped when they happen."""
        if self._started_at is None:
            return 0.0
        end = self._closed_at if self._closed_at is not None else self.clock.now()
        return end - self._started_at

    @property
    def play_time(self) -> float:
        """Time the script has played (pauses excluded)."""
        return self._play

    def _catch_up(self) -> None:
        now = self.clock.now()
        if self.state in (State.PLAYING, State.HOLDING):
            self._play += max(0.0, now - self._last)
        self._last = now
        # The dose clock goes on after the end while the panel stays (vitals due, checkpoints,
        # ready to leave: the patient is observed until discharge), not after the close.
        if self.state is not State.READY and not self.closed:
            self.monitoring.tick()
        self._settle()

    def _settle(self) -> None:
        """Play every step (and rest) that has come due by the present play time."""
        while (
            self.state is State.PLAYING and self._position and self._position.step_ends is not None
        ):
            if self._play + EPSILON < self._position.step_ends:
                break
            self._due = self._position.step_ends  # events carry the time they fell due
            self._finish_step(self._position.step_ends, interrupted=False)
        self._due = None

    # --- the timeline -------------------------------------------------------------------

    def _enter_scene(
        self,
        index: int | None,
        at: float,
        step_index: int = 0,
        presentation: Presentation | None = None,
    ) -> None:
        scene = BUILT_IN_HAVEN if index is None else self.script.scenes[index]
        self._position = Position(index, scene, scene_started=at)
        transition = scene.transition if presentation is None else RETURN_TRANSITION
        look = (
            dict(presentation.look)
            if presentation
            else (scene.look.settings() if scene.look else {})
        )
        before = self._presentation
        # Sound carries over from scene to scene unless a scene sets it.
        self._presentation = Presentation(
            scene.environment,
            look,
            before.music if before else None,
            before.ambience if before else None,
        )
        self._emit(
            act.SceneChange(
                scene.id, scene.environment, dict(look), transition, self._phase_of(scene)
            )
        )
        if presentation is not None:
            for bus, change in (("music", presentation.music), ("ambience", presentation.ambience)):
                self._sound(  # the same change again (a piece keeps its energy), over the new fade
                    replace(change, fade=transition)
                    if change
                    else act.SoundChange(bus, (), 1.0, transition)  # type: ignore[arg-type]
                )
        else:
            for bus, spec in (("music", scene.music), ("ambience", scene.ambience)):
                if spec is not None:
                    self._sound(sound_change(bus, spec, spec.fade or transition))
        self.record(ev.SceneStart(scene.id, index, scene.environment))
        self._begin_step(step_index, at)

    def _phase_of(self, scene: models.Scene) -> str:
        return self.script.scene_phase(scene)

    def _begin_step(self, index: int, at: float) -> None:
        position = self._require_position()
        steps = position.scene.steps
        position.step_index, position.step_started = index, at
        self._changed()
        if index >= len(steps):
            rest_until = position.scene_started + (position.scene.duration or 0.0)
            position.step_ends = max(at, rest_until)
            return
        step = steps[index]
        seconds = step_seconds(step, self.script, self.timing)
        position.step_ends = at + seconds
        self.record(ev.StepStart(position.scene.id, index, models.step_kind(step)))
        match step:
            case models.SayStep():
                self._emit(act.Say(step.say, seconds, step.caption, step.id, step.audio))
            case models.BreatheStep(breathe=b):
                self._emit(act.Breathe(b.in_, b.hold, b.out, b.rest, b.cycles, b.sound))
            case models.ChimeStep():
                self._emit(act.Chime(step.chime))
            case models.ShowStep():
                self._emit(act.ShowText(step.show, seconds))
            case models.MusicStep():
                self._sound(sound_change("music", step.music, step.fade or step.music.fade or 0.0))
            case models.AmbienceStep():
                self._sound(
                    sound_change("ambience", step.ambience, step.fade or step.ambience.fade or 0.0)
                )
            case models.LookStep():
                change = step.look.settings()
                self._require_presentation().look.update(change)
                self._emit(act.LookChange(change, step.look.fade or 0.0))
            case models.WaitStep():
                position.step_ends = None
                self._hold("wait")

    def _finish_step(self, at: float, interrupted: bool) -> None:
        """End the current step (or the scene's rest) at play time `at`, and go on."""
        position = self._require_position()
        steps = position.scene.steps
        if position.step_index >= len(steps):
            self._end_scene(at)
            return
        self._end_step_presence(interrupted)
        self._begin_step(position.step_index + 1, at)

    def _end_scene(self, at: float) -> None:
        position = self._require_position()
        scene = position.scene
        if self._grounded is not None and self._is_safe_scene(position):
            position.step_ends = None
            self._hold("ground")
        elif scene.then == "hold":
            position.step_ends = None
            self._hold("scene")
        elif scene.then == "end":
            self._end("the script ended")
        elif scene.then == "next":
            self._go_to_following(at)
        else:
            self._enter_scene(self.script.scene_index(scene.then), at)

    def _go_to_following(self, at: float) -> None:
        index = self._require_position().scene_index
        following = 0 if index is None else index + 1
        if following >= len(self.script.scenes):
            self._end("the script ended")
        else:
            self._enter_scene(following, at)

    def _hold(self, reason: str) -> None:
        self.state = State.HOLDING
        self.hold_reason = reason
        self._emit(act.Hold(reason))  # type: ignore[arg-type]
        self.record(ev.Hold(reason))

    def _release(self) -> None:
        self.state = State.PLAYING
        self.hold_reason = None
        self._emit(act.Release())

    def _end_step_presence(self, interrupted: bool) -> None:
        """A step that is heard or seen ends: its narration, text or guide goes away."""
        kind = models.step_kind(self.current_step())
        if kind in PRESENT_STEPS:
            self._emit(act.StepEnded(kind, interrupted))  # type: ignore[arg-type]

    def _end(self, reason: str) -> None:
        self._end_step_presence(interrupted=True)
        self.state = State.ENDED
        self.end_reason = reason
        self.hold_reason = None
        self._ended_at = self.clock.now()
        self._emit(act.End(reason))
        self.record(ev.End(reason))

    # --- commands -----------------------------------------------------------------------

    def command(self, name: str, source: str = "local", **args: Any) -> CommandResult:
        """Apply a therapist's command now. Never raises: refusals carry a reason."""
        self._catch_up()
        first_effect = len(self._events)
        try:
            parsed = parse_arguments(name, args)
            after_end.allows(self, name)
            HANDLERS[name](self, **parsed)
            result = CommandResult(name, True)
            self._settle()  # instant steps and empty rests after the move happen now, not next tick
            self._changed()
        except Refused as refusal:
            result = CommandResult(name, False, str(refusal))
        self.record(ev.Command(name, args, source, result.ok, result.reason))
        self._events.insert(first_effect, self._events.pop())  # the command before its effects
        return result

    def _require(self, *states: State) -> None:
        if self.state in states:
            return
        reasons = {
            State.READY: "the session has not started",
            State.ENDED: "the session has ended",
            State.PAUSED: "the session is paused",
            State.PLAYING: "the session is playing",
            State.HOLDING: "the session is holding",
        }
        raise Refused(reasons[self.state])

    def _cmd_start(self, scene: str | None = None, step: int = 0) -> None:
        self._require(State.READY)
        index = self._scene_named(scene) if scene is not None else 0
        if not 0 <= step <= len(self.script.scenes[index].steps):
            raise Refused(f"scene '{self.script.scenes[index].id}' has no step {step}")
        self._begin_session(self.script.scenes[index].id, step)
        self._enter_scene(index, self._play, step_index=step)

    def _begin_session(self, scene_id: str, step: int) -> None:
        self.state = State.PLAYING
        self._started_at = self.clock.now()
        self._last = self._started_at
        self.record(ev.SessionStart(self.script.title, scene_id, step))
        protocol = self.monitoring.protocol
        if protocol is not None:  # the record keeps it as written: resume and report read it
            self.record(
                ev.ProtocolKept(protocol.name, protocol.title, protocol.route, protocol.definition)
            )

    def _unpause(self) -> None:
        self.state = self._paused_from or State.PLAYING
        self._paused_from = None
        self._emit(act.Resume())
        self.record(ev.Resume())

    def _resume_for_navigation(self) -> None:
        """Moving somewhere while paused also resumes: the patient should not sit in a
        paused new scene."""
        if self.state is State.PAUSED:
            self._unpause()

    def _navigate(
        self, index: int | None, step: int = 0, presentation: Presentation | None = None
    ) -> None:
        """Go to scene `index` (None: the built-in haven) now, from any playing state."""
        self._resume_for_navigation()
        self._end_step_presence(interrupted=True)
        if self.state is State.HOLDING:
            self._release()
        self._grounded = None
        self._enter_scene(index, self._play, step_index=step, presentation=presentation)

    def _cmd_note(self, text: str) -> None:
        if not text.strip():
            raise Refused("a note cannot be empty")
        position = self._position
        note = ev.Note(
            text.strip(), round(self.session_time, 3), position.scene.id if position else None
        )
        self.notes.append(note.data())
        self.record(note)

    def _cmd_end(self) -> None:
        self._not_ended()
        self._end("ended by the therapist")

    def use_protocol(self, protocol: Protocol | None) -> None:
        """Monitor by `protocol` (before the session starts: its checkpoints count from the
        first dose and it is recorded at the start)."""
        if self.state is not State.READY:
            raise ValueError("the protocol is set before the session starts")
        self.monitoring = Monitoring(
            self._event, lambda: self.session_time, self._changed, protocol
        )
        self._changed()

    # the dose clock's state, read where it was read before it moved into monitoring
    @property
    def doses(self) -> list[dict[str, Any]]:
        return self.monitoring.doses

    @property
    def vitals_minutes(self) -> float:
        return self.monitoring.vitals_minutes

    @property
    def vitals_due(self) -> float | None:
        return self.monitoring.vitals_due

    @property
    def vitals_checks(self) -> int:
        return self.monitoring.vitals_checks

    def restore_dose_clock(
        self, doses: list[dict[str, Any]], checks: int = 0, due: float | None = None
    ) -> None:
        """On resume: the doses given before (in this engine's session times, which may be
        negative), the vitals checks done, and a reminder still unacknowledged."""
        if doses:
            self.monitoring.restore(doses, checks, due)

    def start_grounded(self, from_scene: str, from_step: int, step: int = 0) -> CommandResult:
        """On resume: start grounded in the safe scene (grounding.start_grounded says how)."""
        return grounding.start_grounded(self, from_scene, from_step, step)

    def dose_clock(self) -> dict[str, Any] | None:
        """Minutes since the (first) medicine, and when the next vitals check is due."""
        return self.monitoring.dose_clock()

    def _not_ended(self) -> None:
        if self.state is State.ENDED:
            raise Refused("the session has ended")

    # --- seeking (authors' preview and hot reload; not a therapist command): seek.py ------

    def seek(self, scene_id: str, scene_time: float, stop_at_holds: bool = True) -> None:
        """Jump to `scene_time` seconds into a scene (companion/session/seek.py says how)."""
        from companion.session.seek import seek

        seek(self, scene_id, scene_time, stop_at_holds)

    def music_started(self, info: dict[str, Any]) -> None:
        """The mixer started a composer piece: its seed goes into the record, so the
        session's music can be made again (`companion music render PIECE --seed S`)."""
        self.record(ev.MusicStarted(**info))

    # --- reading the state ---------------------------------------------------------------

    def breath(self) -> dict[str, Any] | None:
        """Where the breathing guide is: phase (in, hold, out, rest), its progress 0..1."""
        return breath.breath(self)

    def current_step(self) -> models.Model | None:
        position = self._position
        if position is None or position.step_index >= len(position.scene.steps):
            return None
        return position.scene.steps[position.step_index]

    @property
    def position(self) -> Position | None:
        return self._position

    @property
    def presentation(self) -> Presentation | None:
        return self._presentation

    @property
    def grounded(self) -> GroundedFrom | None:
        return self._grounded

    def snapshot(self) -> dict[str, Any]:
        from companion.session.snapshot import build_snapshot  # one module owns the shape

        self._catch_up()
        return build_snapshot(self)

    def estimated_scene_seconds(self, scene: models.Scene) -> float:
        return scene_seconds(scene, self.script, self.timing)

    # --- helpers -----------------------------------------------------------------------

    def _scene_named(self, scene_id: str) -> int:
        index = self.script.scene_index(scene_id)
        if index is None:
            from companion.script.findings import did_you_mean

            raise Refused(
                f"no scene '{scene_id}'{did_you_mean(scene_id, [s.id for s in self.script.scenes])}"
            )
        return index

    def _is_safe_scene(self, position: Position) -> bool:
        if position.scene_index is None:
            return True
        return self.script.safe_scene is not None and position.scene.id == self.script.safe_scene

    def _sound(self, change: act.SoundChange) -> None:
        presentation = self._require_presentation()
        setattr(presentation, change.bus, change)
        self._emit(change)

    def _copy_presentation(self) -> Presentation:
        p = self._require_presentation()
        return Presentation(p.environment, dict(p.look), p.music, p.ambience)

    def _require_position(self) -> Position:
        if self._position is None:
            raise Refused("the session has not started")
        return self._position

    def _require_presentation(self) -> Presentation:
        assert self._presentation is not None, "a scene is entered before anything is shown"
        return self._presentation

    def _emit(self, action: act.Action) -> None:
        self._actions.append(action)

    def record(self, event: ev.RecordEvent) -> None:
        """Keep `event` for the record, stamped with the session's times now (or, while the
        timeline catches up, the times it fell due)."""
        self._event(event.kind, **event.data())

    def touch(self) -> None:
        """Something the panel shows changed (it is sent at once)."""
        self._changed()

    def _event(self, event: str, **data: Any) -> None:
        """An event by its kind's name (monitoring's; every kind is in record/events.py)."""
        late = 0.0 if self._due is None else self._play - self._due
        self._events.append(act.Event(event, self.session_time - late, self._play - late, data))

    def _changed(self) -> None:
        self.revision += 1


# The therapist's commands: name -> the function that applies it (an engine method, or a
# function of the module that owns the feature: navigation, grounding, settings,
# care, after_end).
# Beside COMMANDS (companion/session/commands.py), which names each command's arguments and
# types: the two lists hold the same names (checked here, as the module loads).
HANDLERS: dict[str, Callable[..., None]] = {
    "start": Engine._cmd_start,
    "pause": navigation.pause,
    "resume": navigation.resume,
    "continue": navigation.continue_,
    "next_step": navigation.next_step,
    "next_scene": navigation.next_scene,
    "previous_scene": navigation.previous_scene,
    "goto": navigation.goto,
    "ground": grounding.ground,
    "return": grounding.return_,
    "talk": settings.talk,
    "volume": settings.volume,
    "intensity": settings.intensity,
    "tone": settings.tone,
    "steady": settings.steady,
    "captions": settings.captions,
    "note": Engine._cmd_note,
    "end": Engine._cmd_end,
    "close": after_end.close,
    "closing": after_end.closing,
    "rating": after_end.rating,
    "mood": after_end.mood,
    "questionnaire": after_end.questionnaire,
    "medicine": care.medicine,
    "vitals_interval": care.vitals_interval,
    "ack_vitals": care.ack_vitals,
    "vitals": care.vitals,
    "ack_alert": care.ack_alert,
    "ready_to_leave": care.ready_to_leave,
    "patient_signal": care.patient_signal,
    "ack_signal": care.ack_signal,
    "recenter": settings.recenter,
}
if HANDLERS.keys() != COMMANDS.keys():
    raise ImportError(
        f"commands without a handler or handlers without a command: "
        f"{sorted(HANDLERS.keys() ^ COMMANDS.keys())}"
    )
