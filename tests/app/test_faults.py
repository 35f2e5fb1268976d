"""Faults around a real `companion run` process: damaged sound files, a script and its files
changed or deleted while it plays, a damaged narration cache, no speech engine, no sound
device, no display. Each time the session goes on (or, with no display, says what to do),
and the panel's health says what happened. What was played is captured by SDL's disk driver."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import soundfile

from tests.app.run_process import start
from tests.audio.analysis import band_db, clicks, tone

RATE = 44100
AIR_HZ = 12500  # the ambience: a tone above anything speech rendered at 22 kHz holds


def _events(folder: Path) -> list[dict]:
    return [json.loads(line) for line in (folder / "events.jsonl").read_text().splitlines()]


def _cut(path: Path, keep: float = 0.5) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])


def _overwrite_middle(path: Path) -> None:
    data = bytearray(path.read_bytes())
    start, end = len(data) // 4, 3 * len(data) // 4
    data[start:end] = (
        np.random.default_rng(3).integers(0, 256, end - start, dtype=np.uint8).tobytes()
    )
    path.write_bytes(bytes(data))


def _first_sound(audio: np.ndarray, floor: float = 1e-3) -> int:
    """The first sample the session played (the disk driver writes silence from the moment
    the device opens, however long start-up takes). The first line begins with a plosive
    (/b/), whose burst the click detector rightly cannot tell from a click: what is checked
    starts just after it, at a point the capture itself fixes, not at a guess of start-up's
    length (from a fixed 0.5 s in, a slow start on a fresh machine put the burst inside)."""
    loud = np.flatnonzero(np.max(np.abs(audio.reshape(len(audio), -1)), axis=1) > floor)
    assert loud.size, "nothing was played"
    return int(loud[0])


def _speech_onsets(audio: np.ndarray, threshold: float = -45.0) -> list[float]:
    """Seconds into the capture where speech (1-4 kHz) starts after at least 0.4 s without."""
    step = RATE // 20
    loud = [
        band_db(audio[i : i + step], 1000, 4000) > threshold
        for i in range(0, len(audio) - step, step)
    ]
    onsets, quiet = [], 8
    for index, on in enumerate(loud):
        if on and quiet >= 8:
            onsets.append(index * step / RATE)
        quiet = 0 if on else quiet + 1
    return onsets


def _cache_entries(script: Path, cache: Path) -> dict[str, Path]:
    """Which cache file holds each line (looked up, nothing rendered)."""
    from companion.audio.narration.cache import NarrationCache
    from companion.audio.narration.prepare import prepare_narration
    from companion.script import require_script

    found = prepare_narration(
        require_script(script), script, cache=NarrationCache(cache), render=False
    )
    return dict(found.by_text)


def _narrated(folder: Path, env: dict[str, str]) -> None:
    """`companion narrate`, as an author runs it before the session."""
    done = subprocess.run(
        [sys.executable, "-m", "companion", "narrate", str(folder / "session.yaml")],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr


DAMAGED = """\
companion: 1
title: Damaged files
scenes:
  - id: one
    environment: haven
    transition: 0.5s
    music: {track: sounds/song.wav, fade: 0.5s}
    ambience: {track: sounds/air.wav, fade: 0.5s}
    steps:
      - say: Breathe in slowly.
      - {say: And let it go., audio: sounds/voice.wav}
      - say: You are safe here.
      - pause: 1s
