"""Rendering missing lines into the cache: each line cut into clauses (phrasing.py), each
clause spoken by the engine, the clauses joined with our own pauses, and the line levelled.

Two engines behind one face (`Backend.speak`): the neural voice in this process (neural.py),
and espeak-ng through pyttsx3 in child processes (two on two cores; a child that hangs is
killed and replaced). Both are told a setting that calibrate.py found by measuring what the
engine renders, so `rate` is words per minute as heard."""

from __future__ import annotations

import json
import os
import queue
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import wave
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from companion.audio.library import NARRATION_PEAK_DBFS, TARGETS
from companion.audio.loudness import dual_mono_target, limit_to
from companion.audio.narration.cache import NarrationCache, sweep_raw
from companion.audio.narration.phrasing import (
    COMMA_PAUSE,
    DEFAULT_RATE,
    ELLIPSIS_PAUSE,
    SENTENCE_PAUSE,
    Clause,
    clauses,
)
from companion.audio.voices import INSTALL_HINT, PROGRAM, Speaker, SpeechEngineMissing
from companion.script.timing import word_count

LINE_TIMEOUT = 30.0  # seconds a child may take over one clause before it is taken as hung
LEAD_SECONDS, TAIL_SECONDS = 0.05, 0.3  # silence kept before and after a line
CLAUSE_LEAD, CLAUSE_TAIL = 0.015, 0.06  # kept around a clause's sound (its breath in, its decay)
EDGE_SECONDS = 0.008  # a clause's ends fade in and out: no hard edges
CLAUSE_FLOOR_DB = -40.0  # below the clause's loudest 10 ms: silence (or a faint breath)
PAUSE_FIT = (0.5, 2.0)  # how far a line's pauses may stretch to keep its rate
PROJECT_ROOT = Path(__file__).resolve().parents[3]
# The finishing, in the cache key: bump the name when the code changes; the pauses are in it.
POSTPROCESS = (
    f"clauses-dualmono-3-{COMMA_PAUSE}-{SENTENCE_PAUSE}-{ELLIPSIS_PAUSE}"
    f"-{PAUSE_FIT[0]}-{PAUSE_FIT[1]}"
)

Progress = Callable[[int, int], None]
Spoken = list[np.ndarray] | str  # a line's clauses as float samples, or why it failed


@dataclass
class Job:
    key: str
    text: str


@dataclass
class RenderReport:
    rendered: list[str] = field(default_factory=list)  # keys
    failed: dict[str, str] = field(default_factory=dict)  # key -> why
    fatal: str | None = None
    synthesized_seconds: float = 0.0


def espeak_version(program: str = PROGRAM) -> str:
    path = shutil.which(program)
    if path is None:
        raise SpeechEngineMissing(f"no speech engine: {INSTALL_HINT}")
    try:
        banner = subprocess.run(
            [path, "--version"], capture_output=True, text=True, timeout=20
        ).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        raise SpeechEngineMissing(
            f"the speech engine does not run ({exc}): {INSTALL_HINT}"
        ) from None
    version = re.search(r"(\d+\.\d+(?:\.\d+)?)", banner)
    return version.group(1) if version else "unknown"


def engine_id(program: str = PROGRAM, speaker: Speaker | None = None) -> str:
    """Names the engine exactly (versions, the neural model's digest, our finishing), for the
    cache key; raises SpeechEngineMissing when there is none."""
    if speaker is not None and speaker.engine == "neural" and speaker.model is not None:
        from companion.audio.narration import neural

        return (
            f"piper-onnx-{neural.model_digest(speaker.model)}/onnxruntime-{neural.runtime_version()}"
            f"/espeak-ng-{espeak_version(program)}/{POSTPROCESS}"
        )
    try:
        pyttsx3_version = metadata.version("pyttsx3")
    except metadata.PackageNotFoundError:
        raise SpeechEngineMissing(
            "the Python package pyttsx3 is missing: pip install pyttsx3"
        ) from None
    return f"pyttsx3-{pyttsx3_version}/espeak-ng-{espeak_version(program)}/{POSTPROCESS}"


# --- finishing: clauses joined with pauses, the line levelled ---------------------------------


