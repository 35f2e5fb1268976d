"""Seeking: the authors' preview and hot reload jump to a moment of a scene.

Not a therapist command (the panel never seeks): moved out of the engine (issue 17) so the
engine holds the timeline and the commands, and this module the one way of jumping into the
middle of it, with what has to take effect silently on the way (light, sound) and what
resumes mid-way (a breath, a shown text). It works on the engine's own state, as a part of it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from companion.record import events as ev
from companion.script import models
from companion.script.timing import step_seconds
from companion.session import actions as act
from companion.session.state import EPSILON, SEEK_FADE, Position, Presentation, State, sound_change

if TYPE_CHECKING:
    from companion.session.engine import Engine


def seek(engine: Engine, scene_id: str, scene_time: float, stop_at_holds: bool = True) -> None:
    """Jump to `scene_time` seconds into a scene. The steps before that point take effect
    silently (light, sound); past the scene's end goes on to the scene that follows. With
    `stop_at_holds`, a `wait` or a `then: hold` on the way stops the jump there, holding
    (an author skipping forward); without, they are passed (a reload keeping its place).
    What is mid-way (a breath, a shown text) resumes mid-way; narration and chimes mid-way
    stay silent, as they cannot start in the middle. A `wait` of this scene already passed
    (the therapist continued from it) is not stopped at again.
    """
    index = engine._scene_named(scene_id)
    if engine.state is State.READY:
        engine._begin_session(scene_id, 0)
    here = engine._position
    passed = here.step_index if here is not None and here.scene_index == index else 0
    first = index
    target = max(0.0, scene_time)
    engine._end_step_presence(interrupted=True)
    if engine.state is State.HOLDING:
        engine._release()
    if engine.state is State.ENDED:
        engine.state, engine.end_reason, engine._ended_at = State.PLAYING, None, None
    engine._grounded = None
    for _ in range(len(engine.script.scenes) * 1000):  # a loop of empty scenes cannot spin
        scene = engine.script.scenes[index]
        length = engine.estimated_scene_seconds(scene)
        following = (
            index + 1 if scene.then in ("next", "hold") else engine.script.scene_index(scene.then)
        )
        waits_ahead = scene.holds_from(passed if index == first else 0)
        if (
            target < length
            or following is None
            or following >= len(engine.script.scenes)
            or (stop_at_holds and waits_ahead)
        ):
            break
        target -= length
        index = following
    place(engine, index, min(target, length), stop_at_holds, passed if index == first else 0)
    engine.record(ev.Seek(scene.id, round(target, 3)))


def place(
    engine: Engine, index: int, scene_time: float, stop_at_holds: bool, passed: int = 0
) -> None:
    """Put the session `scene_time` into scene `index`; a `wait` before step `passed` has
    been continued from already."""
    scene = engine.script.scenes[index]
    started = engine._play - scene_time
    position = Position(index, scene, scene_started=started)
    before = engine._presentation
    presentation = Presentation(
        scene.environment,
        scene.look.settings() if scene.look else {},
        before.music if before else None,
        before.ambience if before else None,
    )
    for bus, spec in (("music", scene.music), ("ambience", scene.ambience)):
        if spec is not None:
            setattr(presentation, bus, sound_change(bus, spec, 0.0))
    step_index, at = _pass_steps(engine, scene, started, presentation, stop_at_holds, passed)
    engine._position, engine._presentation = position, presentation
    engine._emit(
        act.SceneChange(
            scene.id,
            scene.environment,
            dict(presentation.look),
            SEEK_FADE,
            engine._phase_of(scene),
        )
    )
    for change in (presentation.music, presentation.ambience):
        if change is not None:
            engine._emit(replace(change, fade=SEEK_FADE))  # a piece keeps its energy
    position.step_index, position.step_started = step_index, at
    if step_index >= len(scene.steps):
        position.step_ends = max(at, started + (scene.duration or 0.0))
    elif isinstance(scene.steps[step_index], models.WaitStep):
        # stopped at a wait before the time asked: the scene's clock says where it is
        # (the wait), so a later seek from here counts from the wait, not from past it
        position.scene_started += engine._play - at
        position.step_started = engine._play
        position.step_ends = None
        engine._hold("wait")
    else:
        step = scene.steps[step_index]
        position.step_ends = at + step_seconds(step, engine.script, engine.timing)
        remaining = position.step_ends - engine._play
        if isinstance(step, models.BreatheStep):
            b = step.breathe
            engine._emit(act.Breathe(b.in_, b.hold, b.out, b.rest, b.cycles, b.sound))
        elif isinstance(step, models.ShowStep):
            engine._emit(act.ShowText(step.show, remaining))
    engine._changed()


def _pass_steps(
    engine: Engine,
    scene: models.Scene,
    started: float,
    presentation: Presentation,
    stop_at_holds: bool,
    passed: int,
) -> tuple[int, float]:
    """The steps before the present take effect silently (light, sound): the step the
    present falls in (or a `wait` stopped at), and the play time it began."""
    at = started
    for i, step in enumerate(scene.steps):
        seconds = step_seconds(step, engine.script, engine.timing)
        waits = isinstance(step, models.WaitStep)
        if (waits and stop_at_holds and i >= passed) or (
            at + seconds > engine._play + EPSILON and not waits
        ):
            return i, at
        if isinstance(step, models.LookStep):
            presentation.look.update(step.look.settings())
        elif isinstance(step, (models.MusicStep, models.AmbienceStep)):
            spec = step.music if isinstance(step, models.MusicStep) else step.ambience
            bus = "music" if isinstance(step, models.MusicStep) else "ambience"
            setattr(presentation, bus, sound_change(bus, spec, 0.0))
        at += seconds
    return len(scene.steps), at
