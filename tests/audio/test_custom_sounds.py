"""A clinic's own sound files: `companion check` opens each one (not audio, empty, cut short
and damaged files are errors at the line naming them; --verbose tells length and loudness),
and before a session each music and ambience file is levelled to its bus's loudness, once
(cached), as measured independently by pyloudnorm. Every file here is made by the test."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyloudnorm
import pytest
import soundfile

from companion.audio.custom import (
    TARGETS_BY_BUS,
    LoudnessMeter,
    level_file,
    level_script,
    levelled_path,
    measure,
    measured,
)
from companion.audio.loudness import integrated_loudness
from companion.script import load_script

pytestmark = pytest.mark.timeout(120)
RATE = 44100


def sound(seconds: float, level_db: float, channels: int = 2, seed: int = 1) -> np.ndarray:
    """A soft chord with a slow swell and a little noise, `level_db` dBFS RMS or so."""
    t = np.arange(int(seconds * RATE)) / RATE
    x = sum(np.sin(2 * np.pi * f * t) for f in (220.0, 277.2, 329.6)) / 3
    x = x * (0.6 + 0.4 * np.sin(2 * np.pi * 0.2 * t))
    x = x + 0.02 * np.random.default_rng(seed).standard_normal(t.size)
    x = x / np.sqrt(np.mean(x**2)) * 10 ** (level_db / 20)
    return np.repeat(x[:, None], channels, axis=1) if channels > 1 else x


def heard(path: Path) -> float:
    """pyloudnorm's integrated loudness of a file as played (mono on both channels)."""
    data, rate = soundfile.read(str(path), always_2d=True)
    if data.shape[1] == 1:
        data = np.repeat(data, 2, axis=1)
    return float(pyloudnorm.Meter(rate).integrated_loudness(data))


def test_the_meter_fed_in_blocks_matches_the_whole_signal_measure():
    x = sound(7.3, -20.0) * np.linspace(0.3, 1.0, int(7.3 * RATE))[:, None]
    meter = LoudnessMeter(RATE, 2)
    for start, end in ((0, 5000), (5000, 90000), (90000, 200000), (200000, x.shape[0])):
        meter.add(x[start:end])
    assert abs(meter.loudness() - integrated_loudness(x, RATE)) < 0.05


def test_measure_reads_length_and_loudness_as_heard(tmp_path):
    mono = tmp_path / "line.wav"
    soundfile.write(str(mono), sound(3.0, -26.0, channels=1), RATE)
    facts = measure(mono)
    assert abs(facts.seconds - 3.0) < 1e-3 and facts.channels == 1
    assert abs(facts.loudness - heard(mono)) < 0.3  # a mono file counts as dual-mono


def test_music_and_ambience_are_levelled_once_and_cached(tmp_path):
    quiet, loud = tmp_path / "rain.ogg", tmp_path / "song.flac"
    soundfile.write(str(quiet), sound(6.0, -38.0, seed=2), RATE)
    soundfile.write(str(loud), sound(6.0, -12.0, seed=3), RATE)
    cache = tmp_path / "cache"
    copy, facts = level_file(quiet, "ambience", cache)
    assert facts is not None and facts.loudness < -30
    assert abs(heard(copy) - TARGETS_BY_BUS["ambience"]) < 0.5, heard(copy)
    copy2, _ = level_file(loud, "music", cache)
    assert abs(heard(copy2) - TARGETS_BY_BUS["music"]) < 0.5, heard(copy2)
    assert np.max(np.abs(soundfile.read(str(copy2))[0])) <= 10 ** (-1 / 20) + 1e-3
    # what each file measured is remembered (check reads it from there), by path, size, date
    assert len(list((cache / "facts").glob("*.json"))) == 2
    assert measured(quiet, cache) == facts
    # the second time it is found, not made; the mixer is handed the copy
    assert level_file(quiet, "ambience", cache) == (copy, None)
    assert levelled_path(quiet, "ambience", cache) == copy
    assert levelled_path(quiet, "music", cache) == quiet  # another target: not made yet
    # a changed file is levelled again
    soundfile.write(str(quiet), sound(4.0, -30.0, seed=4), RATE)
    os.utime(quiet, ns=(1, 1))
    assert levelled_path(quiet, "ambience", cache) == quiet
    again, facts = level_file(quiet, "ambience", cache)
    assert again != copy and facts is not None and abs(facts.seconds - 4.0) < 1e-3


