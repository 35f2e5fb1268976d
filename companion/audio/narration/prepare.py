"""Before a session: find or render every line, so nothing is synthesised during playback.

`prepare_narration` is what `companion narrate` and `companion run` call. It never raises for
a missing engine or a failed line: the Narration it returns says so (`problem`, `failed`),
and those lines play as captions only.

When it returns, every line's file and length are settled: the session never looks at the
disk again for them (a recording deleted or damaged during the session cannot change a
line's length or raise in the middle of it), and a recording that cannot be read, or is cut
short, is a line without sound (`failed` says why) rather than an error later."""

from __future__ import annotations

import time
import wave
from dataclasses import dataclass, field
from pathlib import Path

from companion.audio.narration.cache import NarrationCache, wav_seconds
from companion.audio.narration.lines import Line, script_lines
from companion.audio.narration.recordings import Recordings
from companion.audio.narration.render import Job, Progress, engine_id, render_jobs
from companion.audio.voices import PROGRAM, Speaker, SpeechEngineMissing, choose_speaker
from companion.script.models import Script

# What reading a sound file's header raises: libsndfile's errors (soundfile's are
# RuntimeErrors) and the system's (a file gone or unreadable).
READ_ERRORS = (OSError, RuntimeError)
# `wave`, for a WAV: its own Error, EOFError for a header cut short, and a frame rate of 0.
WAVE_ERRORS = (wave.Error, EOFError, OSError, ZeroDivisionError)


@dataclass
class Narration:
    """Where each line's sound is, for the mixer and for timing."""

    script_dir: Path
    cache: NarrationCache
    lines: list[Line]
    recordings: Recordings = field(default_factory=Recordings)
    by_text: dict[str, Path] = field(default_factory=dict)  # synthesised lines in the cache
    voice: str | None = None
    engine: str | None = None  # exactly which engine, for the cache key
    speaker: Speaker | None = None  # which voice speaks (the panel's speech badge)
    problem: str | None = None  # why there is no synthesised narration (engine missing...)
    failed: dict[str, str] = field(default_factory=dict)  # text -> why
    rendered: int = 0
    reused: int = 0
    recorded: int = 0
    synthesized_seconds: float = 0.0
    seconds_taken: float = 0.0
    _lengths: dict[Path, float] = field(default_factory=dict)
    _settled: dict[tuple[str, str | None, str | None], Path | None] | None = None

    def path_for(
        self, text: str, line_id: str | None = None, audio: str | None = None
    ) -> Path | None:
        """The file to play for a line: its `audio`, a linked recording, or the cached voice."""
        if self._settled is not None and (text, line_id, audio) in self._settled:
            return self._settled[(text, line_id, audio)]
        return self._find(text, line_id, audio)

    def _find(self, text: str, line_id: str | None, audio: str | None) -> Path | None:
        if audio:
            path = (self.script_dir / audio).resolve()
            return path if path.is_file() else None
        recorded = self.recordings.find(text, line_id)
        return recorded or self.by_text.get(text)

    def seconds_for(
        self, text: str, line_id: str | None = None, audio: str | None = None
    ) -> float | None:
        """A line's length from its file (None: no sound; never raises)."""
        path = self.path_for(text, line_id, audio)
        if path is None:
            return None
        if path not in self._lengths:
            try:
                self._lengths[path] = file_seconds(path)
            except READ_ERRORS:  # a file damaged since: the engine estimates instead
                return None
        return self._lengths[path]

    def settle(self) -> None:
        """Find every line's file and length now, once: a file that cannot be read (or is cut
        short) makes its line one without sound, with the reason in `failed`."""
        settled: dict[tuple[str, str | None, str | None], Path | None] = {}
        for line in self.lines:
            key = (line.text, line.step_id, line.audio)
            path = self._find(*key)
            if path is not None and path not in self._lengths:
                why = unreadable(path)
                if why is None:
                    try:
                        self._lengths[path] = file_seconds(path)
                    except READ_ERRORS as exc:  # say which file
                        why = damaged_or_unknown(path, exc)
                if why is not None:
                    self.failed[line.text] = why
                    path = None
            settled[key] = path
        self._settled = settled

    def why_missing(self, line: Line) -> str:
        """Why a line has no sound, for the panel."""
        if line.text in self.failed:
            return self.failed[line.text]
        if line.audio:
            return f"{Path(line.audio).name} is missing"
        return self.problem or f"'{line.text[:40]}' was not rendered"

    @property
    def speech_seconds(self) -> float:
        """Total length of every line that has sound."""
        return sum(
            self.seconds_for(line.text, line.step_id, line.audio) or 0.0 for line in self.lines
        )

    @property
    def missing(self) -> list[Line]:
        """Lines with no sound: they show as captions only."""
        return [
            line
            for line in self.lines
            if self.path_for(line.text, line.step_id, line.audio) is None
        ]


def damaged_or_unknown(path: Path, exc: BaseException) -> str:
    detail = str(getattr(exc, "error_string", exc)).strip().rstrip(".")
    return f"{path.name} is damaged or not a sound file ({detail})"


