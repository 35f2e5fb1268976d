"""Fitting a script to a profile: the pure function, then `companion check --patient`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from companion.cli import main
from companion.patients import open_store
from companion.patients.fitting import fit
from companion.patients.profile import Profile, load_profile_text
from companion.script import load_script, models

SCRIPT = """\
companion: 1
title: Fitting test
safe_scene: haven
voice: {rate: 110}
scenes:
  - id: arrive
    environment: shoreline
    look: {waves: 0.6, brightness: 0.9}
    music: open-sky
    ambience: waves
    steps:
      - say: Welcome.
      - look: {brightness: 1.0, waves: 0.2, fade: 5s}
  - id: deep
    environment: night-sky
    music: [still-water, drift]
    steps:
      - music: {track: open-sky, fade: 10s}
      - pause: 30s
  - id: haven
    environment: haven
    then: hold
    steps:
      - say: You are safe.
"""


def _profile(text: str) -> Profile:
    loaded = load_profile_text(text, "P.yaml")
    assert loaded.ok and loaded.profile is not None, loaded.findings
    return loaded.profile


@pytest.fixture(scope="module")
def script(tmp_path_factory: pytest.TempPathFactory) -> models.Script:
    path = tmp_path_factory.mktemp("fit") / "fit.yaml"
    path.write_text(SCRIPT)
    loaded = load_script(path)
    assert loaded.ok and loaded.script is not None, loaded.findings
    return loaded.script


def test_environments_music_ambience_caps_voice_and_display(script: models.Script) -> None:
    profile = _profile(
        "avoid: {tags: [water]}\nmusic: {avoid: [open-sky]}\ncaps: {brightness: 0.5}\n"
        "voice: {rate: 95, engine: espeak}\ncaptions: false\ndisplay: sound-only\n"
        "notes: Likes the forest.\n"
    )
    fitted = fit(script, profile)
    assert fitted.script is not None and not fitted.problems
    texts = [str(s) for s in fitted.substitutions]
    assert texts == [
        "scene 'arrive': shoreline -> meadow, avoids water",
        "scene 'arrive': open-sky -> drift, avoided; the nearest mood (bright)",
        "scene 'arrive': waves -> wind, avoids water",
        "scene 'deep': open-sky -> drift, avoided; the nearest mood (bright)",
        "voice: engine auto, rate 110 -> engine espeak, rate 95, the profile's voice",
        "brightness: as written -> at most 0.5, the profile's cap (lowered in 4 places)",
        "captions: on -> off, the profile",
        "display: window -> none, the profile's sound-only",
    ]
    arrive, deep, haven = fitted.script.scenes
    assert arrive.environment == "meadow" and arrive.music is not None
    assert arrive.music.track == ("drift",) and arrive.ambience is not None
    assert arrive.ambience.track == ("wind",)
    assert arrive.look is not None and arrive.look.brightness == 0.5
    assert arrive.look.settings() == {"brightness": 0.5}  # the shoreline's waves dropped
    steps: tuple[Any, ...] = arrive.steps
    say, look = steps
    assert isinstance(say, models.SayStep) and say.caption is False
    assert isinstance(look, models.LookStep) and look.look.settings() == {"brightness": 0.5}
    assert deep.environment == "night-sky" and deep.look is not None
    assert deep.look.brightness == 0.5  # the stage's default 0.8 is above the cap
    music: Any = deep.steps[0]
    assert isinstance(music, models.MusicStep)
    assert music.music.track == ("drift",) and music.music.fade == 10.0
    assert fitted.script.voice.rate == 95 and fitted.script.voice.engine == "espeak"
    assert fitted.display == "none" and fitted.notes == "Likes the forest."
    # the original is untouched (a pure function)
    assert script.scenes[0].environment == "shoreline" and script.voice.rate == 110
    event = fitted.event("P-1")
    assert event["substitutions"][0]["text"] == texts[0]


def test_the_same_mood_is_kept_and_preferred_pieces_come_first(script: models.Script) -> None:
    fitted = fit(script, _profile("music: {avoid: [drift], prefer: [open-sky]}\n"))
    [change] = fitted.substitutions
    # drift is gentle; no other gentle piece is playable; the nearest moods are deep and
    # bright, and the preferred bright one wins the tie
    assert str(change) == "scene 'deep': drift -> open-sky, avoided; the nearest mood (gentle)"


def test_nothing_to_change(script: models.Script) -> None:
    fitted = fit(script, Profile(), "fullscreen")
    assert fitted.script == script and fitted.substitutions == () and fitted.display == "fullscreen"
    assert fit(script, _profile("display: screen\n"), "vr").display == "window"
    assert fit(script, _profile("display: headset\n")).display == "vr"


def test_a_script_that_cannot_be_fitted_names_the_scene(script: models.Script) -> None:
    every = "avoid: {environments: [meadow, forest, aurora, haven], tags: [water, darkness]}\n"
    fitted = fit(script, _profile(every))
    assert fitted.script is None
    assert [str(p) for p in fitted.problems] == [
        "scene 'arrive': shoreline avoids water, and so does every other environment",
        "scene 'deep': night-sky avoids darkness, and so does every other environment",
        "scene 'haven': haven avoided by name, and so does every other environment",
    ]


def test_check_with_a_patient(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    records = tmp_path / "records"
    path = tmp_path / "fit.yaml"
    path.write_text(SCRIPT)
    store = open_store(records)
    store.save_profile("P-041", "avoid: {tags: [water]}\n")
    store.save_profile(
        "P-042", "avoid: {tags: [water, darkness], environments: [meadow, forest, haven]}\n"
    )
    store.close()
    args = ["check", str(path), "--record-dir", str(records), "--patient"]
    assert main([*args, "P-041"]) == 0
    out = capsys.readouterr().out
    assert f"{path}: fitted to P-041: scene 'arrive': shoreline -> meadow, avoids water" in out
    assert main([*args, "P-042"]) == 1
    out = capsys.readouterr().out
    assert (
        f"{path}:7:18: error: scene 'arrive' cannot be fitted to P-042: shoreline avoids water"
        in out
    )
    assert main([*args, "P-404"]) == 1
    assert "no profile for P-404" in capsys.readouterr().err
