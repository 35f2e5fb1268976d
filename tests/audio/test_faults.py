"""Sound files that go missing or are damaged: before the session, between `narrate` and the
session, and while it plays. A damaged file is never played (no blast, no click), its bus is
silent or its line captions only, the health says which file and why, and everything else
plays on. A file deleted after it was decoded plays on from memory."""

from __future__ import annotations

import re
import shutil
import time
import wave
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest
import soundfile

from companion.audio.library import NARRATION_PEAK_DBFS, Library
from companion.audio.narration.cache import NarrationCache
from companion.audio.narration.prepare import prepare_narration
from companion.audio.narration.timing import SoundTiming
from companion.audio.sounds import Request, decode, why_not
from companion.script import require_script
from companion.session.clock import RealClock, VirtualClock
from companion.session.engine import Engine
from tests.audio.analysis import band_db, clicks, tone
from tests.audio.capture import Capture

RATE = 44100


# --- ways to damage a file ------------------------------------------------------------------


def truncate(path: Path, keep: float = 0.5) -> None:
    """Cut a file short, as a copy interrupted or a disk filling up would leave it."""
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])


def overwrite_middle(path: Path, seed: int = 1) -> None:
    """Garbage bytes over the middle of a file, its header intact: what a bad sector or a
    stray write leaves. Decoded, a WAV's garbage is full-scale noise: a blast."""
    data = bytearray(path.read_bytes())
    start, end = len(data) // 4, 3 * len(data) // 4
    data[start:end] = (
        np.random.default_rng(seed).integers(0, 256, end - start, dtype=np.uint8).tobytes()
    )
    path.write_bytes(bytes(data))


def garbage(path: Path, size: int = 60000) -> None:
    path.write_bytes(np.random.default_rng(7).integers(0, 256, size, dtype=np.uint8).tobytes())


def damage_reason(path: Path, **expected) -> str | None:
    try:
        decode(Request(path, **expected), RATE, 2, -16)
    except Exception as exc:  # noqa: BLE001 - the reason is what is checked
        return why_not(path, exc)
    return None


# --- what counts as damaged -------------------------------------------------------------------


