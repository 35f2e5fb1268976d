"""The format's composer music (`music: {piece:, energy:}`): accepted in a scene and a step,
refused with an error at the line and column that is wrong, known to the JSON Schema, and
the piece names the same as the composer's recipes. Version 1 forms keep their meaning."""

from __future__ import annotations

from pathlib import Path

import jsonschema
import yaml

from companion.audio.composer import RECIPES
from companion.script import catalog
from companion.script.loader import load_text
from companion.script.schema import script_schema

HEAD = """companion: 1
title: t
scenes:
  - id: a
    environment: meadow
"""


def findings(body: str) -> list[str]:
    loaded = load_text(HEAD + body, "s.yaml", base_dir=Path("."))
    return [str(f) for f in loaded.findings if f.severity == "error"]


def test_the_catalog_names_the_composers_pieces() -> None:
    assert set(catalog.PIECES) == set(RECIPES)
    assert set(catalog.MUSIC) <= set(catalog.PIECES)


def test_a_piece_and_its_energy_in_a_scene_and_a_step() -> None:
    loaded = load_text(
        HEAD
        + """    music: {piece: hearth, energy: 0.3}
    steps:
      - music: {piece: hearth, energy: 0.7, fade: 20s}
      - music: drift
""",
        "s.yaml",
        base_dir=Path("."),
    )
    assert loaded.script is not None, [str(f) for f in loaded.findings]
    scene = loaded.script.scenes[0]
    assert scene.music is not None
    assert (scene.music.piece, scene.music.energy, scene.music.track) == (
        "hearth",
        0.3,
        ("hearth",),
    )
    step = scene.steps[0].music  # type: ignore[union-attr]
    assert (step.piece, step.energy, step.fade) == ("hearth", 0.7, 20.0)
    library = scene.steps[1].music  # type: ignore[union-attr]
    assert (library.piece, library.track) == (None, ("drift",)), "v1: the library's loop"


def test_errors_point_at_what_is_wrong() -> None:
    assert findings("    music: {piece: hearh}\n") == [
        "s.yaml:6:20: error: 'music.piece': unknown piece 'hearh'; did you mean 'hearth'? "
        "(the composer plays: drift, still-water, open-sky, hearth, deep-field, daybreak)"
    ]
    (energy,) = findings("    music: {track: drift, energy: 0.4}\n")
    assert energy.startswith("s.yaml:6:12: error:") and "energy is for a piece" in energy
    (both,) = findings("    music: {track: drift, piece: drift}\n")
    assert both.startswith("s.yaml:6:12: error:") and "either a track or a piece" in both
    (hint,) = findings("    music: deep-field\n")
    assert hint.startswith("s.yaml:6:") and "music: {piece: deep-field}" in hint
    (level,) = findings("    music: {piece: drift, energy: 1.5}\n")
    assert level.startswith("s.yaml:6:") and "energy" in level
    (nothing,) = findings("    music: {volume: 0.5}\n")
    assert "needs a track" in nothing


def test_the_schema_knows_pieces() -> None:
    validator = jsonschema.Draft202012Validator(script_schema())
    good = yaml.safe_load(HEAD + "    music: {piece: daybreak, energy: 0.8, fade: 10s}\n")
    validator.validate(good)
    bad = yaml.safe_load(HEAD + "    music: {piece: dayrbeak}\n")
    assert list(validator.iter_errors(bad)), "an unknown piece is refused"
    too_much = yaml.safe_load(HEAD + "    music: {piece: drift, energy: 3}\n")
    assert list(validator.iter_errors(too_much))


