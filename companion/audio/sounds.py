"""Decoding sound files into pygame Sounds in a background thread, so a two-minute music
layer never stalls the render loop. Decoding uses libsndfile (soundfile), resampling and
loudness matching are done here, so every file plays at the device's own format.

A file that is missing, unreadable or damaged (see damage.py) is not played: the loader keeps
why, and the mixer reports it and leaves that sound out. A decoded sound lives in memory for
the whole session, so a file deleted or damaged after it was decoded changes nothing."""

from __future__ import annotations

import queue
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from companion.audio.damage import Damaged, check_length, check_samples
from companion.audio.library import NARRATION_PEAK_DBFS, unpad
from companion.audio.loudness import dual_mono_target, limit_to
from companion.audio.memory import give_back_memory
from companion.audio.signal import resample

EDGE_SECONDS = 0.005


@dataclass(frozen=True)
class Request:
    path: Path
    normalise_to: float | None = None  # LUFS, for recordings made elsewhere
    trim: int = 0  # frames dropped at each end (the library's loop padding)
    seconds: float | None = None  # the length it must have (library manifest), when known
    peak_db: float | None = None  # the peak it must stay under (manifest, narration cache)
    soften: bool = False  # a one-shot from elsewhere: 5 ms fades at its edges (see decode)

    @property
    def key(self) -> tuple[str, float | None]:
        return str(self.path), self.normalise_to


def why_not(path: Path, exc: BaseException) -> str:
    """A failure to decode, in words for the panel."""
    if isinstance(exc, FileNotFoundError):
        return f"{path.name} is missing"
    if isinstance(exc, Damaged):
        return f"{path.name} is {exc}"
    if isinstance(exc, (RuntimeError, ValueError)):  # libsndfile's errors are RuntimeErrors
        detail = str(getattr(exc, "error_string", exc)).strip().rstrip(".")
        return f"{path.name} is damaged or not a sound file ({detail})"
    return f"{path.name} cannot be played ({type(exc).__name__}: {exc})"


def decode(request: Request, frequency: int, channels: int, size: int) -> tuple[bytes, float]:
    """The file as raw samples in the mixer's format, and its length in seconds."""
    import soundfile

    if not request.path.is_file():
        raise FileNotFoundError(request.path)
    with soundfile.SoundFile(str(request.path)) as file:
        declared, rate = file.frames, file.samplerate
        data = file.read(dtype="float32", always_2d=True)
    check_length(request.path, declared, data.shape[0], rate)
    if request.trim:
        data = unpad(data, request.trim).astype(np.float32)
    check_samples(data, rate, seconds=request.seconds, peak_db=request.peak_db)
    if request.normalise_to is not None and data.shape[0]:
        # A mono recording plays on both channels: level it as dual-mono (3.01 dB under).
        target = (
            dual_mono_target(request.normalise_to)
            if data.shape[1] == 1 and channels > 1
            else request.normalise_to
        )
        data = limit_to(data, rate, target, 10 ** (NARRATION_PEAK_DBFS / 20)).astype(np.float32)
    if request.soften:
        # A recording cut short (or edited hard) would start or stop mid-wave: a click.
        edge = min(int(EDGE_SECONDS * rate), data.shape[0] // 2)
        ramp = (0.5 - 0.5 * np.cos(np.linspace(0, np.pi, edge, dtype=np.float32)))[:, None]
        data[:edge] *= ramp
        data[data.shape[0] - edge :] *= ramp[::-1]
    if rate != frequency:
        data = resample(data.astype(np.float64), rate, frequency).astype(np.float32)
    if data.shape[1] != channels:
        data = (
            np.repeat(data.mean(axis=1, keepdims=True), channels, axis=1)
            if data.shape[1] == 1 or channels == 1
            else data[:, :channels]
        )
    seconds = data.shape[0] / frequency
    if size == 32:
        return np.ascontiguousarray(data, dtype="<f4").tobytes(), seconds
    ints = np.clip(np.round(data * 32767.0), -32768, 32767).astype("<i2")
    return ints.tobytes(), seconds


class Loader:
    """Decodes requests in order (urgent ones first) on one thread; results by key."""

    def __init__(self, frequency: int, channels: int, size: int) -> None:
        self.frequency, self.channels, self.size = frequency, channels, size
        self._queue: queue.PriorityQueue[tuple[int, int, Request | None]] = queue.PriorityQueue()
        self._count = 0
        self._lock = threading.Lock()
        self._sounds: dict[tuple[str, float | None], tuple[Any, float]] = {}
        self._failed: dict[tuple[str, float | None], str] = {}
        self._new_failures: list[tuple[Request, str]] = []
        self._asked: set[tuple[str, float | None]] = set()
        self._urgent: set[tuple[str, float | None]] = set()
        self._idle = threading.Event()
        self._idle.set()
        self._thread = threading.Thread(
            target=self._run, name="companion-sound-loader", daemon=True
        )
        self._thread.start()

    def request(self, request: Request, urgent: bool = False) -> None:
        with self._lock:
            if request.key in self._sounds or request.key in self._failed:
                return
            if request.key in self._asked and (not urgent or request.key in self._urgent):
                return
            self._asked.add(request.key)
            if urgent:
                self._urgent.add(request.key)
            self._count += 1
            self._idle.clear()
            self._queue.put((0 if urgent else 1, self._count, request))

    def get(self, request: Request) -> tuple[Any, float] | None:
        """(Sound, seconds) when decoded; None while pending or failed (see `failure`)."""
        with self._lock:
            return self._sounds.get(request.key)

    def failure(self, request: Request) -> str | None:
        with self._lock:
            return self._failed.get(request.key)

    def take_failures(self) -> list[tuple[Request, str]]:
        """Failures found since the last call (each once), for the mixer to report."""
        with self._lock:
            found, self._new_failures = self._new_failures, []
        return found

    def wait_idle(self, timeout: float | None = None) -> bool:
        return self._idle.wait(timeout)

    def close(self) -> None:
        self._queue.put((-1, 0, None))
        self._thread.join(timeout=5)

    def _run(self) -> None:
        import pygame

        while True:
            _, _, request = self._queue.get()
            if request is None:
                return
            with self._lock:
                done = request.key in self._sounds or request.key in self._failed
            if not done:
                try:
                    raw, seconds = decode(request, self.frequency, self.channels, self.size)
                    sound = pygame.mixer.Sound(buffer=raw)
                    with self._lock:
                        self._sounds[request.key] = (sound, seconds)
                except Exception as exc:  # noqa: BLE001 - one bad file must not stop the loader
                    why = why_not(request.path, exc)
                    with self._lock:
                        self._failed[request.key] = why
                        self._new_failures.append((request, why))
            with self._lock:
                idle = self._queue.empty()
                if idle:
                    self._idle.set()
            if idle:
                give_back_memory()  # the decoding's temporary arrays
