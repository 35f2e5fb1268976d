"""The script format as typed models. One definition gives validation and the JSON Schema.

Validation runs with a context {"base_dir": Path} so file references are checked against
the script's own folder. Custom errors carry messages written for authors.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationInfo,
    WithJsonSchema,
    create_model,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from companion.script import catalog, media
from companion.script.durations import EXAMPLES, PATTERN, DurationError, parse_duration
from companion.script.findings import did_you_mean

FORMAT_VERSION = 1


def _to_seconds(value: object) -> float:
    try:
        return parse_duration(value)
    except DurationError as exc:
        raise PydanticCustomError("duration", str(exc)) from None


Duration = Annotated[
    float,
    BeforeValidator(_to_seconds),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "exclusiveMinimum": 0},
                {"type": "string", "pattern": PATTERN},
            ],
            "description": f"a duration: {EXAMPLES}",
        }
    ),
]
Level = Annotated[float, Field(ge=0, le=1)]
# `hold` and `rest` of a breath may be 0 (left out); otherwise a duration.
OptionalPart = Annotated[
    float,
    BeforeValidator(lambda v: 0.0 if v == 0 and not isinstance(v, bool) else _to_seconds(v)),
    WithJsonSchema(
        {"anyOf": [{"type": "number", "minimum": 0}, {"type": "string", "pattern": PATTERN}]}
    ),
]
Text = Annotated[str, Field(min_length=1)]
SceneId = Annotated[str, Field(pattern=r"^[a-z0-9-]+$")]


def _one_of(kind: str, names: tuple[str, ...]) -> AfterValidator:
    """A str must be one of `names`; errors suggest the nearest name."""

    def check(value: str) -> str:
        if value not in names:
            raise PydanticCustomError(
                "unknown_name",
                "unknown {kind} '{value}'{hint} (known: {known})",
                {
                    "kind": kind,
                    "value": value,
                    "hint": did_you_mean(value, names),
                    "known": ", ".join(names),
                },
            )
        return value

    return AfterValidator(check)


def _enum(names: tuple[str, ...]) -> WithJsonSchema:
    return WithJsonSchema({"enum": list(names)})


def _media_environment(value: Any, info: ValidationInfo) -> Any:
    """`{panorama: FILE}`, `{film: FILE}` or `{scene: FILE}` (with options) becomes its key
    (companion/script/media.py): a name the engine passes on like a built-in one."""
    if not isinstance(value, dict):
        return value
    kinds = [k for k in media.KINDS if k in value]
    if len(kinds) != 1:
        raise PydanticCustomError(
            "media_kind",
            "an environment of your own names one file as panorama, film or scene "
            "(for example {{panorama: media/beach.jpg}}); got {keys}",
            {"keys": ", ".join(map(str, value)) or "nothing"},
        )
    kind = kinds[0]
    extra = [str(k) for k in value if k != kind and k not in media.OPTIONS[kind]]
    if extra:
        raise PydanticCustomError(
            "media_option",
            "a {kind} takes {allowed}; not {extra}",
            {
                "kind": kind,
                "allowed": ", ".join(media.OPTIONS[kind]) or "no options",
                "extra": ", ".join(extra),
            },
        )
    file = value[kind]
    if not isinstance(file, str) or not file.strip():
        raise PydanticCustomError(
            "media_file", "'{kind}' needs a file name, relative to the script", {"kind": kind}
        )
    if not file.lower().endswith(media.SUFFIXES[kind]):
        raise PydanticCustomError(
            "media_suffix",
            "a {kind} file ends in {suffixes}: '{file}'",
            {"kind": kind, "file": file, "suffixes": ", ".join(media.SUFFIXES[kind])},
        )
    stereo = value.get("stereo", "mono")
    if stereo not in media.STEREO:
        raise PydanticCustomError(
            "media_stereo",
            "'stereo' is mono or top-bottom, not '{stereo}'",
            {"stereo": str(stereo)},
        )
    view = value.get("view")
    if view is not None and (not isinstance(view, str) or not view):
        raise PydanticCustomError("media_view", "'view' names a node of the scene")
    _resolve_file(file, info)
    base = (info.context or {}).get("base_dir")
    path = str((Path(base) / file).resolve()) if base is not None else file
    return media.MediaSpec(kind, path, stereo=stereo, view=view).key


def _environment_name(value: str) -> str:
    if media.is_media(value) or value in catalog.ENVIRONMENTS:
        return value
    names = tuple(catalog.ENVIRONMENTS)
    raise PydanticCustomError(
        "unknown_name",
        "unknown {kind} '{value}'{hint} (known: {known}; or your own panorama, film or scene)",
        {
            "kind": "environment",
            "value": value,
            "hint": did_you_mean(value, names),
            "known": ", ".join(names),
        },
    )


_MEDIA_SCHEMA = {
    "type": "object",
    "description": "a clinic's own media: one of panorama, film or scene, with its options",
    "properties": {
        **{
            kind: {"type": "string", "description": media.DESCRIPTIONS[kind]}
            for kind in media.KINDS
        },
        "stereo": {
            "enum": list(media.STEREO),
            "description": "top-bottom: the left eye's picture above the right's",
        },
        "view": {
            "type": "string",
            "description": "scene: the node the viewer sits at (else the origin)",
        },
    },
    "oneOf": [{"required": [kind]} for kind in media.KINDS],
    "additionalProperties": False,
}
EnvironmentName = Annotated[
    str,
    BeforeValidator(_media_environment),
    AfterValidator(_environment_name),
    WithJsonSchema({"anyOf": [{"enum": list(catalog.ENVIRONMENTS)}, _MEDIA_SCHEMA]}),
]
# Names from the catalog, written out as type aliases so that mypy sees a str.
ChimeName = Annotated[str, _one_of("chime", catalog.CHIMES), _enum(catalog.CHIMES)]
Phase = Annotated[str, _one_of("phase", catalog.PHASES), _enum(catalog.PHASES)]
TimeOfDay = Annotated[
    str, _one_of("time of day", catalog.TIMES_OF_DAY), _enum(catalog.TIMES_OF_DAY)
]
BreathSound = Annotated[
    str, _one_of("breathing sound", catalog.BREATH_SOUNDS), _enum(catalog.BREATH_SOUNDS)
]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def is_file_reference(name: str) -> bool:
    """A library name is a bare word; anything with a slash or an extension is a file."""
    return "/" in name or "\\" in name or "." in name


def _resolve_file(value: str, info: ValidationInfo) -> str:
    base = (info.context or {}).get("base_dir")
    if base is not None and not (Path(base) / value).is_file():
        raise PydanticCustomError(
            "missing_file",
            "file not found: '{value}' (looked in {base})",
            {"value": value, "base": str(base)},
        )
    return value


def _track_schema(names: tuple[str, ...]) -> dict[str, Any]:
    return {
        "anyOf": [
            {"enum": [*names, catalog.SILENCE]},
            {
                "type": "string",
                "pattern": r"[./\\]",
                "description": "a sound file, relative to the script",
            },
        ]
    }


SOUND_SUFFIXES = (".wav", ".flac", ".ogg", ".mp3", ".aiff", ".aif", ".opus")


def folder_tracks(folder: Path) -> list[Path]:
    """A folder's sound files (by their suffix), in name order: a playlist."""
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in SOUND_SUFFIXES)