def loud_span(
    x: np.ndarray, rate: int, floor_db: float = CLAUSE_FLOOR_DB
) -> tuple[int, int] | None:
    """The first and last sample of sound: 10 ms windows whose RMS is within `floor_db` of
    the loudest window (a neural voice's faint breath before a clause is not its sound)."""
    x = np.asarray(x, dtype=np.float64).reshape(-1)
    step = max(1, rate // 100)
    n = x.size // step
    if n == 0:
        return None
    rms = np.sqrt(np.mean(x[: n * step].reshape(n, step) ** 2, axis=1))
    if rms.max() <= 0:
        return None
    loud = np.flatnonzero(rms > rms.max() * 10 ** (floor_db / 20))
    return int(loud[0] * step), int(min(x.size, (loud[-1] + 1) * step))


def trim_clause(x: np.ndarray, rate: int) -> np.ndarray:
    """A clause's sound without the silence the engine put around it, its ends faded."""
    x = np.asarray(x, dtype=np.float64).reshape(-1)
    span = loud_span(x, rate)
    if span is None:
        return np.zeros(0)
    start = max(0, span[0] - int(CLAUSE_LEAD * rate))
    end = min(x.size, span[1] + int(CLAUSE_TAIL * rate))
    x = x[start:end].copy()
    edge = min(int(EDGE_SECONDS * rate), x.size // 2)
    if edge:
        ramp = 0.5 - 0.5 * np.cos(np.linspace(0, np.pi, edge))
        x[:edge] *= ramp
        x[x.size - edge :] *= ramp[::-1]
    return x


def assemble(
    spoken: Sequence[np.ndarray],
    parts: Sequence[Clause],
    words_per_minute: int,
    rate: int,
    fit: bool = True,
) -> np.ndarray:
    """The line: each clause trimmed, then the pause after it. The engine's setting gives
    the pace of the words (calibrate.py); the pauses, being ours, are then fitted so the line
    as heard has `words_per_minute` (`fit`), each kept within PAUSE_FIT of its usual length
    (scaled with the rate): a line of many commas does not race, a line with no pause is
    heard at the voice's own pace."""
    clauses_audio = [trim_clause(audio, rate) for audio in spoken]
    pauses = [clause.pause * DEFAULT_RATE / words_per_minute for clause in parts]
    if fit and sum(pauses) > 0:
        speech = sum(a.size for a in clauses_audio) / rate
        wanted = word_count(" ".join(c.text for c in parts)) * 60.0 / words_per_minute
        factor = min(PAUSE_FIT[1], max(PAUSE_FIT[0], (wanted - speech) / sum(pauses)))
        pauses = [p * factor for p in pauses]
    pieces = [np.zeros(int(LEAD_SECONDS * rate))]
    for audio, pause in zip(clauses_audio, pauses, strict=True):
        pieces.append(audio)
        pieces.append(np.zeros(int(round(pause * rate))))
    pieces.append(np.zeros(int(TAIL_SECONDS * rate)))
    return np.concatenate(pieces)


def level_line(samples: np.ndarray, rate: int) -> bytes:
    """16-bit PCM at the narration target as the patient hears it: a mono line is played on
    both channels, which measures 3.01 dB louder than the file alone (dual-mono)."""
    levelled = limit_to(
        samples, rate, dual_mono_target(TARGETS["narration"]), 10 ** (NARRATION_PEAK_DBFS / 20)
    )
    return np.clip(np.round(levelled * 32767), -32768, 32767).astype("<i2").tobytes()


# --- the engines -----------------------------------------------------------------------------


class Backend:
    """Speaks lines clause by clause at a setting (the neural length scale, espeak-ng's rate)."""

    sample_rate: int = 22050
    fatal: str | None = None

    # calibrate.py renders a reference at two settings (`probes`) and fits the speech's
    # length to them: a + b * setting, or a + b / setting for an engine told a speed
    # (`inverse`); `limits` bound what the engine accepts.
    probes: tuple[float, float] = (1.0, 2.0)
    repeats: int = 1
    inverse: bool = False
    limits: tuple[float, float] = (0.0, float("inf"))

    def speak(
        self, lines: list[list[Clause]], setting: float, done: Callable[[int, Spoken], None]
    ) -> None:
        """Speak every line; `done(index, clauses or why)` as each line is ready."""
        raise NotImplementedError


class NeuralBackend(Backend):
    def __init__(
        self, speaker: Speaker, program: str = PROGRAM, workers: int | None = None
    ) -> None:
        from companion.audio.narration import neural

        self.workers = max(1, workers or 2)
        assert speaker.model is not None
        self.voice = neural.load(speaker.model)
        self.sample_rate = self.voice.info.sample_rate
        self.espeak_voice = speaker.espeak_voice or self.voice.info.espeak_voice
        self.program = program

    probes = (1.4, 2.2)  # length scales: about 140 and 90 words a minute as heard
    limits = (0.3, 3.0)

    def speak(
        self, lines: list[list[Clause]], setting: float, done: Callable[[int, Spoken], None]
    ) -> None:
        from companion.audio.narration import neural

        def one(index: int) -> None:
            parts = lines[index]
            try:
                phonemes = neural.phonemize(
                    [c.text for c in parts], self.espeak_voice, self.program
                )
                done(
                    index,
                    [
                        self.voice.speak(p, c.close, setting)
                        for p, c in zip(phonemes, parts, strict=True)
                    ],
                )
            except neural.NeuralUnavailable as exc:
                self.fatal = str(exc)
                done(index, str(exc))
            # onnxruntime raises its own types (not one base): this line fails, not all of them,
            # and the worker thread goes on with the next
            except Exception as exc:  # noqa: BLE001
                done(index, f"the neural voice failed on this line ({exc})")

        # Two lines at a time (`workers`), each on one onnxruntime thread: on two cores this is
        # faster than one line on two threads, and one line is phonemised (a child process)
        # while another is spoken.
        n = min(self.workers, len(lines))

        def share(k: int) -> None:
            for i in range(k, len(lines), n):
                one(i)

        threads = [threading.Thread(target=share, args=(k,), daemon=True) for k in range(n)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()


class EspeakBackend(Backend):
    def __init__(self, speaker: Speaker, cache: NarrationCache, workers: int | None = None) -> None:
        self.voice, self.cache, self.workers = speaker.voice, cache, workers

    probes = (110.0, 200.0)  # espeak-ng's own words a minute
    repeats = 2  # pyttsx3 now and then cuts a clause short: the longest of two is the whole
    inverse = True
    limits = (80.0, 450.0)

    def speak(
        self, lines: list[list[Clause]], setting: float, done: Callable[[int, Spoken], None]
    ) -> None:
        items = [
            (i, k, clause.text) for i, parts in enumerate(lines) for k, clause in enumerate(parts)
        ]
        got: dict[int, list[np.ndarray | None]] = {
            i: [None] * len(parts) for i, parts in enumerate(lines)
        }
        position = {n: (i, k) for n, (i, k, _) in enumerate(items)}
        failed: set[int] = set()

        def clause_done(n: int, path: Path | None, why: str | None) -> None:
            line, k = position[n]
            if line in failed:
                return
            if path is None:
                failed.add(line)
                done(line, why or "the engine failed")
                return
            try:
                with wave.open(str(path), "rb") as w:
                    self.sample_rate = w.getframerate()
                    got[line][k] = (
                        np.frombuffer(w.readframes(w.getnframes()), dtype="<i2") / 32768.0
                    )
            except (OSError, wave.Error, EOFError) as exc:
                failed.add(line)
                done(line, f"could not read the engine's output: {exc}")
                return
            if all(a is not None for a in got[line]):
                done(line, [a for a in got[line] if a is not None])

        self.fatal = _run_children(
            [text for _, _, text in items],
            self.voice,
            int(round(setting)),
            self.cache,
            clause_done,
            self.workers,
        )


def backend_for(
    speaker: Speaker, cache: NarrationCache, workers: int | None = None, program: str = PROGRAM
) -> Backend:
    if speaker.engine == "neural":
        return NeuralBackend(speaker, program, workers)
    return EspeakBackend(speaker, cache, workers)


# --- rendering jobs into the cache -----------------------------------------------------------


def render_jobs(
    jobs: list[Job],
    speaker: Speaker,
    words_per_minute: int,
    cache: NarrationCache,
    progress: Progress | None = None,
    workers: int | None = None,
    *,
    engine: str | None = None,
    program: str = PROGRAM,
) -> RenderReport:
    """Render `jobs` into the cache. Never raises for engine trouble: it is in the report."""
    from companion.audio.narration import calibrate, neural

    report = RenderReport()
    if not jobs:
        return report
    try:
        cache.root.mkdir(parents=True, exist_ok=True)
        sweep_raw(cache.root)
        backend = backend_for(speaker, cache, workers, program)
        setting = calibrate.setting_for(
            backend, engine or engine_id(program, speaker), words_per_minute, cache.root
        )
    except (neural.NeuralUnavailable, SpeechEngineMissing, calibrate.CalibrationFailed) as exc:
        report.fatal = str(exc)
        return report
    except OSError as exc:  # the cache folder cannot be written (read-only, full)
        report.fatal = f"the narration cache {cache.root} cannot be written: {exc.strerror or exc}"
        return report
    lines = [clauses(job.text) for job in jobs]
    lock = threading.Lock()
    count = 0

    def done(index: int, spoken: Spoken) -> None:
        nonlocal count
        job = jobs[index]
        if isinstance(spoken, str):
            report.failed[job.key] = spoken
        elif not lines[index]:
            report.failed[job.key] = "the line has no words to speak"
        else:
            samples = assemble(spoken, lines[index], words_per_minute, backend.sample_rate)
            try:
                cache.store(job.key, level_line(samples, backend.sample_rate), backend.sample_rate)
            except OSError as exc:
                report.failed[job.key] = f"could not store the line: {exc}"
            else:
                with lock:
                    report.rendered.append(job.key)
                    report.synthesized_seconds += samples.size / backend.sample_rate
        with lock:
            count += 1
            if progress:
                progress(count, len(jobs))

    backend.speak(lines, setting, done)
    if backend.fatal and not report.rendered:
        report.fatal = backend.fatal
    return report


# --- espeak-ng's child processes ---------------------------------------------------------------


class _Child:
    def __init__(
        self,
        index: int,
        jobs: list[tuple[int, str, Path]],
        voice: str | None,
        rate: int,
        inbox: queue.Queue[tuple[int, dict[str, Any]]],
    ) -> None:
        self.index, self.pending = index, {n: (text, path) for n, text, path in jobs}
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH")])
        )
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "companion.audio.narration.worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
            text=True,
        )
        request = {
            "voice": voice,
            "rate": rate,
            "jobs": [{"id": n, "text": text, "path": str(path)} for n, text, path in jobs],
        }
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(request))
        self.proc.stdin.close()
        self.last = time.monotonic()
        threading.Thread(target=self._read, args=(inbox,), daemon=True).start()

    def _read(self, inbox: queue.Queue[tuple[int, dict[str, Any]]]) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            try:
                inbox.put((self.index, json.loads(line)))
            except ValueError:
                continue
        inbox.put((self.index, {"exited": True}))

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()


