"""Fitting a script to a patient's profile: a pure function on the script model (no I/O).

An avoided environment becomes the nearest allowed one (pieces.NEAREST), its own look
settings dropped; avoided music becomes an allowed piece of the same mood (the preferred ones
first); ambience that sounds like an avoided tag (waves are water) becomes the nearest other;
brightness and motion are held under the caps; the voice, captions, safe scene and display are
the profile's. Every change is a `Substitution`, listed before the session starts (terminal
and panel) and written in the record. A scene whose every environment is avoided cannot be
fitted: `Fitted.problems` names it, and there is no script to play.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from companion.patients.pieces import (
    AMBIENCE_NEAREST,
    AMBIENCE_TAGS,
    NEAREST,
    PIECES,
    mood_distance,
)
from companion.patients.profile import Profile
from companion.script import catalog, models

# The stage's look when a scene does not set it (companion/stage/look.py BASE_DEFAULTS): a cap
# below these has to be written into every scene that leaves them out.
DEFAULT_LOOK = {"brightness": 0.8, "motion": 0.4}
DISPLAYS = {"headset": "vr", "sound-only": "none"}
SCREENS = ("window", "fullscreen", "stereo")


@dataclass(frozen=True)
class Substitution:
    what: str  # environment, music, ambience, brightness, motion, voice, captions, ...
    old: str
    new: str
    why: str
    scene: str | None = None  # the scene's id, when it is about one scene

    def __str__(self) -> str:
        where = f"scene '{self.scene}'" if self.scene else self.what
        return f"{where}: {self.old} -> {self.new}, {self.why}"

    def to_json(self) -> dict[str, Any]:
        return {
            "what": self.what,
            "old": self.old,
            "new": self.new,
            "why": self.why,
            "scene": self.scene,
            "text": str(self),
        }


@dataclass(frozen=True)
class Unfit:
    """A scene that cannot be fitted (its index: where a check points)."""

    scene: str
    index: int
    message: str

    def __str__(self) -> str:
        return f"scene '{self.scene}': {self.message}"


@dataclass(frozen=True)
class Fitted:
    script: models.Script | None  # None when some scene cannot be fitted
    substitutions: tuple[Substitution, ...] = ()
    problems: tuple[Unfit, ...] = ()
    warnings: tuple[str, ...] = ()
    display: str = "window"
    notes: str = ""
    has_profile: bool = True  # False: the code has no profile (nothing was fitted)

    def event(self, patient: str) -> dict[str, Any]:
        """The `fitting` event's fields, for the record."""
        return {
            "patient": patient,
            "substitutions": [s.to_json() for s in self.substitutions],
            "warnings": list(self.warnings),
            "notes": self.notes,
        }


@dataclass
class _Work:
    profile: Profile
    changes: list[Substitution] = field(default_factory=list)
    problems: list[Unfit] = field(default_factory=list)
    capped: dict[str, int] = field(default_factory=dict)


def fit(script: models.Script, profile: Profile, display: str = "window") -> Fitted:
    """`script` as `profile` needs it, and what changed. Pure: no files, no clock."""
    work = _Work(profile)
    scenes = tuple(_scene(work, i, scene) for i, scene in enumerate(script.scenes))
    update: dict[str, Any] = {"scenes": scenes}
    voice = _voice(work, script.voice)
    if voice is not script.voice:
        update["voice"] = voice
    warnings = []
    if profile.safe_scene and profile.safe_scene != script.safe_scene:
        if script.scene_index(profile.safe_scene) is None:
            warnings.append(
                f"the profile's safe scene '{profile.safe_scene}' is not in this script; "
                f"its own ({script.safe_scene or 'none'}) stays"
            )
        else:
            update["safe_scene"] = profile.safe_scene
            work.changes.append(
                Substitution(
                    "safe scene",
                    script.safe_scene or "none",
                    profile.safe_scene,
                    "the profile's safe scene",
                )
            )
    if profile.language and profile.language.lower() != script.language.lower():
        warnings.append(
            f"the script is in '{script.language}' and the profile asks for "
            f"'{profile.language}': the narration stays in '{script.language}'"
        )
    for name, count in work.capped.items():
        cap = getattr(profile.caps, name)
        work.changes.append(
            Substitution(
                name,
                "as written",
                f"at most {cap:g}",
                f"the profile's cap (lowered in {count} place{'s' * (count != 1)})",
            )
        )
    if profile.captions is False:
        work.changes.append(Substitution("captions", "on", "off", "the profile"))
    chosen = _display(profile, display)
    if chosen != display:
        work.changes.append(
            Substitution("display", display, chosen, f"the profile's {profile.display}")
        )
    return Fitted(
        None if work.problems else script.model_copy(update=update),
        tuple(work.changes),
        tuple(work.problems),
        tuple(warnings),
        chosen,
        profile.notes,
    )


def _display(profile: Profile, display: str) -> str:
    if profile.display is None:
        return display
    if profile.display == "screen":
        return display if display in SCREENS else "window"
    return DISPLAYS[profile.display]