def _resolve_track(value: str, info: ValidationInfo) -> str:
    """A file, or a folder (named with a trailing slash) holding sound files: a playlist."""
    if not value.endswith(("/", "\\")):
        return _resolve_file(value, info)
    base = (info.context or {}).get("base_dir")
    if base is None:
        return value
    folder = Path(base) / value
    if not folder.is_dir():
        raise PydanticCustomError(
            "missing_folder",
            "folder not found: '{value}' (looked in {base})",
            {"value": value, "base": str(base)},
        )
    if not folder_tracks(folder):
        raise PydanticCustomError(
            "empty_folder",
            "the folder '{value}' holds no sound files ({suffixes})",
            {"value": value, "suffixes": ", ".join(SOUND_SUFFIXES)},
        )
    return value


def _check_track(kind: str, names: tuple[str, ...]) -> AfterValidator:
    """A track is a library name, `none`, a file beside the script, or a folder of files."""

    def check(value: str, info: ValidationInfo) -> str:
        if is_file_reference(value):
            return _resolve_track(value, info)
        if value not in names:
            if kind == "music" and value in catalog.PIECES:
                raise PydanticCustomError(
                    "composer_piece",
                    "'{value}' is a piece the composer plays: write music: {piece: {value}}",
                    {"value": value},
                )
            raise PydanticCustomError(
                "unknown_name",
                "unknown {kind} track '{value}'{hint} (library: {known}; or a file path, or none)",
                {
                    "kind": kind,
                    "value": value,
                    "hint": did_you_mean(value, names),
                    "known": ", ".join(names),
                },
            )
        return value

    return AfterValidator(check)


