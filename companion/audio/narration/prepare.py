"""Before a session: find or render every line, so nothing is synthesised during playback.

`prepare_narration` is what `companion narrate` and `companion run` call. It never raises for
a missing engine or a failed line: the Narration it returns says so (`problem`, `failed`),
and those lines play as captions only."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from companion.audio.narration.cache import NarrationCache, wav_seconds
from companion.audio.narration.lines import Line, script_lines
from companion.audio.narration.recordings import Recordings
from companion.audio.narration.render import Job, Progress, engine_id, render_jobs
from companion.audio.voices import (
    PROGRAM,
    SpeechEngineMissing,
    list_voices,
    normalise_language,
    voice_for,
)
from companion.script.models import Script


@dataclass
class Narration:
    """Where each line's sound is, for the mixer and for timing."""

    script_dir: Path
    cache: NarrationCache
    lines: list[Line]
    recordings: Recordings = field(default_factory=Recordings)
    by_text: dict[str, Path] = field(default_factory=dict)  # synthesised lines in the cache
    voice: str | None = None
    engine: str | None = None
    problem: str | None = None  # why there is no synthesised narration (engine missing...)
    failed: dict[str, str] = field(default_factory=dict)  # text -> why
    rendered: int = 0
    reused: int = 0
    recorded: int = 0
    synthesized_seconds: float = 0.0
    seconds_taken: float = 0.0
    _lengths: dict[Path, float] = field(default_factory=dict)

    def path_for(self, text: str, line_id: str | None = None, audio: str | None = None) -> Path | None:
        """The file to play for a line: its `audio`, a linked recording, or the cached voice."""
        if audio:
            path = (self.script_dir / audio).resolve()
            return path if path.is_file() else None
        recorded = self.recordings.find(text, line_id)
        return recorded or self.by_text.get(text)

    def seconds_for(self, text: str, line_id: str | None = None, audio: str | None = None) -> float | None:
        path = self.path_for(text, line_id, audio)
        if path is None:
            return None
        if path not in self._lengths:
            self._lengths[path] = file_seconds(path)
        return self._lengths[path]

    @property
    def speech_seconds(self) -> float:
        """Total length of every line that has sound."""
        return sum(self.seconds_for(line.text, line.step_id, line.audio) or 0.0 for line in self.lines)

    @property
    def missing(self) -> list[Line]:
        """Lines with no sound: they show as captions only."""
        return [line for line in self.lines if self.path_for(line.text, line.step_id, line.audio) is None]


def file_seconds(path: Path) -> float:
    if path.suffix.lower() == ".wav":
        try:
            return wav_seconds(path)
        except Exception:  # noqa: BLE001 - not a PCM WAV that `wave` reads: ask libsndfile
            pass
    import soundfile

    return float(soundfile.info(str(path)).duration)


def prepare_narration(script: Script, script_path: Path | str | None = None, *,
                      cache: NarrationCache | None = None, progress: Progress | None = None,
                      program: str = PROGRAM, render: bool = True, workers: int | None = None) -> Narration:
    """Look up every line in the cache and render the missing ones (when `render`)."""
    started = time.perf_counter()
    path = Path(script_path) if script_path is not None else None
    narration = Narration(script_dir=path.parent if path else Path.cwd(), cache=cache or NarrationCache(),
                          lines=script_lines(script), recordings=Recordings.load(path))
    to_speak = sorted({line.text for line in narration.lines
                       if not line.audio and narration.recordings.find(line.text, line.step_id) is None},
                      key=len, reverse=True)
    narration.recorded = sum(1 for line in narration.lines
                             if line.text not in to_speak and narration.path_for(line.text, line.step_id, line.audio))
    if not to_speak:
        narration.seconds_taken = time.perf_counter() - started
        return narration
    try:
        narration.engine = engine_id(program)
        voice = voice_for(list_voices(program), script.language, script.voice.name)
    except SpeechEngineMissing as exc:
        narration.problem = f"{exc}; narration will be captions only"
        narration.seconds_taken = time.perf_counter() - started
        return narration
    if voice is None:
        narration.problem = (f"no installed voice speaks '{script.language}'; "
                             "narration will be captions only")
        narration.seconds_taken = time.perf_counter() - started
        return narration
    narration.voice = voice.identifier
    language = normalise_language(script.language)
    keys = {text: NarrationCache.key(text, language, voice.identifier, script.voice.rate, narration.engine)
            for text in to_speak}
    missing = [Job(key, text) for text, key in keys.items() if not narration.cache.has(key)]
    narration.reused = len(to_speak) - len(missing)
    if missing and render:
        report = render_jobs(missing, voice.identifier, script.voice.rate, narration.cache, progress, workers)
        narration.rendered = len(report.rendered)
        narration.synthesized_seconds = report.synthesized_seconds
        by_key = {job.key: job.text for job in missing}
        narration.failed = {by_key[k]: why for k, why in report.failed.items()}
        if report.fatal:
            narration.problem = f"{report.fatal}; narration will be captions only"
    for text, key in keys.items():
        if narration.cache.has(key):
            narration.by_text[text] = narration.cache.path(key)
    narration.seconds_taken = time.perf_counter() - started
    return narration