def _scene(work: _Work, index: int, scene: models.Scene) -> models.Scene:
    update: dict[str, Any] = {}
    environment = scene.environment
    why = work.profile.avoids_environment(environment)
    if why:
        allowed = [
            e for e in NEAREST.get(environment, ()) if not work.profile.avoids_environment(e)
        ]
        if not allowed:
            work.problems.append(
                Unfit(scene.id, index, f"{environment} {why}, and so does every other environment")
            )
            return scene
        environment = allowed[0]
        update["environment"] = environment
        work.changes.append(
            Substitution("environment", scene.environment, environment, why, scene.id)
        )
    look = _look(work, scene.look, environment, first=True)
    if look is not scene.look:
        update["look"] = look
    if scene.music is not None:
        music = _music(work, scene.id, scene.music)
        if music is not scene.music:
            update["music"] = music
    if scene.ambience is not None:
        ambience = _ambience(work, scene.id, scene.ambience)
        if ambience is not scene.ambience:
            update["ambience"] = ambience
    steps = tuple(_step(work, scene.id, step, environment) for step in scene.steps)
    if any(new is not old for new, old in zip(steps, scene.steps, strict=True)):
        update["steps"] = steps
    return scene.model_copy(update=update) if update else scene


def _step(work: _Work, scene: str, step: Any, environment: str) -> Any:
    if isinstance(step, models.MusicStep):
        music = _music(work, scene, step.music)
        return step if music is step.music else step.model_copy(update={"music": music})
    if isinstance(step, models.AmbienceStep):
        ambience = _ambience(work, scene, step.ambience)
        return step if ambience is step.ambience else step.model_copy(update={"ambience": ambience})
    if isinstance(step, models.LookStep):
        look = _look(work, step.look, environment, first=False)
        return step if look is step.look else step.model_copy(update={"look": look})
    if isinstance(step, models.SayStep) and work.profile.captions is False and step.caption:
        return step.model_copy(update={"caption": False})
    return step


def _look(work: _Work, look: Any, environment: str, first: bool) -> Any:
    """The look with settings of another environment dropped and the caps applied. A scene's
    own look (`first`) gets the cap even when it leaves the value to the stage's default."""
    env = catalog.ENVIRONMENTS.get(environment)
    own = {s.name for s in env.settings} if env else set()
    every = {s.name for e in catalog.ENVIRONMENTS.values() for s in e.settings}
    update: dict[str, Any] = {}
    if look is not None:
        for name in every - own:
            if getattr(look, name, None) is not None:
                update[name] = None
    for name in ("brightness", "motion"):
        cap = getattr(work.profile.caps, name)
        if cap is None:
            continue
        value = getattr(look, name, None) if look is not None else None
        if value is None and first:
            value = DEFAULT_LOOK[name]
        if value is not None and value > cap:
            update[name] = cap
            work.capped[name] = work.capped.get(name, 0) + 1
    if not update:
        return look
    if look is None:
        return models.Look(**update)
    return look.model_copy(update=update)


def _music(work: _Work, scene: str, spec: models.MusicSpec) -> models.MusicSpec:
    avoid, prefer = work.profile.music.avoid, work.profile.music.prefer
    tracks: list[str] = []
    for track in spec.track:
        if track not in avoid:
            tracks.append(track)
            continue
        allowed = [t for t in catalog.MUSIC if t not in avoid and t in PIECES]
        allowed.sort(key=lambda t: (mood_distance(PIECES[t], PIECES[track]), t not in prefer))
        new = allowed[0] if allowed else None
        mood = PIECES[track]
        why = (
            f"avoided; {'the same' if new and PIECES[new] == mood else 'the nearest'} mood ({mood})"
            if new
            else "avoided; no allowed piece"
        )
        work.changes.append(Substitution("music", track, new or "silence", why, scene))
        if new and new not in tracks:
            tracks.append(new)
    if tracks == list(spec.track):
        return spec
    return spec.model_copy(update={"track": tuple(tracks)})


def _ambience(work: _Work, scene: str, spec: models.AmbienceSpec) -> models.AmbienceSpec:
    avoided = set(work.profile.avoid.tags)
    tracks: list[str] = []
    for track in spec.track:
        tags = [t for t in AMBIENCE_TAGS.get(track, ()) if t in avoided]
        if not tags:
            tracks.append(track)
            continue
        allowed = [
            t
            for t in AMBIENCE_NEAREST.get(track, ())
            if t in catalog.AMBIENCE and not set(AMBIENCE_TAGS.get(t, ())) & avoided
        ]
        new = allowed[0] if allowed else None
        work.changes.append(
            Substitution("ambience", track, new or "silence", f"avoids {', '.join(tags)}", scene)
        )
        if new and new not in tracks:
            tracks.append(new)
    if tracks == list(spec.track):
        return spec
    return spec.model_copy(update={"track": tuple(tracks)})


def _voice(work: _Work, voice: models.Voice) -> models.Voice:
    wanted = work.profile.voice
    update = {
        name: value
        for name, value in (("engine", wanted.engine), ("name", wanted.name), ("rate", wanted.rate))
        if value is not None and getattr(voice, name) != value
    }
    if not update:
        return voice
    old = ", ".join(f"{k} {getattr(voice, k)}" for k in update)
    new = ", ".join(f"{k} {v}" for k, v in update.items())
    work.changes.append(Substitution("voice", old, new, "the profile's voice"))
    return voice.model_copy(update=update)