def _check_piece(value: str) -> str:
    if value not in catalog.PIECES:
        raise PydanticCustomError(
            "unknown_name",
            "unknown piece '{value}'{hint} (the composer plays: {known})",
            {
                "value": value,
                "hint": did_you_mean(value, catalog.PIECES),
                "known": ", ".join(catalog.PIECES),
            },
        )
    return value


class SoundSpec(Model):
    """What a bus plays: library tracks or files, crossfaded in turn; no tracks is silence."""

    library: ClassVar[tuple[str, ...]] = ()
    track: tuple[str, ...] = Field(
        description="a track name or file, or a list of them (a playlist)"
    )
    volume: Level = 1.0
    fade: Duration | None = None
    shuffle: bool = Field(
        False, description="play the playlist (its files and folders' files) in a shuffled order"
    )

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        if isinstance(value, (str, list)):
            return {"track": value}
        return value

    @field_validator("track", mode="before")
    @classmethod
    def _as_tuple(cls, value: Any) -> Any:
        if isinstance(value, str):
            return () if value == catalog.SILENCE else (value,)
        if isinstance(value, list) and not value:
            raise PydanticCustomError("empty_playlist", "a playlist needs at least one track")
        return value

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: Any, handler: Any) -> dict[str, Any]:
        track = _track_schema(cls.library)
        playlist = {"type": "array", "items": track, "minItems": 1}
        full = handler.resolve_ref_schema(handler(core_schema))
        full["properties"]["track"] = {"anyOf": [track, playlist]}
        return {"anyOf": [track, playlist, full]}


DEFAULT_ENERGY = 0.5  # a piece plays at this energy when the script gives none


class MusicSpec(SoundSpec):
    """Library tracks or files as any bus plays them, or a piece the composer makes while it
    plays (`piece`, with its `energy`); for a piece, `track` is (piece,)."""

    library = catalog.MUSIC
    track: tuple[Annotated[str, _check_track("music", catalog.MUSIC)], ...] = Field(
        (), description="a track name or file, or a list of them (a playlist)"
    )
    piece: Annotated[str, AfterValidator(_check_piece)] | None = Field(
        None,
        description="a piece the composer makes while it plays, never repeating",
        json_schema_extra={"enum": list(catalog.PIECES)},
    )
    energy: Level | None = Field(
        None, description="the piece's energy, 0 (still) to 1 (full); 0.5 when not given"
    )

    @model_validator(mode="after")
    def _track_or_piece(self) -> MusicSpec:
        given = self.model_fields_set
        if self.piece is not None:
            if "track" in given:
                raise PydanticCustomError(
                    "track_and_piece", "give either a track or a piece, not both"
                )
            object.__setattr__(self, "track", (self.piece,))
        elif "track" not in given:
            raise PydanticCustomError(
                "no_track", "music needs a track (a library name or a file) or a piece"
            )
        elif self.energy is not None:
            raise PydanticCustomError(
                "energy_without_piece",
                "energy is for a piece the composer plays (music: {piece: drift, energy: 0.3})",
            )
        return self