def test_damaged_files_are_told_from_whole_ones(tmp_path, library):
    sweep_t = np.arange(3 * RATE) / RATE
    loud = 0.95 * np.sin(2 * np.pi * (200 * sweep_t + 1500 * sweep_t**2))  # loud, but a sound
    soundfile.write(tmp_path / "loud.wav", np.stack([loud, loud], 1), RATE, subtype="PCM_16")
    soundfile.write(tmp_path / "loud.flac", np.stack([loud, loud], 1), RATE)
    shutil.copy(library.ambience("rain"), tmp_path / "rain.ogg")  # noise-like, but quiet
    for name in ("loud.wav", "loud.flac", "rain.ogg"):
        assert damage_reason(tmp_path / name) is None, name

    cases = {}
    for name in ("loud.wav", "loud.flac", "rain.ogg"):
        cut = tmp_path / f"cut-{name}"
        shutil.copy(tmp_path / name, cut)
        truncate(cut)
        cases[cut.name] = ("damaged",)
    at_page = tmp_path / "page-rain.ogg"  # cut exactly between two Ogg pages
    data = (tmp_path / "rain.ogg").read_bytes()
    at_page.write_bytes(data[: data.rfind(b"OggS", 0, len(data) // 2)])
    cases[at_page.name] = ("cut short",)
    for name in ("loud.wav", "rain.ogg"):
        mid = tmp_path / f"mid-{name}"
        shutil.copy(tmp_path / name, mid)
        overwrite_middle(mid)
        cases[mid.name] = ("damaged",)
    garbage(tmp_path / "noise.wav")
    cases["noise.wav"] = ("not a sound file",)
    (tmp_path / "empty.ogg").write_bytes(b"")
    cases["empty.ogg"] = ("not a sound file",)
    cases["gone.wav"] = ("is missing",)
    for name, words in cases.items():
        reason = damage_reason(tmp_path / name)
        assert reason is not None, f"{name} was taken as whole"
        assert reason.startswith(name) and all(w in reason for w in words), reason
    assert "loud noise" in damage_reason(tmp_path / "mid-loud.wav")

    # A library file is also checked against the manifest: its length and its peak.
    seconds, peak = library.expected(library.ambience("rain"))
    assert seconds and peak is not None
    assert damage_reason(tmp_path / "rain.ogg", trim=4096, seconds=seconds, peak_db=peak) is None
    assert "should be" in damage_reason(
        tmp_path / "rain.ogg", trim=4096, seconds=seconds / 2, peak_db=peak
    )
    assert "peaks at" in damage_reason(tmp_path / "loud.wav", peak_db=-20.0)


# --- the narration cache and recordings -------------------------------------------------------

LINES = """companion: 1
title: faults
scenes:
  - id: one
    environment: haven
    steps:
      - say: Breathe in slowly.
      - say: And let it go.
      - say: Notice the air around you.
"""


def test_a_damaged_cache_entry_is_rendered_again_before_the_session(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(LINES, encoding="utf-8")
    script = require_script(path)
    cache = NarrationCache(tmp_path / "cache")
    first = prepare_narration(script, path, cache=cache)
    assert first.rendered == 3 and not first.missing
    files = {text: first.path_for(text) for text in first.by_text}
    truncate(files["Breathe in slowly."])
    overwrite_middle(files["And let it go."])  # header intact: would play as a blast
    assert NarrationCache.problem(files["Breathe in slowly."]) == "cut short"
    assert "overwritten" in NarrationCache.problem(files["And let it go."])

    again = prepare_narration(script, path, cache=cache)
    assert (again.rendered, again.reused) == (2, 1)
    assert not again.missing and not again.failed
    for text, file in files.items():
        assert NarrationCache.problem(file) is None, text
        with wave.open(str(file)) as w:
            samples = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
        assert (
            20 * np.log10(np.max(np.abs(samples.astype(int))) / 32768) <= NARRATION_PEAK_DBFS + 0.01
        )


def test_a_damaged_recording_is_a_line_without_sound_not_an_error(tmp_path):
    """Before, a recording that libsndfile could not open raised from the engine's timing
    (the panel's snapshot asks for every line's length): a traceback mid-session."""
    path = tmp_path / "s.yaml"
    path.write_text(
        """companion: 1
title: recordings
scenes:
  - id: one
    environment: haven
    steps:
      - {say: Breathe in slowly., audio: garbage.wav}
      - {say: And let it go., audio: cut.wav}
      - {say: Notice the air around you., audio: gone.wav}
      - {say: Rest here., audio: whole.wav}
""",
        encoding="utf-8",
    )
    voice = 0.3 * np.sin(2 * np.pi * 180 * np.arange(int(1.5 * RATE)) / RATE)
    soundfile.write(tmp_path / "whole.wav", voice, RATE, subtype="PCM_16")
    shutil.copy(tmp_path / "whole.wav", tmp_path / "cut.wav")
    truncate(tmp_path / "cut.wav")
    garbage(tmp_path / "garbage.wav")
    shutil.copy(tmp_path / "whole.wav", tmp_path / "gone.wav")
    script = require_script(path)  # loading checks the files are there ...
    (tmp_path / "gone.wav").unlink()  # ... and one goes before the session prepares
    narration = prepare_narration(script, path, cache=NarrationCache(tmp_path / "cache"))
    assert [line.text for line in narration.missing] == [
        "Breathe in slowly.",
        "And let it go.",
        "Notice the air around you.",
    ]
    assert "garbage.wav is damaged or not a sound file" in narration.failed["Breathe in slowly."]
    assert re.fullmatch(
        r"cut.wav is damaged: it ends 0.[78] s early", narration.failed["And let it go."]
    )
    assert narration.why_missing(narration.missing[2]) == "gone.wav is missing"

    # The session's view of the lines is settled: deleting or damaging the files now changes
    # neither which file a line plays nor its length, and nothing raises.
    engine = Engine(script, VirtualClock(), timing=SoundTiming(narration))
    (tmp_path / "whole.wav").unlink()
    garbage(tmp_path / "cut.wav")
    assert narration.seconds_for("Rest here.", None, "whole.wav") == pytest.approx(1.5, abs=0.01)
    engine.command("start")
    for _ in range(40):
        engine.clock.advance(0.25)
        engine.tick()
        engine.snapshot()
    says = [e for e in engine.take_events() if e.kind == "step_start"]
    assert len(says) == 4


# --- through the real mixer -----------------------------------------------------------------

SESSION = """companion: 1
title: faults
mix: {music: 0.8, ambience: 0.8, narration: 1.0, duck: 0.5}
scenes:
  - id: one
    environment: shoreline
    transition: 0.3s
    music: {track: drift, fade: 0.3s}
    ambience: {track: air.wav, fade: 0.3s}
    steps:
      - pause: 1.6s
      - say: Breathe in slowly.
      - {say: And let it go., audio: voice.wav}
  - id: two
    environment: forest
    transition: 0.3s
    music: {track: [song.wav, open-sky], fade: 0.3s}
    ambience: {track: air.wav, fade: 0.3s}
    steps:
      - say: Notice the air around you.
      - {say: Rest here., audio: cut.wav}
      - say: You are safe.
      - pause: 0.8s
"""
AIR_HZ, SONG_HZ = 12500, 14000  # above anything speech rendered at 22 kHz holds


def test_files_damaged_or_deleted_mid_session_leave_silence_on_their_bus_only(  # noqa: C901 - one session played, then heard in order
    tmp_path, library, monkeypatch
):
    # A private library and cache: they are damaged here.
    lib = Library(tmp_path / "library")
    shutil.copytree(library.root, lib.root, ignore=shutil.ignore_patterns("*.lock"))
    cache = NarrationCache(tmp_path / "cache")
    soundfile.write(tmp_path / "air.wav", tone(AIR_HZ, 4.0, 0.05), RATE, subtype="PCM_16")
    soundfile.write(tmp_path / "song.wav", tone(SONG_HZ, 4.0, 0.2), RATE, subtype="PCM_16")
    # The recordings are the real voice's lines (a voice artist's files would do as well).
    spoken = prepare_narration(
        require_script(_lines_script(tmp_path)), tmp_path / "lines.yaml", cache=cache
    )
    shutil.copy(spoken.path_for("And let it go."), tmp_path / "voice.wav")
    shutil.copy(spoken.path_for("Rest here."), tmp_path / "cut.wav")
    path = tmp_path / "session.yaml"
    path.write_text(SESSION, encoding="utf-8")
    script = require_script(path)
    truncate(tmp_path / "cut.wav", 0.6)  # found when the session prepares: captions only
    narration = prepare_narration(script, path, cache=cache)
    assert [m.text for m in narration.missing] == ["Rest here."]

    # Damaged after preparing, before the mixer decodes them (as if mid-session):
    overwrite_middle(tmp_path / "song.wav")  # would be a full-scale blast
    truncate(lib.root / "music/open-sky/middle.ogg")  # cut short: one layer of the track
    overwrite_middle(narration.path_for("Notice the air around you."))  # a cache entry

    capture_path = tmp_path / "capture.raw"
    monkeypatch.setenv("SDL_AUDIODRIVER", "disk")
    monkeypatch.setenv("SDL_DISKAUDIOFILE", str(capture_path))
    health: list[tuple[str, bool, str]] = []
    from companion.audio.mixer import Mixer

    mixer = Mixer(script, tmp_path, narration, lambda *report: health.append(report), library=lib)
    capture = Capture(capture_path)
    says: list[tuple[str, int]] = []
    deleted_at = ended = None
    try:
        assert mixer.ready(30)
        engine = Engine(script, RealClock(), timing=SoundTiming(narration, lib))
        engine.command("start")
        start = time.monotonic()
        while engine.state.value != "ended" and time.monotonic() - start < 14:
            if deleted_at is None and time.monotonic() - start > 0.8:
                # Mid-session, while they play or wait their turn: deleted from disk.
                for gone in [
                    *(lib.root / "music/drift").iterdir(),
                    tmp_path / "air.wav",
                    tmp_path / "voice.wav",
                    narration.path_for("Breathe in slowly."),
                ]:
                    gone.unlink()
                deleted_at = capture.frame_at(time.monotonic())
            for action in engine.tick():
                mixer.apply(action)
                if action.kind == "say":
                    says.append((action.text, capture.frame_at(time.monotonic())))
                if action.kind == "end":
                    ended = capture.frame_at(time.monotonic())
            mixer.update()
            time.sleep(0.004)
        time.sleep(0.3)
    finally:
        mixer.close()
        capture.stop()
    audio = capture.audio()
    assert [text for text, _ in says] == [
        "Breathe in slowly.",
        "And let it go.",
        "Notice the air around you.",
        "Rest here.",
        "You are safe.",
    ], "the session went on to its end"
    at = {text: frame for text, frame in says}

    def window(t0: int, t1: int) -> np.ndarray:
        return audio[t0:t1]

    def band(t0, t1, low, high):
        return band_db(window(t0, t1), low, high)

    second = RATE

    # The ambience (12.5 kHz) plays on at one level after its file was deleted, and through
    # the second scene (ducked at most to the script's 0.5 under narration).
    def air(t0, t1):
        return band(t0, t1, AIR_HZ - 200, AIR_HZ + 200)

    before = air(deleted_at - second // 2, deleted_at)
    assert abs(air(deleted_at + second // 10, at["Breathe in slowly."]) - before) < 0.5
    assert before > -35
    for t0, t1 in pairwise([*sorted(at.values()), ended]):
        assert before - 6.5 < air(t0, t1) < before + 0.5
    # A line that cannot be heard does not duck the music and ambience.
    assert abs(air(at["Rest here."], at["You are safe."]) - before) < 0.5
    # The music (the library's drift, its files deleted at `deleted_at`) plays on.
    before = band(deleted_at - second // 2, deleted_at, 60, 5000)
    after = band(deleted_at + second // 10, at["Breathe in slowly."] - second // 10, 60, 5000)
    assert abs(after - before) < 3 and before > -45, (before, after)
    # Both lines of the first scene are heard, their files deleted before they played.
    # Each line is looked for over its whole turn, in tenths of a second: where the disk
    # driver writes unevenly, the frame an action maps to can be a few tenths off what was heard.
    music_only = band(deleted_at, at["Breathe in slowly."], 1000, 4000)
    for text in ("Breathe in slowly.", "And let it go."):
        following = min(f for f in [*at.values(), ended] if f > at[text])
        heard = max(
            band(t, t + second // 10, 1000, 4000)
            for t in range(at[text], following - second // 10, second // 20)
        )
        assert heard > music_only + 10, (text, heard, music_only)
    # The second scene's music is silent (both tracks of its playlist are damaged): after
    # the first scene's music fades, nothing below the ambience but the narration.
    quiet = band(at["Rest here."] + second // 2, at["You are safe."], 60, 11000)
    assert quiet < -70, quiet
    assert band(at["Notice the air around you."], ended, SONG_HZ - 200, SONG_HZ + 200) < -80
    # The damaged cache entry and the cut recording are captions only; the last line is heard.
    for text in ("Notice the air around you.", "Rest here."):
        following = min(f for f in at.values() if f > at[text])
        assert band(at[text] + second // 2, following, 150, 4000) < -70, text
    assert (
        band(at["You are safe."] + second // 10, at["You are safe."] + second // 2, 150, 4000) > -40
    )
    # Nothing blasted (garbage decodes as broadband noise: nothing played here has any sound
    # above 15 kHz), nothing clipped, nothing clicked.
    assert band(0, len(audio), 15000, 20000) < -70
    assert np.max(np.abs(audio)) < 0.9
    assert not clicks(audio[RATE // 2 : ended]), "a click"

    sound = [message for part, ok, message in health if part == "sound" and not ok]
    speech = [message for part, ok, message in health if part == "narration" and not ok]
    assert (
        sound
        and "song.wav is damaged: loud noise" in sound[-1]
        and "middle.ogg is damaged" in sound[-1]
    )
    assert "the music is silent" in sound[-1]
    assert speech
    assert (
        "'Notice the air around you.' is captions only: its cached voice is damaged" in speech[-1]
    )
    assert "'Rest here.' is captions only: cut.wav is damaged" in speech[-1]
    assert "captions only" in speech[-1]
    assert not any(
        name in message
        for _, _, message in health
        for name in ("drift", "base.ogg", "air.wav", "voice.wav")
    ), "a file deleted after it was decoded is no fault: it plays from memory"


def _lines_script(folder: Path) -> Path:
    path = folder / "lines.yaml"
    path.write_text(
        """companion: 1
title: lines
scenes:
  - id: one
    environment: haven
    steps:
      - say: And let it go.
      - say: Rest here.
""",
        encoding="utf-8",
    )
    return path
