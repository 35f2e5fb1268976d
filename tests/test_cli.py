"""The command line as authors use it: check, schema, preview; run as real processes."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import SCENES

GOOD = (
    "companion: 1\ntitle: T\nscenes:\n  - id: a\n    environment: forest\n"
    "    steps:\n      - pause: 5s\n"
)


def companion(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "companion", *args], capture_output=True, text=True, timeout=60
    )


def test_check_exit_status_and_format(write_script):
    bad = write_script(
        "companion: 1\ntitle: T\nscenes:\n  - id: a\n    enviroment: forest\n", "bad.yaml"
    )
    result = companion("check", str(bad))
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        f"{bad}:4:5: error: missing required key 'environment' in scene 'a'",
        f"{bad}:5:5: error: unknown key 'enviroment'; did you mean 'environment'?",
    ]
    assert "2 errors, 0 warnings" in result.stderr


def test_warnings_alone_exit_zero(write_script):
    path = write_script(GOOD.replace("pause: 5s", "breathe: {in: 1, out: 4}"))
    result = companion("check", str(path))
    assert result.returncode == 0
    assert ": warning: " in result.stdout


def test_check_json_and_folders(write_script, tmp_path):
    write_script(GOOD, "good.yaml")
    (tmp_path / "sub").mkdir()
    write_script(
        "companion: 1\ntitle: T\nscenes:\n  - {id: a, environment: lake}\n", "sub/bad.yaml"
    )
    (tmp_path / "notes.txt").write_text("not a script")
    result = companion("check", "--format", "json", str(tmp_path))
    assert result.returncode == 1
    found = json.loads(result.stdout)
    assert len(found) == 1
    assert set(found[0]) == {"file", "line", "column", "severity", "message"}
    assert (found[0]["line"], found[0]["column"], found[0]["severity"]) == (4, 26, "error")


def test_check_bundled_scenes_is_clean():
    result = companion("check", str(SCENES))
    assert (result.returncode, result.stdout) == (0, "")


def test_check_missing_path():
    result = companion("check", "no/such/file.yaml")
    assert result.returncode == 1 and "no such file" in result.stderr


def test_preview_timeline():
    result = companion("preview", str(SCENES / "preparation.yaml"))
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert lines[1].startswith("0:00:00  scene arrive · Arriving · shoreline")
    assert any("hold: wait for the therapist" in line for line in lines)
    assert lines[-1].startswith("total 0:")
    total = lines[-1].split()[1]
    h, m, s = map(int, total.split(":"))
    assert 17 * 60 <= h * 3600 + m * 60 + s <= 24 * 60


@pytest.mark.parametrize(
    "at, expected",
    [
        ("0:30", "scene: arrive"),
        ("4:30", "scene: settle"),
        ("9:20", "breath: "),
        ("59:00", "the session has ended"),
    ],
)
def test_preview_at_a_moment(at, expected):
    result = companion("preview", str(SCENES / "preparation.yaml"), "--at", at)
    assert result.returncode == 0
    assert expected in result.stdout


def test_preview_of_a_broken_script_reports_and_fails(write_script):
    path = write_script("companion: 1\ntitle: T\nscenes: [{id: a, environment: lake}]\n")
    result = companion("preview", str(path))
    assert result.returncode == 1 and ":3:" in result.stderr and result.stdout == ""


def test_preview_bad_time():
    result = companion("preview", str(SCENES / "preparation.yaml"), "--at", "soon")
    assert result.returncode == 2 and "not a duration" in result.stderr


def test_version_and_help():
    assert companion("--version").stdout.startswith("companion ")
    assert companion().returncode == 2


def test_new_writes_a_starter_that_passes_check(tmp_path):
    target = tmp_path / "my-first-session"
    result = companion("new", str(target))
    assert result.returncode == 0, result.stderr
    written = tmp_path / "my-first-session.yaml"
    text = written.read_text()
    assert text.startswith("# yaml-language-server: $schema=script.schema.json\n")
    assert json.loads((tmp_path / "script.schema.json").read_text())["$id"]
    assert "title: My first session" in text
    checked = companion("check", str(written))
    assert (checked.returncode, checked.stdout) == (0, "")
    assert companion("new", str(target)).returncode == 2  # no overwrite without --force
