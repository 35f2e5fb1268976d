"""Narration rendered ahead of time with the real engine (pyttsx3 + espeak-ng in a child
process): cache reuse, re-rendering on change, the real lengths, recordings, and the
messages when there is no engine or no voice."""

import csv
import json
import subprocess
import sys
import wave

import numpy as np
import pyloudnorm
import pytest
import soundfile

from companion.audio.library import NARRATION_PEAK_DBFS, TARGETS
from companion.audio.narration.cache import NarrationCache
from companion.audio.narration.prepare import prepare_narration
from companion.audio.narration.timing import SoundTiming
from companion.script import require_script
from companion.session.clock import VirtualClock
from companion.session.engine import Engine

SCRIPT = """companion: 1
title: Settling
language: {language}
voice: {{rate: {rate}}}
scenes:
  - id: arrive
    environment: shoreline
    steps:
      - say: Welcome. Let your body settle into the chair.
        id: welcome
      - pause: 2s
      - say: {second}
      - chime: soft
  - id: rest
    environment: haven
    steps:
      - say: You are safe, and I am here with you.
"""


def write(
    tmp_path, language="en", rate=150, second="Notice the sound of the water.", name="session.yaml"
):
    path = tmp_path / name
    path.write_text(SCRIPT.format(language=language, rate=rate, second=second), encoding="utf-8")
    return path


def test_lines_render_once_and_are_reused(tmp_path):
    cache = NarrationCache(tmp_path / "cache")
    path = write(tmp_path)
    first = prepare_narration(require_script(path), path, cache=cache)
    assert first.problem is None and not first.failed
    assert (first.rendered, first.reused) == (3, 0)
    files = sorted(cache.root.rglob("*.wav"))
    assert len(files) == 3
    stamps = {p: p.stat().st_mtime_ns for p in files}
    again = prepare_narration(require_script(path), path, cache=cache)
    assert (again.rendered, again.reused, again.synthesized_seconds) == (0, 3, 0.0)
    assert {p: p.stat().st_mtime_ns for p in files} == stamps, (
        "a reused line must not be written again"
    )
    for file in again.by_text.values():  # real speech at the narration loudness as heard:
        audio, rate = soundfile.read(str(file))  # a mono line on both channels (dual-mono)
        assert rate == 22050 and audio.size / rate > 1.0
        both = np.stack([audio, audio], axis=1)
        assert abs(pyloudnorm.Meter(rate).integrated_loudness(both) - TARGETS["narration"]) < 1.0
        assert np.max(np.abs(audio)) <= 10 ** (NARRATION_PEAK_DBFS / 20) + 1e-3


def test_a_changed_line_or_rate_is_rendered_again(tmp_path):
    cache = NarrationCache(tmp_path / "cache")
    prepare_narration(require_script(write(tmp_path)), write(tmp_path), cache=cache)
    changed = write(tmp_path, second="Notice the sound of the rain.")
    result = prepare_narration(require_script(changed), changed, cache=cache)
    assert (result.rendered, result.reused) == (1, 2)
    faster = write(tmp_path, rate=190, second="Notice the sound of the rain.", name="faster.yaml")
    result = prepare_narration(require_script(faster), faster, cache=cache)
    assert (result.rendered, result.reused) == (3, 0), "the rate is part of the key"
    slow = result.seconds_for("Welcome. Let your body settle into the chair.")
    before = prepare_narration(require_script(changed), changed, cache=cache)
    assert before.seconds_for("Welcome. Let your body settle into the chair.") > slow * 1.1


def test_language_picks_the_voice(tmp_path):
    cache = NarrationCache(tmp_path / "cache")
    english = prepare_narration(require_script(write(tmp_path)), write(tmp_path), cache=cache)
    spanish_path = write(tmp_path, language="es", second="Escucha el sonido del agua.")
    spanish = prepare_narration(require_script(spanish_path), spanish_path, cache=cache)
    assert english.voice == "en_US-joe-medium" and english.speaker.engine == "neural"
    assert spanish.voice == "roa/es" and spanish.speaker.engine == "espeak-ng", (
        "no model speaks Spanish"
    )
    assert spanish.rendered == 3, "a different voice is a different key"


def test_real_lengths_replace_the_estimates(tmp_path):
    path = write(tmp_path)
    script = require_script(path)
    narration = prepare_narration(script, path, cache=NarrationCache(tmp_path / "cache"))
    timing = SoundTiming(narration)
    clock = VirtualClock()
    engine = Engine(script, clock, timing=timing)
    engine.command("start")
    say = next(a for a in engine.tick() if a.kind == "say")
    with wave.open(str(narration.by_text[say.text]), "rb") as w:
        assert say.seconds == pytest.approx(w.getnframes() / w.getframerate())
    assert timing.chime_seconds("soft") == pytest.approx(8.0, abs=0.01)


