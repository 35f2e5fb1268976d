"""Checks across the script that need names, not types: scene ids, where `then` and
`safe_scene` lead, and the settings each environment takes. They run on the raw data, so
they are reported beside type errors in the same pass."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from companion.script import catalog, media
from companion.script.findings import did_you_mean
from companion.script.yaml_source import Mark, Path, Source

THEN_WORDS = ("next", "hold", "end")


def reference_problems(source: Source) -> Iterator[tuple[Mark, str]]:
    data = source.data
    if not isinstance(data, dict) or not isinstance(data.get("scenes"), list):
        return
    scenes = data["scenes"]
    ids: dict[str, int] = {}
    for index, scene in enumerate(scenes):
        scene_id = scene.get("id") if isinstance(scene, dict) else None
        if not isinstance(scene_id, str):
            continue
        if scene_id in ids:
            first = source.value_at(("scenes", ids[scene_id], "id"))
            yield (
                source.value_at(("scenes", index, "id")),
                f"duplicate scene id '{scene_id}' (first used at line {first.line})",
            )
        else:
            ids[scene_id] = index

    for index, scene in enumerate(scenes):
        if not isinstance(scene, dict):
            continue
        then = scene.get("then")
        if isinstance(then, str) and then not in THEN_WORDS and then not in ids:
            hint = did_you_mean(then, [*THEN_WORDS, *ids])
            yield (
                source.value_at(("scenes", index, "then")),
                f"'then': no scene has the id '{then}'{hint} (or use next, hold or end)",
            )
        yield from _look_problems(source, ("scenes", index), scene)

    safe = data.get("safe_scene")
    if isinstance(safe, str) and safe not in ids:
        yield (
            source.value_at(("safe_scene",)),
            f"'safe_scene': no scene has the id '{safe}'{did_you_mean(safe, ids)}",
        )


def _look_problems(source: Source, path: Path, scene: dict[str, Any]) -> Iterator[tuple[Mark, str]]:
    """Each environment's own look settings: only that environment takes them, in range."""
    name = scene.get("environment")
    environment = catalog.ENVIRONMENTS.get(name) if isinstance(name, str) else None
    own_media = (
        next((k for k in media.KINDS if k in name), None) if isinstance(name, dict) else None
    )
    if own_media is not None:  # a clinic's own media takes only the shared settings
        environment = catalog.Environment(own_media, media.DESCRIPTIONS[own_media])
    if environment is None:
        return
    looks: list[tuple[Path, Any]] = [(path + ("look",), scene.get("look"))]
    steps = scene.get("steps")
    if isinstance(steps, list):
        looks += [
            (path + ("steps", i, "look"), step.get("look"))
            for i, step in enumerate(steps)
            if isinstance(step, dict) and "look" in step
        ]
    shared = {"time", "motion", "brightness", "fade"}
    all_settings = set(catalog.look_setting_names())
    for look_path, look in looks:
        if not isinstance(look, dict):
            continue
        for key, value in look.items():
            if key in shared or key not in all_settings:
                continue  # shared keys and unknown keys are the model's to check
            setting = environment.setting(key)
            key_path = look_path + (key,)
            if setting is None:
                owners = [e.name for e in catalog.ENVIRONMENTS.values() if e.setting(key)]
                own = ", ".join(s.name for s in environment.settings) or "none"
                yield (
                    source.key_at(key_path),
                    f"'look.{key}' is a setting of {' and '.join(owners)}, "
                    f"not of {environment.name} (its own settings: {own})",
                )
            elif value is not None and (problem := setting.problem(value)):
                yield source.value_at(key_path), f"'look.{key}' {problem}"
