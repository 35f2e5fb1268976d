"""Rendering missing lines: speech child processes (two on two cores), then trimming and
loudness normalisation here, into the cache. A child that hangs is killed and replaced."""

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
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import numpy as np

from companion.audio.library import NARRATION_PEAK_DBFS, TARGETS
from companion.audio.loudness import limit_to
from companion.audio.narration.cache import NarrationCache
from companion.audio.voices import INSTALL_HINT, PROGRAM, SpeechEngineMissing

POSTPROCESS = "trim-level-3"  # bump when finish_line changes: the cache key includes it
LINE_TIMEOUT = 30.0  # seconds a child may take over one line before it is taken as hung
LEAD_SECONDS, TAIL_SECONDS = 0.05, 0.3
SILENCE_THRESHOLD = 10 ** (-48 / 20)
PROJECT_ROOT = Path(__file__).resolve().parents[3]

Progress = Callable[[int, int], None]


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


def engine_id(program: str = PROGRAM) -> str:
    """Names the engine exactly (versions of pyttsx3 and espeak-ng, and our finishing), for
    the cache key; raises SpeechEngineMissing when there is none."""
    try:
        pyttsx3_version = metadata.version("pyttsx3")
    except metadata.PackageNotFoundError:
        raise SpeechEngineMissing("the Python package pyttsx3 is missing: pip install pyttsx3") from None
    path = shutil.which(program)
    if path is None:
        raise SpeechEngineMissing(f"no speech engine: {INSTALL_HINT}")
    try:
        banner = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=20).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        raise SpeechEngineMissing(f"the speech engine does not run ({exc}): {INSTALL_HINT}") from None
    version = re.search(r"(\d+\.\d+(?:\.\d+)?)", banner)
    return f"pyttsx3-{pyttsx3_version}/espeak-ng-{version.group(1) if version else 'unknown'}/{POSTPROCESS}"


def finish_line(raw: Path) -> tuple[bytes, int]:
    """Trim long silences at the ends and bring the line to the narration loudness."""
    with wave.open(str(raw), "rb") as w:
        rate = w.getframerate()
        samples = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float64) / 32768
    loud = np.flatnonzero(np.abs(samples) > SILENCE_THRESHOLD)
    if loud.size:
        start = max(0, loud[0] - int(LEAD_SECONDS * rate))
        end = min(samples.size, loud[-1] + int(TAIL_SECONDS * rate))
        samples = samples[start:end]
    levelled = limit_to(samples, rate, TARGETS["narration"], 10 ** (NARRATION_PEAK_DBFS / 20))
    out = np.clip(np.round(levelled * 32767), -32768, 32767).astype("<i2")
    return out.tobytes(), rate


class _Child:
    def __init__(self, index: int, jobs: list[tuple[int, Job, Path]], voice: str | None, rate: int,
                 inbox: queue.Queue[tuple[int, dict]]) -> None:
        self.index, self.pending = index, {n: (job, path) for n, job, path in jobs}
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH")]))
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "companion.audio.narration.worker"], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, text=True)
        request = {"voice": voice, "rate": rate,
                   "jobs": [{"id": n, "text": job.text, "path": str(path)} for n, job, path in jobs]}
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(request))
        self.proc.stdin.close()
        self.last = time.monotonic()
        threading.Thread(target=self._read, args=(inbox,), daemon=True).start()

    def _read(self, inbox: queue.Queue[tuple[int, dict]]) -> None:
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


def render_jobs(jobs: list[Job], voice: str | None, rate: int, cache: NarrationCache,
                progress: Progress | None = None, workers: int | None = None) -> RenderReport:
    """Render `jobs` into the cache. Never raises for engine trouble: it is in the report."""
    report = RenderReport()
    if not jobs:
        return report
    workers = max(1, min(workers or min(2, os.cpu_count() or 1), len(jobs)))
    inbox: queue.Queue[tuple[int, dict]] = queue.Queue()
    cache.root.mkdir(parents=True, exist_ok=True)
    serials = iter(range(1_000_000))
    with tempfile.TemporaryDirectory(prefix="raw-", dir=cache.root) as raw_dir:
        numbered = [(n, job, Path(raw_dir) / f"{n}.wav") for n, job in enumerate(jobs)]
        children: dict[int, _Child] = {}
        for i in range(workers):
            serial = next(serials)
            children[serial] = _Child(serial, numbered[i::workers], voice, rate, inbox)
        tried: set[int] = set()
        done = 0

        def finish(child: _Child, hung: bool) -> None:
            """A child ended (or hung): the line it was on is retried once, then given up."""
            nonlocal done
            child.kill()
            del children[child.index]
            if not child.pending:
                return
            first = min(child.pending)
            if first in tried or hung:
                job, _ = child.pending.pop(first)
                report.failed[job.key] = "the speech engine hung or crashed on this line"
                done += 1
            tried.add(first)
            rest = [(n, job, path) for n, (job, path) in sorted(child.pending.items())]
            if rest:
                serial = next(serials)
                children[serial] = _Child(serial, rest, voice, rate, inbox)

        try:
            while children:
                try:
                    serial, message = inbox.get(timeout=1.0)
                except queue.Empty:
                    serial, message = -1, {}
                for child in list(children.values()):
                    if child.pending and time.monotonic() - child.last > LINE_TIMEOUT:
                        finish(child, hung=True)
                child = children.get(serial)
                if child is None:
                    continue  # a message from a child already ended
                child.last = time.monotonic()
                if "fatal" in message:
                    report.fatal = message["fatal"]
                    break
                if "id" in message and message["id"] in child.pending:
                    job, raw = child.pending.pop(message["id"])
                    if message.get("ok"):
                        try:
                            samples, line_rate = finish_line(raw)
                            cache.store(job.key, samples, line_rate)
                            report.rendered.append(job.key)
                            report.synthesized_seconds += float(message.get("seconds", 0.0))
                        except (OSError, wave.Error, EOFError) as exc:
                            report.failed[job.key] = f"could not finish the line: {exc}"
                    else:
                        report.failed[job.key] = message.get("error", "the engine failed")
                    done += 1
                    if progress:
                        progress(done, len(jobs))
                if message.get("exited"):
                    finish(child, hung=False)
        finally:
            for child in list(children.values()):
                child.kill()
    return report
