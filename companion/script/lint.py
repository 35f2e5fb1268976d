"""Warnings: things a valid script may do that are probably not what the author meant."""

from __future__ import annotations

from collections.abc import Iterator

from companion.script import models
from companion.script.durations import format_short
from companion.script.timing import Timing, step_seconds, steps_seconds
from companion.script.yaml_source import Mark, Source

BREATH_SHORTEST_PART = 2.0
BREATH_LONGEST_HOLD = 7.0


def warnings(script: models.Script, source: Source, timing: Timing) -> Iterator[tuple[Mark, str]]:
    yield from _outlasting_steps(script, source, timing)
    yield from _unreachable_scenes(script, source)
    yield from _endless_loops(script, source)
    yield from _uncomfortable_breathing(script, source)
    yield from _journey_narration(script, source)


def _outlasting_steps(
    script: models.Script, source: Source, timing: Timing
) -> Iterator[tuple[Mark, str]]:
    for index, scene in enumerate(script.scenes):
        if scene.duration is None:
            continue
        total = steps_seconds(scene, script, timing)
        if total > scene.duration + 0.5:
            past = _step_past(scene, scene.duration, script, timing)
            yield (
                source.value_at(("scenes", index, "duration")),
                f"the steps of scene '{scene.id}' take about {format_short(total)}, longer than "
                f"its duration of {format_short(scene.duration)} (step {past + 1} runs past it)",
            )


def _step_past(scene: models.Scene, duration: float, script: models.Script, timing: Timing) -> int:
    """The index of the step during which the scene's steps run past `duration`."""
    elapsed = 0.0
    for index, step in enumerate(scene.steps):
        elapsed += step_seconds(step, script, timing)
        if elapsed > duration:
            return index
    return len(scene.steps) - 1


def successors(script: models.Script, index: int) -> list[int]:
    """Scenes the script itself can go to after scene `index` (a hold moves on to the next)."""
    then = script.scenes[index].then
    if then == "end":
        return []
    if then in ("next", "hold"):
        return [index + 1] if index + 1 < len(script.scenes) else []
    target = script.scene_index(then)
    return [] if target is None else [target]


def _unreachable_scenes(script: models.Script, source: Source) -> Iterator[tuple[Mark, str]]:
    starts = [0]
    if script.safe_scene and (safe := script.scene_index(script.safe_scene)) is not None:
        starts.append(safe)
    seen: set[int] = set()
    while starts:
        index = starts.pop()
        if index not in seen:
            seen.add(index)
            starts.extend(successors(script, index))
    for index, scene in enumerate(script.scenes):
        if index not in seen:
            yield (
                source.value_at(("scenes", index, "id")),
                f"no path reaches scene '{scene.id}': no earlier scene leads to it and it is "
                f"not the safe scene (the therapist can still go to it)",
            )


def _endless_loops(script: models.Script, source: Source) -> Iterator[tuple[Mark, str]]:
    """A `then` that jumps back into a cycle that nothing in it holds."""
    reported: set[int] = set()
    for index, scene in enumerate(script.scenes):
        if scene.then in ("next", "hold", "end") or index in reported:
            continue
        cycle = _cycle_through(script, index)
        if cycle and not any(script.scenes[i].holds for i in cycle):
            reported.update(cycle)
            names = " → ".join(script.scenes[i].id for i in cycle + [cycle[0]])
            yield (
                source.value_at(("scenes", index, "then")),
                f"scenes loop forever with no hold or wait: {names}; add 'then: hold' or "
                f"'- wait: therapist' in the loop, or end it",
            )


def _cycle_through(script: models.Script, start: int) -> list[int] | None:
    path = [start]
    index = start
    while True:
        following = successors(script, index)
        if not following:
            return None
        index = following[0]
        if index == start:
            return path
        if index in path:
            return None  # a loop, but not through `start`
        path.append(index)


def _uncomfortable_breathing(script: models.Script, source: Source) -> Iterator[tuple[Mark, str]]:
    for s_index, scene in enumerate(script.scenes):
        for t_index, step in enumerate(scene.steps):
            if not isinstance(step, models.BreatheStep):
                continue
            breath = step.breathe
            path = ("scenes", s_index, "steps", t_index, "breathe")
            parts = {"in": breath.in_, "hold": breath.hold, "out": breath.out, "rest": breath.rest}
            for name, seconds in parts.items():
                if 0 < seconds < BREATH_SHORTEST_PART:
                    yield (
                        source.value_at(path + (name,)),
                        f"a breathing '{name}' of {seconds:g}s is hurried; "
                        f"{BREATH_SHORTEST_PART:g}s or more is comfortable",
                    )
            if breath.hold > BREATH_LONGEST_HOLD:
                yield (
                    source.value_at(path + ("hold",)),
                    f"holding the breath for {breath.hold:g}s may be uncomfortable; "
                    f"keep holds to {BREATH_LONGEST_HOLD:g}s or less",
                )


def _journey_narration(script: models.Script, source: Source) -> Iterator[tuple[Mark, str]]:
    for s_index, scene in enumerate(script.scenes):
        if script.scene_phase(scene) != "journey":
            continue
        for t_index, step in enumerate(scene.steps):
            if isinstance(step, models.SayStep):
                yield (
                    source.key_at(("scenes", s_index, "steps", t_index, "say")),
                    f"narration in the journey scene '{scene.id}': words during the medicine "
                    f"phase can intrude; consider music alone, or a short show text",
                )
