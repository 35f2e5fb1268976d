"""The therapist's moves along the timeline: pause, resume, continue, next step, next or
previous scene, go to a scene.

The timeline itself (entering scenes, steps, holds, the end) stays in the engine; these
functions check that a move is allowed now and make it through the engine's own moves.
Moved out of the engine (issue 17); named in engine.HANDLERS.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from companion.record import events as ev
from companion.session import actions as act
from companion.session import grounding
from companion.session.commands import Refused
from companion.session.state import State

if TYPE_CHECKING:
    from companion.session.engine import Engine


def pause(engine: Engine) -> None:
    engine._require(State.PLAYING, State.HOLDING)
    engine._paused_from = engine.state
    engine.state = State.PAUSED
    engine._emit(act.Pause())
    engine.record(ev.Pause())


def resume(engine: Engine) -> None:
    engine._require(State.PAUSED)
    engine._unpause()


def continue_(engine: Engine) -> None:
    engine._require(State.HOLDING)
    reason = engine.hold_reason
    if reason == "ground":
        grounding.return_(engine)  # grounded at the end of the safe scene: continue goes back
        return
    engine._release()
    if reason == "wait":
        engine._begin_step(engine._require_position().step_index + 1, engine._play)
    else:  # the end of a `then: hold` scene: on to the next scene in order
        engine._go_to_following(engine._play)


def next_step(engine: Engine) -> None:
    engine._require(State.PLAYING, State.HOLDING, State.PAUSED)
    engine._resume_for_navigation()
    if engine.state is State.HOLDING:
        if engine.hold_reason == "ground":
            raise Refused("grounded at the end of the safe scene: use return or continue")
        continue_(engine)
        return
    engine._finish_step(engine._play, interrupted=True)


def next_scene(engine: Engine) -> None:
    _jump(engine, +1)


def previous_scene(engine: Engine) -> None:
    _jump(engine, -1)


def _jump(engine: Engine, direction: int) -> None:
    engine._require(State.PLAYING, State.HOLDING, State.PAUSED)
    position = engine._require_position()
    base = engine._grounded.scene_index if engine._grounded else position.scene_index
    if base is None:
        raise Refused("not in a scene of the script; go to a scene by name")
    target = base + direction
    if target < 0:
        raise Refused("already at the first scene")
    if target >= len(engine.script.scenes):
        raise Refused("already at the last scene; use end to finish the session")
    engine._navigate(target)


def goto(engine: Engine, scene: str) -> None:
    engine._require(State.PLAYING, State.HOLDING, State.PAUSED)
    engine._navigate(engine._scene_named(scene))