def unreadable(path: Path) -> str | None:
    """Why a recording cannot be played as it is (missing, or shorter than its header says),
    or None. The mixer checks the decoded sound itself (damage.py) when it loads it."""
    from companion.audio.damage import ogg_problem, wav_declared_frames

    if not path.is_file():
        return f"{path.name} is missing"
    if (why := ogg_problem(path)) is not None:
        return f"{path.name} is {why}"
    declared = wav_declared_frames(path) if path.suffix.lower() in (".wav", ".wave") else None
    if declared is None:
        return None
    import soundfile

    try:
        info = soundfile.info(str(path))
    except READ_ERRORS as exc:  # say which file
        return damaged_or_unknown(path, exc)
    if info.frames < declared:
        early = (declared - info.frames) / info.samplerate
        return f"{path.name} is damaged: it ends {early:.1f} s early"
    return None


def file_seconds(path: Path) -> float:
    """A sound file's length in seconds; raises one of READ_ERRORS when it cannot be read."""
    if path.suffix.lower() == ".wav":
        seconds = _pcm_wav_seconds(path)
        if seconds is not None:
            return seconds
    import soundfile

    return float(soundfile.info(str(path)).duration)


def _pcm_wav_seconds(path: Path) -> float | None:
    """The length from the header `wave` reads (fast), or None when it is not a PCM WAV
    `wave` reads: libsndfile is asked instead."""
    try:
        return wav_seconds(path)
    except WAVE_ERRORS:
        return None


def _look_up(
    narration: Narration, speaker: Speaker, script: Script, to_speak: list[str]
) -> tuple[dict[str, str], set[str]]:
    """Each line's cache key for this speaker and settings, and the keys already whole."""
    assert narration.engine is not None
    keys = {
        text: NarrationCache.key(
            text, speaker.language, speaker.voice, script.voice.rate, narration.engine
        )
        for text in to_speak
    }
    whole = {key for key in keys.values() if narration.cache.has(key)}  # reads each file: once
    narration.reused = len(to_speak) - sum(1 for key in keys.values() if key not in whole)
    return keys, whole


def prepare_narration(
    script: Script,
    script_path: Path | str | None = None,
    *,
    cache: NarrationCache | None = None,
    progress: Progress | None = None,
    program: str = PROGRAM,
    render: bool = True,
    workers: int | None = None,
) -> Narration:
    """Look up every line in the cache and render the missing ones (when `render`)."""
    started = time.perf_counter()
    path = Path(script_path) if script_path is not None else None
    narration = Narration(
        script_dir=path.parent if path else Path.cwd(),
        cache=cache or NarrationCache(),
        lines=script_lines(script),
        recordings=Recordings.load(path),
    )
    to_speak = sorted(
        {
            line.text
            for line in narration.lines
            if not line.audio and narration.recordings.find(line.text, line.step_id) is None
        },
        key=len,
        reverse=True,
    )
    narration.recorded = sum(
        1
        for line in narration.lines
        if line.text not in to_speak and narration.path_for(line.text, line.step_id, line.audio)
    )
    if not to_speak:
        narration.settle()
        narration.seconds_taken = time.perf_counter() - started
        return narration
    try:
        speaker = choose_speaker(script, narration.script_dir, program)
        narration.engine = engine_id(program, speaker)
    except SpeechEngineMissing as exc:
        narration.problem = f"{exc}; narration will be captions only"
        narration.settle()
        narration.seconds_taken = time.perf_counter() - started
        return narration
    keys, whole = _look_up(narration, speaker, script, to_speak)
    missing = [Job(key, text) for text, key in keys.items() if key not in whole]
    if missing and render:
        report = render_jobs(
            missing,
            speaker,
            script.voice.rate,
            narration.cache,
            progress,
            workers,
            engine=narration.engine,
            program=program,
        )
        if report.fatal and not report.rendered and speaker.engine == "neural":
            # The neural voice cannot speak here after all (a model onnxruntime cannot load):
            # espeak-ng speaks instead, and the panel's badge says so.
            try:
                fallback = choose_speaker(
                    script.model_copy(
                        update={
                            "voice": script.voice.model_copy(
                                update={"engine": "espeak", "model": None}
                            )
                        }
                    ),
                    narration.script_dir,
                    program,
                )
                speaker = Speaker(
                    fallback.engine,
                    fallback.voice,
                    fallback.language,
                    note=f"{report.fatal}; espeak-ng speaks instead",
                )
                narration.engine = engine_id(program, speaker)
            except SpeechEngineMissing:
                pass
            else:
                keys, whole = _look_up(narration, speaker, script, to_speak)
                missing = [Job(key, text) for text, key in keys.items() if key not in whole]
                report = render_jobs(
                    missing,
                    speaker,
                    script.voice.rate,
                    narration.cache,
                    progress,
                    workers,
                    engine=narration.engine,
                    program=program,
                )
        narration.rendered = len(report.rendered)
        whole |= set(report.rendered)
        narration.synthesized_seconds = report.synthesized_seconds
        by_key = {job.key: job.text for job in missing}
        narration.failed = {by_key[k]: why for k, why in report.failed.items()}
        if report.fatal:
            narration.problem = f"{report.fatal}; narration will be captions only"
    narration.speaker = speaker
    narration.voice = speaker.voice
    for text, key in keys.items():
        if key in whole:
            narration.by_text[text] = narration.cache.path(key)
    narration.settle()
    narration.seconds_taken = time.perf_counter() - started
    return narration
