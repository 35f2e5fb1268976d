"""Shared set-up for the sound tests: the library (made if missing), a narration cache kept
for the whole run, and a harness that plays a script fragment through the real mixer into
SDL's disk driver and hands back the capture with the frame of every action."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from companion.audio.library import Library, ensure_library
from tests.audio.capture import RATE, Capture


@pytest.fixture(scope="session")
def library() -> Library:
    return ensure_library()  # scripts/setup-env makes it; this only waits if it is missing


@pytest.fixture(scope="session")
def narration_cache(tmp_path_factory):
    from companion.audio.narration.cache import NarrationCache

    return NarrationCache(tmp_path_factory.mktemp("narration-cache"))


@dataclass
class Played:
    audio: object  # np.ndarray (frames, 2)
    actions: list[tuple[str, object, int]]  # (kind, action, capture frame when applied)
    health: list[tuple[str, bool, str]]
    engine: object
    capture: Capture
    commands: dict[str, int] = field(default_factory=dict)  # command name -> frame
    watched: list[tuple[float, object]] = field(default_factory=list)  # (seconds, watch(mixer))
    applied_at: dict[str, float] = field(
        default_factory=dict
    )  # action kind -> wall time, first one

    def seconds_between(self, first: str, then: str) -> float:
        """Wall seconds between the first actions of two kinds, on the clock itself: spans in
        capture frames are off by tens of milliseconds where the disk driver runs unevenly."""
        return self.applied_at[then] - self.applied_at[first]

    @property
    def rate(self) -> float:
        """Capture frames per second of wall time. SDL's disk driver sleeps whole
        milliseconds per buffer, so it writes a few percent faster than real time: spans the
        engine measured (in wall time) are compared through this rate."""
        marks = [(t, f) for t, f in self.capture.marks if f > 0]
        (t0, f0), (t1, f1) = marks[0], marks[-1]
        return (f1 - f0) / (t1 - t0)

    def wall(self, frames: float) -> float:
        return frames / self.rate

    def frames_of(self, kind: str) -> list[int]:
        return [frame for k, _, frame in self.actions if k == kind]

    def first(self, kind: str) -> tuple[object, int]:
        return next((action, frame) for k, action, frame in self.actions if k == kind)


@pytest.fixture
def play(tmp_path, monkeypatch, library, narration_cache) -> Callable[..., Played]:
    """play(script_text, seconds, commands={time: (name, args)}, files={name: array},
    watch=f): f(mixer) is kept with the time after every loop of the session.

    It plays for `seconds` of wall time and on until the capture holds `seconds` of sound from
    the start: on a busy machine SDL's disk driver falls behind the wall clock, and a window
    near the end of the run would otherwise fall past the end of the capture."""
    import soundfile

    from companion.audio.mixer import Mixer
    from companion.audio.narration.prepare import prepare_narration
    from companion.audio.narration.timing import SoundTiming
    from companion.script import require_script
    from companion.session.clock import RealClock
    from companion.session.engine import Engine

    def run(
        text: str,
        seconds: float,
        commands: dict[float, tuple[str, dict]] | None = None,
        files: dict[str, object] | None = None,
        direct: dict[float, object] | None = None,
        watch: Callable[[Mixer], object] | None = None,
        music_seed: int | None = None,
    ) -> Played:
        for name, audio in (files or {}).items():
            soundfile.write(tmp_path / name, audio, 44100, subtype="PCM_16")
        script_path = tmp_path / "fragment.yaml"
        script_path.write_text(text, encoding="utf-8")
        script = require_script(script_path)
        narration = prepare_narration(script, script_path, cache=narration_cache)
        assert narration.problem is None, narration.problem
        capture_path = tmp_path / "capture.raw"
        monkeypatch.setenv("SDL_AUDIODRIVER", "disk")
        monkeypatch.setenv("SDL_DISKAUDIOFILE", str(capture_path))
        health: list[tuple[str, bool, str]] = []
        mixer = Mixer(
            script,
            tmp_path,
            narration,
            lambda *report: health.append(report),
            library=library,
            music_seed=music_seed,
        )
        capture = Capture(capture_path)
        try:
            assert mixer.ready(30), "sounds did not decode in time"
            engine = Engine(script, RealClock(), timing=SoundTiming(narration, library))
            # Moments are kept as times and turned into frames once the capture is whole:
            # mapped while playing, a moment after the last growth of the file was
            # extrapolated, and a driver held up just then put it too late by the hold-up.
            action_times: list[tuple[str, object, float]] = []
            command_times: dict[str, float] = {}
            played = Played(None, [], health, engine, capture)
            todo = sorted((commands or {}).items())
            direct_todo = sorted((direct or {}).items(), key=lambda item: item[0])
            engine.command("start")
            start = time.monotonic()
            enough = capture.frame_at(start) + int(seconds * RATE)
            while (now := time.monotonic()) - start < seconds or (
                capture.written() < enough and now - start < 2 * seconds
            ):
                while todo and now - start >= todo[0][0]:
                    name, args = todo.pop(0)[1]
                    result = engine.command(name, **args)
                    assert result.ok, result.reason
                    command_times[name] = time.monotonic()
                for action in engine.tick():
                    played.applied_at.setdefault(action.kind, time.monotonic())
                    mixer.apply(action)
                    action_times.append((action.kind, action, time.monotonic()))
                while direct_todo and now - start >= direct_todo[0][0]:
                    action = direct_todo.pop(0)[1]
                    mixer.apply(action)
                    action_times.append((action.kind, action, time.monotonic()))
                mixer.update()
                if watch is not None:
                    played.watched.append((now - start, watch(mixer)))
                time.sleep(0.004)
        finally:
            mixer.close()
            capture.stop()
        played.actions = [(kind, action, capture.frame_at(t)) for kind, action, t in action_times]
        played.commands = {name: capture.frame_at(t) for name, t in command_times.items()}
        played.audio = capture.audio()
        return played

    return run