def test_a_script_levels_its_files_and_tells_which_cannot_be(tmp_path):
    soundfile.write(str(tmp_path / "rain.ogg"), sound(3.0, -33.0), RATE)
    (tmp_path / "calm.wav").write_text("not a sound\n")
    script = tmp_path / "s.yaml"
    script.write_text(
        "companion: 1\ntitle: t\nscenes:\n  - id: a\n    environment: haven\n"
        "    ambience: rain.ogg\n    music: calm.wav\n    steps:\n      - say: Hello.\n"
    )
    loaded = load_script(script)
    assert loaded.script is not None, loaded.findings
    said: list[str] = []
    problems = level_script(loaded.script, tmp_path, root=tmp_path / "cache", progress=said.append)
    assert list(problems) == ["calm.wav"] and "not a sound file" in problems["calm.wav"]
    assert any(line.startswith("levelled rain.ogg") for line in said), said
    copy = levelled_path((tmp_path / "rain.ogg").resolve(), "ambience", tmp_path / "cache")
    assert copy.suffix == ".flac" and abs(heard(copy) - TARGETS_BY_BUS["ambience"]) < 0.5


def check(folder: Path, text: str, *extra: str) -> tuple[int, list[dict]]:
    script = folder / "script.yaml"
    script.write_text(text)
    result = subprocess.run(
        [sys.executable, "-m", "companion", "check", "--format", "json", str(script), *extra],
        check=False,
        capture_output=True,
        text=True,
        timeout=100,
    )
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, json.loads(result.stdout)


SCRIPT = """companion: 1
title: Own sounds
scenes:
  - id: a
    environment: haven
    music: sounds/calm.wav
    ambience: [sounds/rain.ogg, /etc/passwd]
    steps:
      - say: Welcome.
        audio: sounds/empty.wav
      - music: {track: sounds/cut.wav}
      - ambience: {track: [sounds/rain.ogg, sounds/noise.wav]}
"""


def test_check_opens_every_sound_file_and_says_what_is_wrong_where(tmp_path):
    folder = tmp_path / "sounds"
    folder.mkdir()
    (folder / "calm.wav").write_text("a text file, not a sound\n")
    soundfile.write(str(folder / "rain.ogg"), sound(2.0, -30.0), RATE)
    soundfile.write(str(folder / "empty.wav"), np.zeros((0, 2)), RATE)
    soundfile.write(str(folder / "cut.wav"), sound(2.0, -20.0), RATE, subtype="PCM_16")
    whole = (folder / "cut.wav").read_bytes()
    (folder / "cut.wav").write_bytes(whole[: len(whole) // 2])  # cut short: the header says 2 s
    garbage = sound(2.0, -20.0)
    garbage[RATE // 2 : RATE] = np.random.default_rng(5).uniform(-0.9, 0.9, (RATE // 2, 2))
    soundfile.write(str(folder / "noise.wav"), garbage, RATE)
    code, findings = check(tmp_path, SCRIPT)
    assert code != 0
    at = {(f["line"], f["column"]): f["message"] for f in findings if f["severity"] == "error"}
    assert "calm.wav is not a sound file" in at[(6, 12)], at
    assert "passwd is not a sound file" in at[(7, 33)], at
    assert "empty.wav holds no sound" in at[(10, 16)], at
    assert "cut.wav is damaged: cut short" in at[(11, 24)], at
    assert "noise.wav is damaged: loud noise at 0.5 s" in at[(12, 45)], at
    assert len(at) == 5, at  # rain.ogg, named twice, is fine
    code, findings = check(tmp_path, SCRIPT, "--verbose")
    notes = [f for f in findings if f["severity"] == "note"]
    assert [(n["line"], n["column"]) for n in notes] == [(7, 16), (12, 28)], notes
    assert "rain.ogg: 0:02 long, -" in notes[0]["message"]
    assert "LUFS, played at -24.0 LUFS on the ambience bus" in notes[0]["message"]


def test_check_of_good_sound_files_passes_and_notes_only_when_asked(tmp_path):
    soundfile.write(str(tmp_path / "song.flac"), sound(1.5, -18.0), RATE)
    text = (
        "companion: 1\ntitle: t\nscenes:\n  - id: a\n    environment: haven\n    music: song.flac\n"
    )
    assert check(tmp_path, text) == (0, [])
    code, findings = check(tmp_path, text, "-v")
    assert code == 0 and len(findings) == 1 and findings[0]["severity"] == "note"
    assert findings[0]["message"].startswith("song.flac: 0:02 long, -1")