class AmbienceSpec(SoundSpec):
    library = catalog.AMBIENCE
    track: tuple[Annotated[str, _check_track("ambience", catalog.AMBIENCE)], ...]


class LookBase(Model):
    time: TimeOfDay | None = None
    motion: Level | None = Field(None, description="how much the scene moves, 0 to 1")
    brightness: Level | None = Field(None, description="0 to 1")

    def settings(self) -> dict[str, Any]:
        """Only what the author set (None means: keep the current value)."""
        return {k: v for k, v in self.model_dump(exclude={"fade"}).items() if v is not None}


def _setting_field(setting: catalog.Setting) -> tuple[Any, Any]:
    """An environment's own setting. Its value is checked against the scene's environment
    (references.py, so the message can name it); the schema describes it for editors."""
    schema: dict[str, Any] = (
        {"enum": list(setting.choices)}
        if setting.choices
        else {"type": "number", "minimum": setting.low, "maximum": setting.high}
    )
    schema["description"] = setting.description
    return Annotated[Any, WithJsonSchema(schema)], None


_ENV_SETTINGS = {s.name: s for env in catalog.ENVIRONMENTS.values() for s in env.settings}
if TYPE_CHECKING:
    # The environments' own settings are fields made from the catalog at import time; a type
    # checker knows only the common ones (the others are read through `settings()`).
    class Look(LookBase):
        pass

    class LookChange(Look):
        fade: Duration | None = None

else:
    Look = create_model(
        "Look", __base__=LookBase, **{n: _setting_field(s) for n, s in _ENV_SETTINGS.items()}
    )
    LookChange = create_model("LookChange", __base__=Look, fade=(Duration | None, None))