"""


def test_damaged_files_leave_their_bus_silent_and_the_panel_and_record_say_so(tmp_path):
    folder = tmp_path / "session"
    (folder / "sounds").mkdir(parents=True)
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    soundfile.write(folder / "sounds/song.wav", tone(440, 4.0, 0.2), RATE, subtype="PCM_16")
    soundfile.write(folder / "sounds/air.wav", tone(AIR_HZ, 4.0, 0.05), RATE, subtype="PCM_16")
    soundfile.write(folder / "sounds/voice.wav", tone(300, 2.0, 0.2), RATE, subtype="PCM_16")
    (folder / "session.yaml").write_text(DAMAGED, encoding="utf-8")
    _overwrite_middle(folder / "sounds/song.wav")  # its samples garbage: played, a blast
    _cut(folder / "sounds/voice.wav")  # a recording cut short

    session = start(
        [str(folder / "session.yaml"), "--display", "none", "--autostart"], tmp_path, env=env
    )
    session.wait_for_panel()
    state = session.wait_for(
        lambda s: not s["health"].get("sound", {"ok": True})["ok"],
        timeout=20,
        what="the sound warning",
    )
    assert "song.wav is damaged: loud noise" in state["health"]["sound"]["message"]
    assert "the music is silent" in state["health"]["sound"]["message"]
    assert not state["health"]["speech"]["ok"]
    assert (
        "'And let it go.' is captions only: voice.wav is damaged"
        in state["health"]["speech"]["message"]
    )
    assert session.finish() == 0, "\n".join(session.lines)

    events = _events(session.record())
    assert [e["event"] for e in events][-2:] == ["end", "run_end"]
    warnings = [e for e in events if e["event"] == "health" and not e["ok"]]
    assert any(e["part"] == "sound" and "song.wav" in e["message"] for e in warnings)
    assert any(e["part"] == "speech" and "voice.wav" in e["message"] for e in warnings)
    says = [e for e in events if e["event"] == "step_start" and e["step_kind"] == "say"]
    assert len(says) == 3, "every line's turn came, with or without sound"

    audio = session.captured()
    heard = audio[_first_sound(audio) + RATE // 10 : len(audio) - 5 * RATE]  # to the closing fade
    air = [
        band_db(heard[i : i + RATE // 2], AIR_HZ - 200, AIR_HZ + 200)
        for i in range(RATE, len(heard) - RATE // 2, RATE // 2)
    ]
    assert min(air) > -50 and max(air) - min(air) < 10, (
        air
    )  # the ambience plays on (ducked at most 9 dB)
    assert len(_speech_onsets(heard)) == 2, "the two whole lines were heard, the cut one was not"
    assert band_db(heard, 15000, 20000) < -70, "broadband noise: the damaged music was played"
    assert np.max(np.abs(audio)) < 0.9
    assert not clicks(heard), "a click"


TWO_SCENES = """\
companion: 1
title: Changing under its feet
scenes:
  - id: one
    environment: haven
    transition: 0.5s
    ambience: {track: sounds/air.wav, fade: 0.5s}
    steps:
      - say: Breathe in slowly.
      - pause: 2s
  - id: two
    environment: forest
    transition: 0.5s
    steps:
      - {say: And let it go., audio: sounds/voice.wav}
      - pause: 1s
      - say: You are safe here.
      - pause: 1s
"""


def test_cache_damaged_before_the_run_and_script_and_files_deleted_during_it(tmp_path):
    folder = tmp_path / "session"
    (folder / "sounds").mkdir(parents=True)
    cache_home = tmp_path / "cache"
    env = {"XDG_CACHE_HOME": str(cache_home)}
    soundfile.write(folder / "sounds/air.wav", tone(AIR_HZ, 4.0, 0.05), RATE, subtype="PCM_16")
    script = folder / "session.yaml"
    # The recording is a line in the real voice (a voice artist's file would do as well).
    script.write_text(
        TWO_SCENES.replace("{say: And let it go., audio: sounds/voice.wav}", "say: And let it go."),
        encoding="utf-8",
    )
    _narrated(folder, env)
    entry = _cache_entries(script, cache_home / "companion/narration")
    assert len(entry) == 3
    shutil.copy(entry["And let it go."], folder / "sounds/voice.wav")
    script.write_text(TWO_SCENES, encoding="utf-8")
    original = script.read_bytes()
    # Between `narrate` and `run`: one entry cut short, one overwritten.
    _cut(entry["Breathe in slowly."])
    _overwrite_middle(entry["You are safe here."])

    session = start([str(script), "--display", "none", "--autostart"], tmp_path, env=env)
    session.wait_for_panel()
    assert "narration: 2 rendered, 0 reused, 1 recorded" in session.lines, session.lines
    session.wait_for(
        lambda s: s["state"] == "playing" and s["step"]["index"] == 1,
        timeout=20,
        what="the first scene's pause",
    )
    # While it plays: the script rewritten (another valid script), then deleted, with every
    # file it plays and the whole narration cache.
    script.write_text(
        TWO_SCENES.replace("id: two", "id: other").replace("You are safe", "Now go"),
        encoding="utf-8",
    )
    script.unlink()
    shutil.rmtree(folder / "sounds")
    shutil.rmtree(cache_home)
    state = session.wait_for(
        lambda s: s["scene"] and s["scene"]["id"] == "two", timeout=20, what="the second scene"
    )
    assert all(part["ok"] for part in state["health"].values()), state["health"]
    assert session.finish() == 0, "\n".join(session.lines)

    events = _events(session.record())
    assert [e["scene"] for e in events if e["event"] == "scene_start"] == ["one", "two"]
    assert [e["event"] for e in events][-2:] == ["end", "run_end"]
    assert not [e for e in events if e["event"] == "health" and not e["ok"]]
    copy = next(session.record().glob("script.*"))
    assert copy.read_bytes() == original, "the record keeps the script that was played"

    audio = session.captured()
    heard = audio[: len(audio) - 5 * RATE]
    onsets = _speech_onsets(heard)
    assert len(onsets) == 3, (
        f"all three lines heard, two of them after their files were deleted: {onsets}"
    )
    says = [
        e["session_time"] for e in events if e["event"] == "step_start" and e["step_kind"] == "say"
    ]
    drift = (onsets[-1] - onsets[0]) - (says[-1] - says[0])
    assert abs(drift) < 0.4, "the lines were heard when the engine said them"
    air = [
        band_db(heard[i : i + RATE // 2], AIR_HZ - 200, AIR_HZ + 200)
        for i in range(int((onsets[0] + 0.5) * RATE), len(heard) - RATE // 2, RATE // 2)
    ]
    assert min(air) > -50, "the ambience played on after its file was deleted (ducked at most 9 dB)"


SHORT = """\
companion: 1
title: Short
scenes:
  - id: one
    environment: haven
    transition: 0.5s
    ambience: {track: air.wav, fade: 0.5s}
    steps:
      - say: Breathe in slowly.
      - pause: 30s
