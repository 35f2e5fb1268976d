"""Pydantic's validation errors, told to authors at the line and column they wrote."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from companion.script import models
from companion.script.findings import Finding, did_you_mean
from companion.script.yaml_source import Path, Source


def _keys(model: type[models.Model]) -> tuple[str, ...]:
    return tuple(f.alias or name for name, f in model.model_fields.items())


def findings_from(error: ValidationError, source: Source, file: str) -> list[Finding]:
    findings = []
    for detail in error.errors(include_url=False):
        path = _data_path(tuple(detail["loc"]), source.data, keep_last=detail["type"] == "missing")
        findings.append(_finding(detail, path, source, file))
    return findings


def _data_path(loc: tuple[Any, ...], data: Any, keep_last: bool) -> Path:
    """Pydantic's location as a path in the author's data: without the union tags it inserts
    (a step's kind after its index) and the parts of a shorthand the author did not write
    (`music: drift` is validated as {track: [drift]})."""
    path: list[Any] = []
    node = data
    for i, part in enumerate(loc):
        after_step_index = len(path) >= 2 and path[-2] == "steps" and isinstance(path[-1], int)
        if after_step_index and i + 1 < len(loc) and part == _step_tag(node):
            continue  # the tag; the field of the same name comes next
        child = _child(node, part)
        if child is not _ABSENT:
            path.append(part)
            node = child
        elif keep_last and i == len(loc) - 1:
            path.append(part)
    return tuple(path)


_ABSENT = object()


def _step_tag(step: Any) -> Any:
    return models.step_kind(step)


def _child(node: Any, part: Any) -> Any:
    if isinstance(node, dict) and part in node:
        return node[part]
    if isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
        return node[part]
    return _ABSENT


def _value_at(data: Any, path: Path) -> Any:
    for part in path:
        data = _child(data, part)
    return None if data is _ABSENT else data


def _finding(detail: ErrorDetails, path: Path, source: Source, file: str) -> Finding:
    kind = detail["type"]
    name = _label(path)
    if kind == "extra_forbidden":
        key = str(path[-1])
        mark = source.key_at(path)
        known = _known_keys(path[:-1], source.data)
        message = f"unknown key '{key}'{did_you_mean(key, known)}"
        if not did_you_mean(key, known) and known:
            message += f" (known keys here: {', '.join(known)})"
    elif kind == "missing":
        mark = source.value_at(path[:-1])
        where = _where(path[:-1], source.data)
        message = f"missing required key '{path[-1]}'{where}"
    elif kind == "step_kind":
        mark = source.value_at(path)
        message = _step_kind_message(_value_at(source.data, path))
    else:
        mark = source.value_at(path)
        message = f"{name}: {_describe(detail)}"
    return Finding(file, mark.line, mark.column, "error", message)


def _label(path: Path) -> str:
    """A readable name for the value at `path`: the key, with a hint of where it is."""
    keys = [p for p in path if isinstance(p, str)]
    if not keys:
        return "the script"
    if len(keys) >= 2 and keys[-2] in ("look", "voice", "mix", "breathe", "music", "ambience"):
        return f"'{keys[-2]}.{keys[-1]}'"
    return f"'{keys[-1]}'"


def _where(path: Path, data: Any) -> str:
    if len(path) == 2 and path[0] == "scenes":
        scene = _value_at(data, path)
        if isinstance(scene, dict) and isinstance(scene.get("id"), str):
            return f" in scene '{scene['id']}'"
        index = path[1]
        return f" in scene {index + 1}" if isinstance(index, int) else f" in scene '{index}'"
    if not path:
        return " at the top of the script"
    return f" in '{path[-1]}'" if isinstance(path[-1], str) else ""


_STEP_HELP = "a step is a mapping that starts with its kind, e.g. '- say: Hello'"


def _step_kind_message(step: Any) -> str:
    kinds = tuple(models.STEP_KINDS)
    if isinstance(step, dict) and step:
        first = str(next(iter(step)))
        return f"unknown step '{first}'{did_you_mean(first, kinds)} (steps: {', '.join(kinds)})"
    if isinstance(step, str):
        return f"unknown step '{step}'{did_you_mean(step, kinds)}; {_STEP_HELP}"
    return f"a step cannot be empty; {_STEP_HELP}"


def _known_keys(path: Path, data: Any) -> tuple[str, ...]:
    """Which keys the mapping at `path` may hold."""
    if not path:
        return _keys(models.Script)
    last = path[-1]
    parent_key = next((p for p in reversed(path) if isinstance(p, str)), None)
    if isinstance(last, int) and parent_key == "scenes":
        return _keys(models.Scene)
    if isinstance(last, int) and parent_key == "steps":
        kind = models.step_kind(_value_at(data, path))
        model = models.STEP_KINDS.get(str(kind))
        return _keys(model) if model else ()
    by_key: dict[str, type[models.Model]] = {
        "voice": models.Voice,
        "mix": models.Mix,
        "breathe": models.Breath,
        "music": models.MusicSpec,
        "ambience": models.AmbienceSpec,
    }
    if last == "look":
        in_step = len(path) >= 2 and isinstance(path[-2], int)
        return _keys(models.LookChange if in_step else models.Look)
    if isinstance(last, str) and last in by_key:
        return _keys(by_key[last])
    return ()


_MESSAGES = {
    "string_type": "must be text",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "list_type": "must be a list",
    "tuple_type": "must be a list",
    "dict_type": "must be a mapping of keys and values",
    "model_type": "must be a mapping of keys and values",
    "model_attributes_type": "must be a mapping of keys and values",
    "finite_number": "must be a finite number",
}


def _describe(detail: Mapping[str, Any]) -> str:  # pydantic's ErrorDetails, or a copy of one
    kind = detail["type"]
    ctx = detail.get("ctx") or {}
    got = detail.get("input")
    shown = f" (got {_show(got)})" if not isinstance(got, (dict, list)) else ""
    if kind in _MESSAGES:
        return _MESSAGES[kind] + shown
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        return _range_message(kind, ctx) + shown
    if kind == "string_too_short" or kind == "too_short":
        return (
            "cannot be empty"
            if kind == "string_too_short"
            else f"needs at least {ctx.get('min_length')} item(s)"
        )
    if kind == "too_long":
        return f"may have at most {ctx.get('max_length')} items"
    if kind == "string_pattern_mismatch":
        return _pattern_message(detail)
    if kind == "literal_error":
        return f"must be {ctx.get('expected')}" + shown
    return str(detail.get("msg", "is not valid")).removeprefix("Value error, ")


def _range_message(kind: str, ctx: dict[str, Any]) -> str:
    words = {
        "greater_than_equal": ("at least", "ge"),
        "greater_than": ("more than", "gt"),
        "less_than_equal": ("at most", "le"),
        "less_than": ("less than", "lt"),
    }
    word, key = words[kind]
    limit = ctx.get(key)
    return (
        f"must be {word} {limit:g}"
        if isinstance(limit, (int, float))
        else f"must be {word} {limit}"
    )


def _pattern_message(detail: Mapping[str, Any]) -> str:
    loc = detail["loc"]
    got = _show(detail.get("input"))
    if loc and loc[-1] == "id":
        return f"a scene id uses lower-case letters, digits and '-' only (got {got})"
    if loc and loc[-1] == "language":
        return f"a language is a code such as en, es, de or pt-br (got {got})"
    return f"is not in the expected form (got {got})"


def _show(value: Any) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 40 else text[:37] + "..."
