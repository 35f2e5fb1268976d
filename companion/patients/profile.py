"""A patient's profile: what shapes every session for that patient code (never a name).

Written as YAML and checked like a script: a pydantic model, and every error at
FILE:LINE:COLUMN through companion/script's YAML loader, which keeps each value's position.

    avoid:
      environments: [haven]        # by name
      tags: [water, darkness]      # by what they show (companion/script/catalog.TAGS)
    music:
      prefer: [drift, hearth]
      avoid: [open-sky]
    voice: {engine: espeak, name: en-gb, rate: 100}
    language: en
    captions: false
    caps: {brightness: 0.6, motion: 0.3}
    display: sound-only            # headset, screen or sound-only (eyes closed)
    safe_scene: haven
    notes: |
      Startles at sudden sounds; a hand on the shoulder helps.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from companion.patients.pieces import PIECES
from companion.script import catalog
from companion.script.errors import _describe
from companion.script.findings import Finding, did_you_mean, has_errors
from companion.script.yaml_source import Source, YamlError, parse_yaml

MAX_BYTES = 200_000
Level = Annotated[float, Field(ge=0.0, le=1.0)]


def _known(kind: str, names: Iterable[str]) -> Any:
    choices = tuple(names)

    def check(value: str) -> str:
        if value not in choices:
            raise ValueError(
                f"unknown {kind} '{value}'{did_you_mean(value, choices)} "
                f"(known: {', '.join(choices)})"
            )
        return value

    return Annotated[str, AfterValidator(check)]


EnvironmentName = _known("environment", catalog.ENVIRONMENTS)
TagName = _known("tag", catalog.TAGS)
PieceName = _known("piece", PIECES)


class Part(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Avoid(Part):
    environments: tuple[EnvironmentName, ...] = ()  # type: ignore[valid-type]
    tags: tuple[TagName, ...] = ()  # type: ignore[valid-type]


class Music(Part):
    prefer: tuple[PieceName, ...] = ()  # type: ignore[valid-type]
    avoid: tuple[PieceName, ...] = ()  # type: ignore[valid-type]


class Voice(Part):
    engine: Literal["auto", "neural", "espeak"] | None = None
    name: str | None = None
    rate: Annotated[int, Field(ge=80, le=260)] | None = None


class Caps(Part):
    brightness: Level | None = None
    motion: Level | None = None


class Profile(Part):
    avoid: Avoid = Avoid()
    music: Music = Music()
    voice: Voice = Voice()
    language: Annotated[str, Field(pattern=r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]+)*$")] | None = None
    captions: bool | None = None
    caps: Caps = Caps()
    display: Literal["headset", "screen", "sound-only"] | None = None
    safe_scene: str | None = None
    notes: Annotated[str, Field(max_length=20_000)] = ""

    def avoids_environment(self, name: str) -> str | None:
        """Why the profile avoids environment `name` ('avoids water'), or None."""
        if name in self.avoid.environments:
            return "avoided by name"
        env = catalog.ENVIRONMENTS.get(name)
        shown = [tag for tag in (env.tags if env else ()) if tag in self.avoid.tags]
        return f"avoids {', '.join(shown)}" if shown else None


EMPTY = Profile()

TEMPLATE = """\
# The profile of patient {code}: codes only, never a name. Every key is optional.
# avoid:
#   environments: []        # {environments}
#   tags: []                # {tags}
# music:
#   prefer: []              # {pieces}
#   avoid: []
# voice: {{engine: auto, name: null, rate: 110}}
# language: en
# captions: true
# caps: {{brightness: 1.0, motion: 1.0}}
# display: screen           # headset, screen or sound-only
# safe_scene: haven
notes: ""
"""


def template(code: str) -> str:
    return TEMPLATE.format(
        code=code,
        environments=", ".join(catalog.ENVIRONMENTS),
        tags=", ".join(catalog.TAGS),
        pieces=", ".join(PIECES),
    )


@dataclass
class LoadedProfile:
    profile: Profile | None
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.profile is not None and not has_errors(self.findings)


def load_profile_text(text: str, file: str) -> LoadedProfile:
    """Check a profile's YAML; errors at FILE:LINE:COLUMN."""
    if len(text.encode("utf-8", "replace")) > MAX_BYTES:
        return LoadedProfile(None, [Finding(file, 1, 1, "error", "the profile is too large")])
    try:
        source = parse_yaml(text)
    except YamlError as exc:
        mark = exc.problem.mark
        return LoadedProfile(
            None, [Finding(file, mark.line, mark.column, "error", exc.problem.message)]
        )
    findings = [
        Finding(file, p.mark.line, p.mark.column, "error", p.message) for p in source.problems
    ]
    data = source.data
    if data is None:
        data = {}
    if not isinstance(data, dict):
        mark = source.value_at(())
        return LoadedProfile(
            None,
            findings
            + [Finding(file, mark.line, mark.column, "error", "a profile is a mapping of keys")],
        )
    try:
        profile = Profile.model_validate(data)
    except ValidationError as exc:
        return LoadedProfile(None, findings + _findings(exc, source, file))
    return LoadedProfile(None if has_errors(findings) else profile, findings)


_MODELS: dict[str, type[Part]] = {
    "avoid": Avoid,
    "music": Music,
    "voice": Voice,
    "caps": Caps,
}


def _findings(error: ValidationError, source: Source, file: str) -> list[Finding]:
    found = []
    for detail in error.errors(include_url=False):
        path = tuple(p for p in detail["loc"] if not (isinstance(p, str) and "[" in p))
        kind = detail["type"]
        if kind == "extra_forbidden":
            mark = source.key_at(path)
            model = _MODELS.get(str(path[0])) if len(path) == 2 else Profile
            known = tuple(model.model_fields) if model else ()
            key = str(path[-1])
            hint = did_you_mean(key, known)
            message = f"unknown key '{key}'{hint}" + (
                f" (known keys here: {', '.join(known)})" if known and not hint else ""
            )
        elif kind == "missing":
            mark = source.value_at(path[:-1])
            message = f"missing required key '{path[-1]}'"
        else:
            mark = source.value_at(path)
            keys = [str(p) for p in path if isinstance(p, str)]
            name = ".".join(keys) or "the profile"
            message = f"'{name}': {_describe(dict(detail))}"
        found.append(Finding(file, mark.line, mark.column, "error", message))
    return sorted(set(found))


__all__ = ["EMPTY", "LoadedProfile", "Profile", "load_profile_text", "template"]