class _Children:
    """The espeak-ng children of one render: started, watched for hangs, a line retried once."""

    def __init__(
        self,
        voice: str | None,
        rate: int,
        done: Callable[[int, Path | None, str | None], None],
        inbox: queue.Queue[tuple[int, dict[str, Any]]],
    ) -> None:
        self.voice, self.rate, self.done, self.inbox = voice, rate, done, inbox
        self.children: dict[int, _Child] = {}
        self._serials = iter(range(1_000_000))
        self._tried: set[int] = set()

    def start(self, jobs: list[tuple[int, str, Path]]) -> None:
        serial = next(self._serials)
        self.children[serial] = _Child(serial, jobs, self.voice, self.rate, self.inbox)

    def finish(self, child: _Child, hung: bool) -> None:
        """A child ended (or hung): the clause it was on is retried once, then given up."""
        child.kill()
        del self.children[child.index]
        if not child.pending:
            return
        first = min(child.pending)
        if first in self._tried or hung:
            child.pending.pop(first)
            self.done(first, None, "the speech engine hung or crashed on this line")
        self._tried.add(first)
        rest = [(n, text, path) for n, (text, path) in sorted(child.pending.items())]
        if rest:
            self.start(rest)

    def end_hung(self) -> None:
        for child in list(self.children.values()):
            if child.pending and time.monotonic() - child.last > LINE_TIMEOUT:
                self.finish(child, hung=True)

    def take(self, serial: int, message: dict[str, Any]) -> str | None:
        """One message from a child. Returns a fatal message (the engine cannot speak), or
        None."""
        child = self.children.get(serial)
        if child is None:
            return None  # a message from a child already ended
        child.last = time.monotonic()
        if "fatal" in message:
            return str(message["fatal"])
        if "id" in message and message["id"] in child.pending:
            _, raw = child.pending.pop(message["id"])
            if message.get("ok"):
                self.done(message["id"], raw, None)
            else:
                self.done(message["id"], None, message.get("error", "the engine failed"))
        if message.get("exited"):
            self.finish(child, hung=False)
        return None

    def kill_all(self) -> None:
        for child in list(self.children.values()):
            child.kill()