def test_no_speech_engine_means_captions_with_a_clear_message(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    path = write(tmp_path)
    narration = prepare_narration(
        require_script(path), path, cache=NarrationCache(tmp_path / "cache")
    )
    assert "espeak-ng" in narration.problem and "apt-get install espeak-ng" in narration.problem
    assert len(narration.missing) == 3 and narration.rendered == 0
    out = subprocess.run(
        [sys.executable, "-m", "companion", "narrate", str(path), "--cache", str(tmp_path / "c")],
        capture_output=True,
        text=True,
        env={"PATH": str(tmp_path / "empty")},
    )
    assert out.returncode == 1
    assert "install espeak-ng" in out.stderr and "captions only" in out.stderr
    assert "Traceback" not in out.stderr


def test_narrate_command_counts_rendered_and_reused(tmp_path):
    path = write(tmp_path)
    command = [
        sys.executable,
        "-m",
        "companion",
        "narrate",
        str(path),
        "--cache",
        str(tmp_path / "c"),
    ]
    first = subprocess.run(command, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    assert "3 rendered, 0 reused" in first.stdout
    second = subprocess.run(command, capture_output=True, text=True)
    assert "0 rendered, 3 reused" in second.stdout


def test_export_and_import_recordings(tmp_path):
    path = write(tmp_path)
    export = tmp_path / "lines.csv"
    out = subprocess.run(
        [sys.executable, "-m", "companion", "narrate", str(path), "--export", str(export)],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    rows = list(csv.DictReader(export.open(encoding="utf-8")))
    assert [(r["id"], r["scene"], r["file"]) for r in rows] == [
        ("welcome", "arrive", "welcome.wav"),
        ("arrive-2", "arrive", "arrive-2.wav"),
        ("rest-1", "rest", "rest-1.wav"),
    ]
    assert rows[0]["text"] == "Welcome. Let your body settle into the chair."
    # The voice artist recorded two of the three lines (here: a tone standing in for a voice).
    folder = tmp_path / "recorded"
    folder.mkdir()
    for name, seconds in (("welcome.wav", 2.5), ("rest-1.flac", 1.75), ("stray.wav", 1.0)):
        t = np.arange(int(seconds * 44100)) / 44100
        soundfile.write(folder / name, 0.3 * np.sin(2 * np.pi * 220 * t), 44100)
    out = subprocess.run(
        [sys.executable, "-m", "companion", "narrate", str(path), "--import", str(folder)],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    assert "linked 2 recording(s)" in out.stdout
    assert "1 line(s) still unrecorded" in out.stdout and "arrive-2" in out.stdout
    assert "stray.wav matches no line id" in out.stderr
    links = json.loads((tmp_path / "session.recordings.json").read_text())["recordings"]
    assert {r["id"] for r in links} == {"welcome", "rest-1"}
    narration = prepare_narration(
        require_script(path), path, cache=NarrationCache(tmp_path / "cache")
    )
    assert (narration.recorded, narration.rendered) == (2, 1)
    assert narration.seconds_for(
        "Welcome. Let your body settle into the chair.", "welcome"
    ) == pytest.approx(2.5)
    assert narration.seconds_for("You are safe, and I am here with you.") == pytest.approx(1.75)


def test_check_warns_when_no_voice_speaks_the_language(tmp_path):
    path = write(tmp_path, language="qq")
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            (
                "import sys; from companion.cli import main; code = main(['check', sys.argv[1]]);"
                "heavy = [m for m in ('pygame', 'numpy', 'pyttsx3') if m in sys.modules];"
                "print('HEAVY', heavy); sys.exit(code)"
            ),
            str(path),
        ],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0
    assert ":3:11: warning: no installed voice speaks 'qq'" in out.stdout
    assert "HEAVY []" in out.stdout, "check must not load the sound stack"
    fine = subprocess.run(
        [sys.executable, "-m", "companion", "check", str(write(tmp_path, language="de"))],
        capture_output=True,
        text=True,
    )
    assert "voice" not in fine.stdout


def test_prepare_audio_gives_the_engine_real_lengths(tmp_path, library):
    from companion.audio.prepare import prepare_audio

    path = write(tmp_path)
    script = require_script(path)
    said: list[str] = []
    audio = prepare_audio(
        script,
        path,
        cache=NarrationCache(tmp_path / "cache"),
        progress=said.append,
        library_root=library.root,
    )
    assert audio.narration.rendered == 3 and audio.library.problem() is None
    assert any("3 rendered" in line for line in said)
    engine = Engine(script, VirtualClock(), timing=audio.timing)
    first = script.scenes[0]
    real = sum(audio.narration.seconds_for(s.say, s.id) for s in first.steps if hasattr(s, "say"))
    assert engine.estimated_scene_seconds(first) == pytest.approx(
        real + 2.0 + 8.0
    )  # + pause + chime