def test_a_folder_is_a_playlist_and_shuffle_is_the_sessions(tmp_path, monkeypatch) -> None:
    import numpy as np
    import soundfile

    from companion.audio.mixer import Mixer
    from companion.script import require_script
    from companion.session import actions as act

    (tmp_path / "calm").mkdir()
    (tmp_path / "empty").mkdir()
    for name in ("c.wav", "a.ogg", "b.flac"):
        soundfile.write(tmp_path / "calm" / name, np.zeros((4410, 2)), 44100)
    (tmp_path / "calm" / "notes.txt").write_text("not a sound")
    script_path = tmp_path / "s.yaml"
    script_path.write_text(HEAD + "    music: {track: calm/, shuffle: true}\n")
    script = require_script(script_path)
    assert script.scenes[0].music is not None and script.scenes[0].music.shuffle
    bad = load_text(
        HEAD + "    music: [empty/, gone/]\n", str(script_path), base_dir=tmp_path
    ).findings
    assert [f"{f.line}:{f.column}" for f in bad] == ["6:13", "6:21"], [str(f) for f in bad]
    assert "holds no sound files" in bad[0].message and "folder not found" in bad[1].message

    monkeypatch.setenv("SDL_AUDIODRIVER", "disk")
    monkeypatch.setenv("SDL_DISKAUDIOFILE", str(tmp_path / "out.raw"))
    orders = []
    for seed in (5, 5, 6, 7, 8, 9):
        mixer = Mixer(script, tmp_path, None, lambda *_: None, music_seed=seed)
        try:
            mixer.apply(act.SoundChange("music", ("calm/",), 1.0, 0.3))
            in_order = mixer._buses["music"].tracks
            mixer.apply(act.SoundChange("music", ("calm/",), 1.0, 0.3, shuffle=True))
            orders.append(mixer._buses["music"].tracks)
        finally:
            mixer.close()
    assert in_order == ("calm/a.ogg", "calm/b.flac", "calm/c.wav"), "name order, sounds only"
    assert orders[0] == orders[1], "the same session seed, the same order"
    assert all(sorted(order) == list(in_order) for order in orders)
    assert any(order != in_order for order in orders), "shuffled"


def test_each_piece_started_is_told_with_its_seed(tmp_path, monkeypatch) -> None:
    from companion.audio.mixer import Mixer
    from companion.audio.streams import seed_for
    from companion.script import require_script
    from companion.session import actions as act

    script_path = tmp_path / "s.yaml"
    script_path.write_text(HEAD + "    music: {piece: hearth, energy: 0.3}\n")
    script = require_script(script_path)
    monkeypatch.setenv("SDL_AUDIODRIVER", "disk")
    monkeypatch.setenv("SDL_DISKAUDIOFILE", str(tmp_path / "out.raw"))
    told: list[dict] = []
    mixer = Mixer(script, tmp_path, None, lambda *_: None, music_seed=11, music_started=told.append)
    try:
        mixer.apply(act.SoundChange("music", ("hearth",), 1.0, 0.3, piece="hearth", energy=0.3))
        mixer.apply(act.SoundChange("music", ("deep-field",), 1.0, 0.3, piece="deep-field"))
        mixer.update()
    finally:
        mixer.close()
    assert told == [
        {"piece": "hearth", "seed": seed_for(11, "hearth", 0), "energy": 0.3, "music_seed": 11},
        {
            "piece": "deep-field",
            "seed": seed_for(11, "deep-field", 0),
            "energy": 0.5,
            "music_seed": 11,
        },
    ], "the script's first piece (warmed before the session) and the next, each once"


def test_check_opens_each_file_of_a_folder_at_the_folders_line(tmp_path) -> None:
    import numpy as np
    import soundfile

    from companion.audio.custom import sound_check
    from companion.script.loader import check_paths

    (tmp_path / "calm").mkdir()
    soundfile.write(tmp_path / "calm" / "a.wav", 0.1 * np.ones((44100, 2)) * 0.5, 44100)
    (tmp_path / "calm" / "b.wav").write_text("not a sound at all")
    script_path = tmp_path / "s.yaml"
    script_path.write_text(HEAD + "    music: {track: calm/, shuffle: true}\n")
    found = [str(f) for f in check_paths([script_path], checks=[sound_check(tmp_path)])]
    errors = [f for f in found if ": error: " in f]
    assert len(errors) == 1 and errors[0].startswith(f"{script_path}:6:") and "b.wav" in errors[0]