def _run_children(
    texts: list[str],
    voice: str | None,
    rate: int,
    cache: NarrationCache,
    done: Callable[[int, Path | None, str | None], None],
    workers: int | None,
) -> str | None:
    """Speak each text to a WAV in a raw-* folder of the cache; `done(n, path or None, why)`
    for each while the folder exists. Returns a fatal message, or None."""
    if not texts:
        return None
    workers = max(1, min(workers or min(2, os.cpu_count() or 1), len(texts)))
    inbox: queue.Queue[tuple[int, dict[str, Any]]] = queue.Queue()
    fatal: str | None = None
    with tempfile.TemporaryDirectory(prefix="raw-", dir=cache.root) as raw_dir:
        (Path(raw_dir) / "owner").write_text(str(os.getpid()), encoding="utf-8")  # see sweep_raw
        numbered = [(n, text, Path(raw_dir) / f"{n}.wav") for n, text in enumerate(texts)]
        pool = _Children(voice, rate, done, inbox)
        for i in range(workers):
            pool.start(numbered[i::workers])
        try:
            while pool.children:
                try:
                    serial, message = inbox.get(timeout=1.0)
                except queue.Empty:
                    serial, message = -1, {}
                pool.end_hung()
                fatal = pool.take(serial, message)
                if fatal is not None:
                    break
        finally:
            pool.kill_all()
    return fatal
