"""Ground and return: to the safe scene and back to where the patient was.

The engine remembers where grounding came from (state.GroundedFrom) and what was shown and
heard there, so Return restores it. Resume starts a session already grounded
(start_grounded). Moved out of the engine (issue 17); named in engine.HANDLERS.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from companion.record import events as ev
from companion.session.commands import CommandResult, Refused
from companion.session.state import BUILT_IN_HAVEN, GroundedFrom, Presentation, State, sound_change

if TYPE_CHECKING:
    from companion.session.engine import Engine


def ground(engine: Engine) -> None:
    engine._require(State.PLAYING, State.HOLDING, State.PAUSED)
    if engine._grounded is not None:
        raise Refused("already grounded")
    position = engine._require_position()
    if engine._is_safe_scene(position):
        raise Refused("already in the safe scene")
    remembered = GroundedFrom(
        position.scene_index,
        min(position.step_index, len(position.scene.steps)),
        engine._copy_presentation(),
    )
    safe = engine.script.scene_index(engine.script.safe_scene) if engine.script.safe_scene else None
    engine._navigate(safe)
    engine._grounded = remembered
    engine.record(ev.Ground(position.scene.id, remembered.step_index))


def return_(engine: Engine) -> None:
    engine._require(State.PLAYING, State.HOLDING, State.PAUSED)
    if engine._grounded is None:
        raise Refused("not grounded")
    back = engine._grounded
    engine._navigate(back.scene_index, step=back.step_index, presentation=back.presentation)
    engine.record(ev.Return(engine._require_position().scene.id, back.step_index))


def start_grounded(engine: Engine, from_scene: str, from_step: int, step: int = 0) -> CommandResult:
    """On resume: start the session in the safe scene at its step `step`, grounded from
    step `from_step` of `from_scene` (so Return leads there), without playing that scene
    first: the patient hears the safe scene go on where it was, and the record shows no
    0-second visit to the scene it was grounded from."""
    try:
        engine._require(State.READY)
        index = engine._scene_named(from_scene)
        scene = engine.script.scenes[index]
        safe_id = engine.script.safe_scene
        safe = engine.script.scene_index(safe_id) if safe_id else None
        if safe == index:
            raise Refused("a scene cannot be grounded from the safe scene itself")
        safe_scene = BUILT_IN_HAVEN if safe is None else engine.script.scenes[safe]
        step = min(max(step, 0), len(safe_scene.steps))
        back = GroundedFrom(
            index,
            min(max(from_step, 0), len(scene.steps)),
            Presentation(
                scene.environment,
                scene.look.settings() if scene.look else {},
                sound_change("music", scene.music, 0.0) if scene.music else None,
                sound_change("ambience", scene.ambience, 0.0) if scene.ambience else None,
            ),
        )
    except Refused as refusal:
        return CommandResult("start_grounded", False, str(refusal))
    engine._begin_session(safe_scene.id, step)
    engine._enter_scene(safe, engine._play, step_index=step)
    engine._grounded = back
    engine.record(ev.Ground(scene.id, back.step_index, restored=True))
    engine._settle()
    engine._changed()
    return CommandResult("start_grounded", True)
