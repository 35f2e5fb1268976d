"""Profiles: checked like a script (errors at FILE:LINE:COLUMN), edited in $EDITOR (opened
again on an error), listed, shown, exported and deleted everywhere (records included)."""

from __future__ import annotations

import io
import json
import shutil
import sys
from pathlib import Path

import pytest
from patient_sessions import play, write_script

from companion.audio.composer.recipes import RECIPES
from companion.cli import main
from companion.patients import open_store
from companion.patients.pieces import NEAREST, PIECES
from companion.patients.profile import load_profile_text, template
from companion.script import catalog

GOOD = """\
avoid:
  environments: [haven]
  tags: [water]
music: {prefer: [hearth], avoid: [open-sky]}
voice: {engine: espeak, rate: 100}
captions: false
caps: {brightness: 0.5, motion: 0.2}
display: sound-only
safe_scene: haven
notes: |
  Startles at sudden sounds.
"""


def test_the_lists_match_their_sources() -> None:
    assert set(PIECES) == set(RECIPES) and set(catalog.MUSIC) <= set(PIECES)
    assert set(NEAREST) == set(catalog.ENVIRONMENTS)
    for name, env in catalog.ENVIRONMENTS.items():
        assert set(env.tags) <= set(catalog.TAGS), name
        assert set(NEAREST[name]) == set(catalog.ENVIRONMENTS) - {name}
    assert catalog.ENVIRONMENTS["shoreline"].tags == ("water",)
    assert "enclosed" in catalog.ENVIRONMENTS["haven"].tags


def test_a_profile_is_checked_like_a_script() -> None:
    loaded = load_profile_text(GOOD, "P-1.yaml")
    assert loaded.ok and loaded.profile is not None
    assert loaded.profile.avoids_environment("shoreline") == "avoids water"
    assert loaded.profile.avoids_environment("haven") == "avoided by name"
    assert loaded.profile.avoids_environment("forest") is None
    assert load_profile_text(template("P-1"), "P-1.yaml").ok
    bad = "avoid:\n  tags: [water, fire]\ncaps: {brightness: 2}\ndisply: headset\n"
    assert [str(f) for f in load_profile_text(bad, "P-1.yaml").findings] == [
        "P-1.yaml:2:17: error: 'avoid.tags': unknown tag 'fire' "
        "(known: water, heights, darkness, enclosed)",
        "P-1.yaml:3:20: error: 'caps.brightness': must be at most 1 (got 2)",
        "P-1.yaml:4:1: error: unknown key 'disply'; did you mean 'display'?",
    ]
    [broken] = load_profile_text("notes: [", "P-1.yaml").findings
    assert str(broken).startswith("P-1.yaml:1:9: error: not valid YAML")


EDITOR = """\
import pathlib, sys
count = pathlib.Path(sys.argv[0]).with_suffix(".count")
n = int(count.read_text()) if count.exists() else 0
count.write_text(str(n + 1))
texts = {texts!r}
pathlib.Path(sys.argv[1]).write_text(texts[min(n, len(texts) - 1)])
"""


def _editor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *texts: str) -> Path:
    script = tmp_path / "editor.py"
    script.write_text(EDITOR.format(texts=list(texts)))
    monkeypatch.setenv("EDITOR", f"{sys.executable} {script}")
    monkeypatch.delenv("VISUAL", raising=False)
    return script.with_suffix(".count")


def test_edit_opens_again_on_an_error_then_keeps_the_profile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    records = tmp_path / "records"
    count = _editor(tmp_path, monkeypatch, "caps: {brightness: 2}\n", GOOD)
    assert main(["patients", "edit", "P-031", "--record-dir", str(records)]) == 0
    err = capsys.readouterr().err
    assert "P-031.yaml:1:20: error: 'caps.brightness': must be at most 1" in err
    assert "opening the profile again" in err and "kept the profile of P-031" in err
    assert count.read_text() == "2"
    assert main(["patients", "--record-dir", str(records)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["CODE", "PROFILE", "SESSIONS", "LAST"]
    assert out[1].split() == ["P-031", "yes", "0", "-"]
    assert main(["patients", "show", "P-031", "--record-dir", str(records)]) == 0
    assert "Startles at sudden sounds." in capsys.readouterr().out


def test_edit_that_stays_wrong_keeps_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    records = tmp_path / "records"
    _editor(tmp_path, monkeypatch, "display: vr\n")  # the same error twice: given up
    assert main(["patients", "edit", "P-032", "--record-dir", str(records)]) == 1
    assert "was not kept" in capsys.readouterr().err
    store = open_store(records)
    assert store.profile_text("P-032") is None
    store.close()
    assert main(["patients", "edit", "Jane Smith", "--record-dir", str(records)]) == 2
    assert "is not a patient code" in capsys.readouterr().err


def test_export_and_delete_everywhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    records = tmp_path / "records"
    script = write_script(tmp_path / "scripts")
    mine = play(script, records, "P-033")
    other = play(script, records, "P-034")
    _editor(tmp_path, monkeypatch, GOOD)
    assert main(["patients", "edit", "P-033", "--record-dir", str(records)]) == 0

    out = tmp_path / "export"
    assert (
        main(["patients", "export", "P-033", "--out", str(out), "--record-dir", str(records)]) == 0
    )
    assert (out / "profile.yaml").read_text() == GOOD
    assert sorted(p.name for p in (out / "records").iterdir()) == [mine.name]
    assert (out / "records" / mine.name / "events.jsonl").is_file()
    [session] = json.loads((out / "sessions.json").read_text())
    assert session["patient"] == "P-033" and session["ended"] is True
    capsys.readouterr()

    monkeypatch.setattr(sys, "stdin", io.StringIO("n\n"))
    assert main(["patients", "delete", "P-033", "--record-dir", str(records)]) == 1
    assert mine.is_dir()
    monkeypatch.setattr(sys, "stdin", io.StringIO("yes\n"))
    assert main(["patients", "delete", "P-033", "--record-dir", str(records)]) == 0
    assert "deleted P-033: profile yes, 1 record(s)" in capsys.readouterr().err
    assert not mine.exists() and other.is_dir()
    store = open_store(records)
    assert store.patients() == ["P-034"] and store.profile_text("P-033") is None
    store.close()
    assert main(["patients", "show", "P-033", "--record-dir", str(records)]) == 1
    shutil.rmtree(out)
