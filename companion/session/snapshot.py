"""The engine's state as one serialisable snapshot: what the panel shows and the record keeps."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from companion.script import models
from companion.script.durations import format_short
from companion.script.timing import step_seconds

if TYPE_CHECKING:
    from companion.session.engine import Engine

RECENT_NOTES = 50


def describe_step(step: models.Model) -> str:
    """One line for the therapist: what a step does."""
    match step:
        case models.SayStep():
            return f"say: {step.say}"
        case models.PauseStep():
            return f"pause {format_short(step.pause)}"
        case models.BreatheStep(breathe=b):
            return f"breathe {b.in_:g}-{b.hold:g}-{b.out:g}-{b.rest:g} × {b.cycles}"
        case models.ChimeStep():
            return f"chime: {step.chime}"
        case models.MusicStep():
            return "music: " + (", ".join(step.music.track) or "none")
        case models.AmbienceStep():
            return "ambience: " + (", ".join(step.ambience.track) or "none")
        case models.LookStep():
            return "look: " + ", ".join(f"{k} {v}" for k, v in step.look.settings().items())
        case models.ShowStep():
            return f"show: {step.show}"
        case models.WaitStep():
            return "wait for the therapist"
    return "?"


def build_snapshot(engine: Engine) -> dict[str, Any]:
    script = engine.script
    position = engine.position
    presentation = engine.presentation
    scene = position.scene if position else None
    snapshot: dict[str, Any] = {
        "revision": engine.revision,
        "title": script.title,
        "state": engine.state.value,
        "hold": engine.hold_reason,
        "end_reason": engine.end_reason,
        "phase": script.scene_phase(scene) if scene else script.scenes[0].phase or script.phase,
        "session_time": round(engine.session_time, 3),
        "play_time": round(engine.play_time, 3),
        "scene_time": round(engine.play_time - position.scene_started, 3) if position else 0.0,
        "scene": _scene(engine),
        "step": _step(engine),
        "next": _next(engine),
        "grounded": _grounded(engine),
        "scenes": _timeline(engine),
        "levels": {bus: round(level, 4) for bus, level in engine.levels.items()},
        "duck": script.mix.duck,
        "intensity": engine.intensity,
        "tone": engine.tone,
        "steady": engine.steady,
        "captions": engine.captions,
        "talk": engine.talking,
        "breath": engine.breath(),
        "environment": presentation.environment if presentation else None,
        "look": dict(presentation.look) if presentation else {},
        "music": list(presentation.music.tracks) if presentation and presentation.music else [],
        "ambience": list(presentation.ambience.tracks)
        if presentation and presentation.ambience
        else [],
        "notes": len(engine.notes),
        "recent_notes": [
            dict(note) for note in engine.notes[-RECENT_NOTES:]
        ],  # the panel lists them
        "dose": engine.dose_clock(),
        "monitoring": engine.monitoring.snapshot(),
        "patient_signal": engine.patient_signal,
    }
    return snapshot


def _scene(engine: Engine) -> dict[str, Any] | None:
    position = engine.position
    if position is None:
        return None
    scene = position.scene
    return {
        "index": position.scene_index,
        "id": scene.id,
        "title": scene.name,
        "environment": scene.environment,
        "then": scene.then,
        "steps": len(scene.steps),
    }


def _step(engine: Engine) -> dict[str, Any] | None:
    position = engine.position
    if position is None:
        return None
    step = engine.current_step()
    ends = position.step_ends
    info: dict[str, Any] = {
        "index": position.step_index,
        "kind": models.step_kind(step) if step else "rest",
        "text": describe_step(step) if step else "resting until the scene's duration",
        "started": round(position.step_started, 3),
        "remaining": None if ends is None else round(max(0.0, ends - engine.play_time), 3),
    }
    if isinstance(step, (models.SayStep, models.ShowStep)):
        info["caption"] = step.say if isinstance(step, models.SayStep) else step.show
        info["shown"] = step.caption if isinstance(step, models.SayStep) else True
    return info


def _next(engine: Engine) -> dict[str, Any]:
    position = engine.position
    if position is None:
        first = engine.script.scenes[0]
        return {"step": describe_step(first.steps[0]) if first.steps else None, "scene": first.id}
    steps = position.scene.steps
    following = steps[position.step_index + 1] if position.step_index + 1 < len(steps) else None
    then = position.scene.then
    scene_index = position.scene_index
    if then in ("next", "hold"):
        after = (
            None
            if scene_index is None or scene_index + 1 >= len(engine.script.scenes)
            else engine.script.scenes[scene_index + 1].id
        )
    elif then == "end":
        after = None
    else:
        after = then
    return {"step": describe_step(following) if following else None, "scene": after, "then": then}


def _grounded(engine: Engine) -> dict[str, Any] | None:
    grounded = engine.grounded
    if grounded is None:
        return None
    scene = engine.script.scenes[grounded.scene_index] if grounded.scene_index is not None else None
    return {"scene": scene.id if scene else None, "step": grounded.step_index}


def _timeline(engine: Engine) -> list[dict[str, Any]]:
    """The scenes with their estimated starts, as the script would play with holds released."""
    script = engine.script
    start = 0.0
    scenes = []
    for index, scene in enumerate(script.scenes):
        length = sum(step_seconds(s, script, engine.timing) for s in scene.steps)
        length = max(length, scene.duration or 0.0)
        scenes.append(
            {
                "index": index,
                "id": scene.id,
                "title": scene.name,
                "environment": scene.environment,
                "phase": script.scene_phase(scene),
                "estimated_start": round(start, 1),
                "estimated_length": round(length, 1),
                "holds": scene.holds,
            }
        )
        start += length
    return scenes
