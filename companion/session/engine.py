"""The session engine: plays a script against a clock and obeys the therapist's commands.

It knows no Panda3D, no pygame and no web code. Each `tick()` moves the timeline to the
clock's present and returns the actions that fell due; `command()` applies a therapist's
command at once. Step times chain exactly from one to the next, so the timeline does not
depend on how often `tick()` is called, and pause freezes it exactly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from companion.record import events as ev
from companion.script import catalog, models
from companion.script.timing import EstimatedTiming, Timing, scene_seconds, step_seconds
from companion.session import actions as act
from companion.session import ratings
from companion.session.clock import Clock
from companion.session.commands import (
    AFTER_END,
    AFTER_END_REFUSAL,
    COMMANDS,
    CommandResult,
    Refused,
    parse_arguments,
)
from companion.session.monitoring import Monitoring

if TYPE_CHECKING:
    from companion.protocols.model import Protocol

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
                    self._sound(self._sound_change(bus, spec, spec.fade or transition))
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
                self._sound(
                    self._sound_change("music", step.music, step.fade or step.music.fade or 0.0)
                )
            case models.AmbienceStep():
                self._sound(
                    self._sound_change(
                        "ambience", step.ambience, step.fade or step.ambience.fade or 0.0
                    )
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
            self._after_end_allows(name)
            HANDLERS[name](self, **parsed)
            result = CommandResult(name, True)
            self._settle()  # instant steps and empty rests after the move happen now, not next tick
            self._changed()
        except Refused as refusal:
            result = CommandResult(name, False, str(refusal))
        self.record(ev.Command(name, args, source, result.ok, result.reason))
        self._events.insert(first_effect, self._events.pop())  # the command before its effects
        return result

    def _after_end_allows(self, name: str) -> None:
        """After the end only what is entered then is taken (commands.AFTER_END); after the
        close, nothing."""
        if self.closed:
            raise Refused("the session is closed")
        if self.state is State.ENDED and name not in AFTER_END and name != "end":
            raise Refused(AFTER_END_REFUSAL.format(name=name))

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

    def _cmd_pause(self) -> None:
        self._require(State.PLAYING, State.HOLDING)
        self._paused_from = self.state
        self.state = State.PAUSED
        self._emit(act.Pause())
        self.record(ev.Pause())

    def _cmd_resume(self) -> None:
        self._require(State.PAUSED)
        self._unpause()

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

    def _cmd_continue(self) -> None:
        self._require(State.HOLDING)
        reason = self.hold_reason
        if reason == "ground":
            self._cmd_return()  # grounded at the end of the safe scene: continue goes back
            return
        self._release()
        if reason == "wait":
            self._begin_step(self._require_position().step_index + 1, self._play)
        else:  # the end of a `then: hold` scene: on to the next scene in order
            self._go_to_following(self._play)

    def _cmd_next_step(self) -> None:
        self._require(State.PLAYING, State.HOLDING, State.PAUSED)
        self._resume_for_navigation()
        if self.state is State.HOLDING:
            if self.hold_reason == "ground":
                raise Refused("grounded at the end of the safe scene: use return or continue")
            self._cmd_continue()
            return
        self._finish_step(self._play, interrupted=True)

    def _cmd_next_scene(self) -> None:
        self._jump(+1)

    def _cmd_previous_scene(self) -> None:
        self._jump(-1)

    def _jump(self, direction: int) -> None:
        self._require(State.PLAYING, State.HOLDING, State.PAUSED)
        position = self._require_position()
        base = self._grounded.scene_index if self._grounded else position.scene_index
        if base is None:
            raise Refused("not in a scene of the script; go to a scene by name")
        target = base + direction
        if target < 0:
            raise Refused("already at the first scene")
        if target >= len(self.script.scenes):
            raise Refused("already at the last scene; use end to finish the session")
        self._navigate(target)

    def _cmd_goto(self, scene: str) -> None:
        self._require(State.PLAYING, State.HOLDING, State.PAUSED)
        self._navigate(self._scene_named(scene))

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

    def _cmd_ground(self) -> None:
        self._require(State.PLAYING, State.HOLDING, State.PAUSED)
        if self._grounded is not None:
            raise Refused("already grounded")
        position = self._require_position()
        if self._is_safe_scene(position):
            raise Refused("already in the safe scene")
        remembered = GroundedFrom(
            position.scene_index,
            min(position.step_index, len(position.scene.steps)),
            self._copy_presentation(),
        )
        safe = self.script.scene_index(self.script.safe_scene) if self.script.safe_scene else None
        self._navigate(safe)
        self._grounded = remembered
        self.record(ev.Ground(position.scene.id, remembered.step_index))

    def _cmd_return(self) -> None:
        self._require(State.PLAYING, State.HOLDING, State.PAUSED)
        if self._grounded is None:
            raise Refused("not grounded")
        back = self._grounded
        self._navigate(back.scene_index, step=back.step_index, presentation=back.presentation)
        self.record(ev.Return(self._require_position().scene.id, back.step_index))

    def _cmd_talk(self, on: bool) -> None:
        self._require(State.PLAYING, State.HOLDING, State.PAUSED)
        if on == self.talking:
            raise Refused("talk is already " + ("on" if on else "off"))
        self.talking = on
        self._emit(act.Talk(on))

    def _cmd_volume(self, bus: str, level: float) -> None:
        self._not_ended()
        if bus not in catalog.BUSES:
            raise Refused(f"unknown bus '{bus}' (buses: {', '.join(catalog.BUSES)})")
        self.levels[bus] = _level(level)
        self._emit(act.SetLevel(bus, self.levels[bus]))  # type: ignore[arg-type]

    def _cmd_intensity(self, level: float) -> None:
        self._not_ended()
        self.intensity = _level(level)
        self._emit(act.SetIntensity(self.intensity))

    def _cmd_tone(self, level: float) -> None:
        self._not_ended()
        if not -1.0 <= level <= 1.0:
            raise Refused(f"the tone is from -1 (darker) to 1 (brighter) (got {level:g})")
        self.tone = level
        self._emit(act.SetTone(level))

    def _cmd_steady(self, on: bool) -> None:
        self._not_ended()
        self.steady = on
        self._emit(act.SetSteady(on))

    def _cmd_captions(self, on: bool) -> None:
        self._not_ended()
        self.captions = on
        self._emit(act.SetCaptions(on))

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

    def _cmd_close(self) -> None:
        """The therapist closes the session after its end: the record says how long after."""
        if self.state is not State.ENDED:
            raise Refused("the session has not ended: End it first")
        self.closed, self._closed_at = True, self.clock.now()
        after = self.clock.now() - (self._ended_at if self._ended_at is not None else 0.0)
        self.record(ev.Closed(round(max(0.0, after), 3)))
        self._changed()

    def _cmd_closing(self, adverse_events: str = "", outcome: str = "") -> None:
        """The therapist's closing entries for the report (at the end, or before it);
        given again, the latest stands and the record keeps each."""
        if self.state is State.READY:
            raise Refused("the session has not started")
        if not adverse_events.strip() and not outcome.strip():
            raise Refused("write the adverse events (or 'none') or the outcome")
        self.record(ev.Closing(adverse_events.strip(), outcome.strip()))

    # What the patient says (checked and scored by companion/session/ratings.py): at any
    # time, before Start (mood before) and at the end (the last scene holds) included.

    def _cmd_rating(
        self,
        target: str,
        item: str,
        feeling: str | None = None,
        resonance: float | None = None,
    ) -> None:
        fields = ratings.rating_fields(target, item, feeling, resonance)
        environment = None
        if target == "scene":
            index = self.script.scene_index(fields["name"])
            if index is None:
                raise Refused(f"there is no scene '{fields['name']}' to rate")
            environment = self.script.scenes[index].environment
        self.record(ev.Rating(**fields, environment=environment))

    def _cmd_mood(self, when: str, mood: float | None = None, anxiety: float | None = None) -> None:
        self.record(ev.Mood(**ratings.mood_fields(when, mood, anxiety)))

    def _cmd_questionnaire(self, instrument: str, answers: str) -> None:
        parts = answers.replace(" ", "").split(",")
        if not all(p.isdigit() and len(p) == 1 for p in parts):
            raise Refused("the answers are numbers 0 to 3, separated by commas")
        self.record(
            ev.QuestionnaireTaken(
                **ratings.questionnaire_fields(instrument, [int(p) for p in parts])
            )
        )

    def _cmd_medicine(
        self,
        text: str = "",
        route: str | None = None,
        dose: float | None = None,
        unit: str | None = None,
        lot: str | None = None,
    ) -> None:
        self._require(State.PLAYING, State.HOLDING, State.PAUSED, State.ENDED)
        self.monitoring.medicine(text, route, dose, unit, lot)

    def _cmd_vitals_interval(self, minutes: float) -> None:
        self._not_ended()
        self.monitoring.vitals_interval(minutes)

    def _cmd_ack_vitals(self) -> None:
        self.monitoring.ack_vitals()

    def _cmd_vitals(self, **values: Any) -> None:
        if self.state is State.READY:
            self.monitoring.tick()  # the pre-dose check may come before Start
        self.monitoring.vitals(**values)

    def _cmd_ack_alert(self, id: int | None = None) -> None:
        self.monitoring.ack_alert(id)

    def _cmd_ready_to_leave(self) -> None:
        self._require(State.PLAYING, State.HOLDING, State.PAUSED, State.ENDED)
        self.monitoring.ready_to_leave()

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
        """On resume: start the session in the safe scene at its step `step`, grounded from
        step `from_step` of `from_scene` (so Return leads there), without playing that scene
        first: the patient hears the safe scene go on where it was, and the record shows no
        0-second visit to the scene it was grounded from."""
        try:
            self._require(State.READY)
            index = self._scene_named(from_scene)
            scene = self.script.scenes[index]
            safe_id = self.script.safe_scene
            safe = self.script.scene_index(safe_id) if safe_id else None
            if safe == index:
                raise Refused("a scene cannot be grounded from the safe scene itself")
            safe_scene = BUILT_IN_HAVEN if safe is None else self.script.scenes[safe]
            step = min(max(step, 0), len(safe_scene.steps))
            back = GroundedFrom(
                index,
                min(max(from_step, 0), len(scene.steps)),
                Presentation(
                    scene.environment,
                    scene.look.settings() if scene.look else {},
                    self._sound_change("music", scene.music, 0.0) if scene.music else None,
                    self._sound_change("ambience", scene.ambience, 0.0) if scene.ambience else None,
                ),
            )
        except Refused as refusal:
            return CommandResult("start_grounded", False, str(refusal))
        self._begin_session(safe_scene.id, step)
        self._enter_scene(safe, self._play, step_index=step)
        self._grounded = back
        self.record(ev.Ground(scene.id, back.step_index, restored=True))
        self._settle()
        self._changed()
        return CommandResult("start_grounded", True)

    def dose_clock(self) -> dict[str, Any] | None:
        """Minutes since the (first) medicine, and when the next vitals check is due."""
        return self.monitoring.dose_clock()

    def _cmd_patient_signal(self, via: str = "key") -> None:
        self._require(State.PLAYING, State.HOLDING, State.PAUSED)
        if self.patient_signal is None:
            self.patient_signal = {
                "session_time": round(self.session_time, 3),
                "via": via,
                "count": 0,
            }
        self.patient_signal["count"] += 1
        self.record(ev.PatientSignal(via))

    def _cmd_ack_signal(self) -> None:
        if self.patient_signal is None:
            raise Refused("no patient signal to acknowledge")
        self.record(ev.SignalAck(self.patient_signal["session_time"]))
        self.patient_signal = None

    def _cmd_recenter(self) -> None:
        self._not_ended()
        self._emit(act.Recenter())

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
        position = self._position
        if position is None or position.step_index >= len(position.scene.steps):
            return None
        step = position.scene.steps[position.step_index]
        if not isinstance(step, models.BreatheStep) or self.state is State.ENDED:
            return None
        b = step.breathe
        elapsed = max(0.0, self._play - position.step_started)
        cycle = min(int(elapsed // b.cycle_seconds), b.cycles - 1)
        within = elapsed - cycle * b.cycle_seconds
        for phase, seconds in (("in", b.in_), ("hold", b.hold), ("out", b.out), ("rest", b.rest)):
            if seconds > 0 and within < seconds:
                return {
                    "phase": phase,
                    "progress": within / seconds,
                    "cycle": cycle + 1,
                    "cycles": b.cycles,
                }
            within -= seconds
        return {"phase": "rest", "progress": 1.0, "cycle": b.cycles, "cycles": b.cycles}

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

    def _sound_change(self, bus: str, spec: models.SoundSpec, fade: float) -> act.SoundChange:
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


def _level(value: float) -> float:
    if not 0.0 <= value <= 1.0:
        raise Refused(f"a level is from 0 to 1 (got {value:g})")
    return value


# The therapist's commands: name -> the method that applies it. Beside COMMANDS
# (companion/session/commands.py), which names each command's arguments and types: the two
# lists hold the same names (checked here, as the module loads).
HANDLERS: dict[str, Callable[..., None]] = {
    "start": Engine._cmd_start,
    "pause": Engine._cmd_pause,
    "resume": Engine._cmd_resume,
    "continue": Engine._cmd_continue,
    "next_step": Engine._cmd_next_step,
    "next_scene": Engine._cmd_next_scene,
    "previous_scene": Engine._cmd_previous_scene,
    "goto": Engine._cmd_goto,
    "ground": Engine._cmd_ground,
    "return": Engine._cmd_return,
    "talk": Engine._cmd_talk,
    "volume": Engine._cmd_volume,
    "intensity": Engine._cmd_intensity,
    "tone": Engine._cmd_tone,
    "steady": Engine._cmd_steady,
    "captions": Engine._cmd_captions,
    "note": Engine._cmd_note,
    "end": Engine._cmd_end,
    "close": Engine._cmd_close,
    "closing": Engine._cmd_closing,
    "rating": Engine._cmd_rating,
    "mood": Engine._cmd_mood,
    "questionnaire": Engine._cmd_questionnaire,
    "medicine": Engine._cmd_medicine,
    "vitals_interval": Engine._cmd_vitals_interval,
    "ack_vitals": Engine._cmd_ack_vitals,
    "vitals": Engine._cmd_vitals,
    "ack_alert": Engine._cmd_ack_alert,
    "ready_to_leave": Engine._cmd_ready_to_leave,
    "patient_signal": Engine._cmd_patient_signal,
    "ack_signal": Engine._cmd_ack_signal,
    "recenter": Engine._cmd_recenter,
}
if HANDLERS.keys() != COMMANDS.keys():
    raise ImportError(
        f"commands without a handler or handlers without a command: "
        f"{sorted(HANDLERS.keys() ^ COMMANDS.keys())}"
    )