class Voice(Model):
    """Who speaks the narration. Every field is optional; a v1 script without `engine` or
    `model` gets the neural voice for English and espeak-ng for other languages."""

    rate: Annotated[
        int, Field(ge=80, le=260, description="words per minute as heard, pauses included")
    ] = 110
    volume: Level = 1.0
    name: str | None = Field(None, description="an espeak-ng voice by name or id (engine: espeak)")
    engine: Literal["auto", "neural", "espeak"] = Field(
        "auto", description="auto: the neural voice where one speaks the language, else espeak-ng"
    )
    model: str | None = Field(
        None,
        json_schema_extra={"pattern": r"\.onnx$"},
        description=(
            "a Piper voice model (.onnx, its .onnx.json beside it), relative to the script"
        ),
    )

    @field_validator("model")
    @classmethod
    def _model_exists(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and not value.lower().endswith(".onnx"):
            raise PydanticCustomError(
                "voice_model",
                "a voice model is a Piper .onnx file (with its .onnx.json "
                "beside it); got '{value}'",
                {"value": value},
            )
        return None if value is None else _resolve_file(value, info)


class Mix(Model):
    music: Level = 0.6
    ambience: Level = 0.4
    narration: Level = 1.0
    duck: Level = Field(0.5, description="factor on music and ambience while narration speaks")


# Steps: the first key of each mapping names its kind.
class SayStep(Model):
    say: Text
    id: str | None = None
    audio: str | None = None
    caption: bool = True

    @field_validator("audio")
    @classmethod
    def _audio_exists(cls, value: str | None, info: ValidationInfo) -> str | None:
        return None if value is None else _resolve_file(value, info)


class PauseStep(Model):
    pause: Duration


class Breath(Model):
    in_: Duration = Field(alias="in")
    hold: OptionalPart = 0.0
    out: Duration
    rest: OptionalPart = 0.0
    cycles: Annotated[int, Field(ge=1, le=100)] = 1
    sound: BreathSound = "tone"

    @property
    def cycle_seconds(self) -> float:
        return self.in_ + self.hold + self.out + self.rest


class BreatheStep(Model):
    breathe: Breath


class ChimeStep(Model):
    chime: ChimeName


class MusicStep(Model):
    music: MusicSpec
    fade: Duration | None = None


class AmbienceStep(Model):
    ambience: AmbienceSpec
    fade: Duration | None = None


class LookStep(Model):
    look: LookChange


class ShowStep(Model):
    show: Text
    for_: Duration = Field(8.0, alias="for")


class WaitStep(Model):
    wait: Literal["therapist"]


STEP_KINDS: dict[str, type[Model]] = {
    "say": SayStep,
    "pause": PauseStep,
    "breathe": BreatheStep,
    "chime": ChimeStep,
    "music": MusicStep,
    "ambience": AmbienceStep,
    "look": LookStep,
    "show": ShowStep,
    "wait": WaitStep,
}


def step_kind(value: Any) -> str | None:
    """The kind of a step: its first key (or of a model, its class)."""
    if isinstance(value, dict):
        return next(iter(value), None)
    for kind, model in STEP_KINDS.items():
        if isinstance(value, model):
            return kind
    return None


# Written out (not made from STEP_KINDS) so that mypy checks a `match` over steps;
# tests/script/test_models.py checks that the two agree.
Step = Annotated[
    Annotated[SayStep, Tag("say")]
    | Annotated[PauseStep, Tag("pause")]
    | Annotated[BreatheStep, Tag("breathe")]
    | Annotated[ChimeStep, Tag("chime")]
    | Annotated[MusicStep, Tag("music")]
    | Annotated[AmbienceStep, Tag("ambience")]
    | Annotated[LookStep, Tag("look")]
    | Annotated[ShowStep, Tag("show")]
    | Annotated[WaitStep, Tag("wait")],
    Discriminator(
        step_kind,
        custom_error_type="step_kind",
        custom_error_message="a step must be a mapping that starts with its kind",
    ),
]


class Scene(Model):
    id: SceneId
    title: str | None = None
    phase: Phase | None = None
    environment: EnvironmentName
    look: Look | None = None
    music: MusicSpec | None = None
    ambience: AmbienceSpec | None = None
    transition: Duration = 3.0
    duration: Duration | None = None
    then: Annotated[str, Field(description="next, hold, end, or a scene id")] = "next"
    steps: tuple[Step, ...] = ()

    @property
    def name(self) -> str:
        return self.title or self.id

    @property
    def holds(self) -> bool:
        """The scene waits for the therapist somewhere: a `wait` step, or `then: hold`."""
        return self.holds_from(0)

    def holds_from(self, step: int) -> bool:
        """The scene waits for the therapist at or after step `step` (the part not yet passed)."""
        return self.then == "hold" or any(isinstance(s, WaitStep) for s in self.steps[step:])


class Script(Model):
    companion: int = Field(description="format version; 1")
    title: Text
    description: str | None = None
    phase: Phase = "preparation"
    language: Annotated[str, Field(pattern=r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]+)*$")] = "en"
    voice: Voice = Voice()
    mix: Mix = Mix()
    safe_scene: str | None = None
    scenes: tuple[Scene, ...]

    @field_validator("scenes", mode="before")
    @classmethod
    def _at_least_one(cls, value: Any) -> Any:
        if isinstance(value, list) and not value:
            raise PydanticCustomError("no_scenes", "a script needs at least one scene")
        return value

    @field_validator("companion", mode="before")
    @classmethod
    def _supported(cls, value: Any) -> Any:
        if value != FORMAT_VERSION or isinstance(value, bool):
            raise PydanticCustomError(
                "version",
                "unsupported format version {value}; this Companion reads version 1",
                {"value": repr(value)},
            )
        return value

    def scene_phase(self, scene: Scene) -> str:
        return scene.phase or self.phase

    def scene_index(self, scene_id: str) -> int | None:
        return next((i for i, s in enumerate(self.scenes) if s.id == scene_id), None)