"""


def _short(tmp_path: Path) -> Path:
    soundfile.write(tmp_path / "air.wav", tone(AIR_HZ, 4.0, 0.05), RATE, subtype="PCM_16")
    path = tmp_path / "short.yaml"
    path.write_text(SHORT, encoding="utf-8")
    return path


def _stop(session) -> None:
    session.process.send_signal(signal.SIGTERM)
    assert session.finish(timeout=30) == 128 + signal.SIGTERM
    assert "Traceback" not in session.stderr_text()


def test_no_speech_engine_runs_with_captions_and_says_what_to_install(tmp_path):
    # A machine without espeak-ng: every program but espeak-ng is on the PATH.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for program in Path("/usr/bin").iterdir():
        if not program.name.startswith("espeak"):
            (bin_dir / program.name).symlink_to(program)
    env = {"PATH": str(bin_dir), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    session = start([str(_short(tmp_path)), "--display", "none", "--autostart"], tmp_path, env=env)
    session.wait_for_panel()
    out = "\n".join(session.lines)
    assert "install espeak-ng (Debian/Ubuntu: sudo apt-get install espeak-ng)" in out
    assert "the session runs with captions only" in out
    state = session.wait_for(
        lambda s: s["step"] and s["step"]["index"] == 1, timeout=20, what="the line's turn to pass"
    )
    speech = state["health"]["speech"]
    assert (
        not speech["ok"]
        and "espeak-ng" in speech["message"]
        and "captions only" in speech["message"]
    )
    assert state["health"]["sound"]["ok"]
    _stop(session)
    audio = session.captured()
    assert band_db(audio[-RATE:], AIR_HZ - 200, AIR_HZ + 200) > -45, "the sound plays on"
    assert not _speech_onsets(audio), "no voice"


def test_no_sound_device_runs_silently_and_says_so(tmp_path):
    session = start(
        [str(_short(tmp_path)), "--display", "none", "--autostart"],
        tmp_path,
        env={"SDL_AUDIODRIVER": "no-such-device"},
    )
    session.wait_for_panel()
    state = session.wait_for(
        lambda s: s["step"] and s["step"]["index"] == 1, timeout=20, what="the session to go on"
    )
    sound = state["health"]["sound"]
    assert not sound["ok"]
    assert "no sound device" in sound["message"] and "running silently" in sound["message"]
    assert state["health"]["speech"]["ok"]
    _stop(session)
    events = _events(session.record())
    assert events[0]["event"] == "run_start" and events[0]["sound"]["device"] is False
    assert any(e["event"] == "health" and e["part"] == "sound" and not e["ok"] for e in events)


def test_no_display_suggests_a_sound_only_session(tmp_path):
    script = _short(tmp_path)
    unset = {key: value for key, value in os.environ.items() if key != "DISPLAY"}
    runs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "companion",
                "run",
                str(script),
                "--display",
                display,
                "--panel-port",
                "0",
                "--no-qr",
                "--record-dir",
                str(tmp_path / "records"),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for display, env in (
            ("fullscreen", unset),  # no DISPLAY at all
            ("window", {**unset, "DISPLAY": ":987"}),
        )
    ]  # an X server that is not there
    for run in runs:
        _, error = run.communicate(timeout=60)
        assert run.returncode == 2, error
        assert "Use --display none for a sound-only session" in error and "Traceback" not in error
