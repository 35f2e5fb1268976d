"""Nothing is ever lost: a real `companion run` killed with SIGKILL at a random moment keeps
every acknowledged command in its record, the report renders, and `companion resume` goes on
from the scene and step where it stopped."""

from __future__ import annotations

import json
import random
import re
import signal
import subprocess
import sys
import time

import pytest

from companion.record.reader import load_record
from companion.record.resume import resume_point
from tests.app.run_process import start

SCRIPT = """\
companion: 1
title: Killed and resumed
safe_scene: calm
scenes:
  - id: one
    environment: shoreline
    music: drift
    steps:
      - pause: 4s
      - say: The first scene.
      - pause: 6s
  - id: two
    environment: forest
    steps:
      - pause: 5s
      - pause: 5s
      - pause: 5s
  - id: three
    environment: meadow
    steps:
      - pause: 8s
      - wait: therapist
  - id: calm
    environment: haven
    then: hold
"""


@pytest.mark.parametrize("seed", [3, 11])
def test_sigkill_then_resume(tmp_path, seed):
    rng = random.Random(seed)
    path = tmp_path / "session.yaml"
    path.write_text(SCRIPT)
    session = start([str(path), "--display", "none", "--autostart", "--patient", "P-007"], tmp_path)
    session.wait_for_panel()
    acknowledged = []
    kill_after = rng.uniform(2.0, 9.0)
    started = time.monotonic()
    while time.monotonic() - started < kill_after:
        text = f"note {len(acknowledged)} at {time.monotonic() - started:.2f}"
        if session.command("note", text=text)["ok"]:
            acknowledged.append(text)
        if len(acknowledged) == 3:
            assert session.command("next_scene")["ok"]
        time.sleep(rng.uniform(0.05, 0.4))
    session.kill()  # SIGKILL: no chance to close anything

    record = load_record(session.record())
    notes = [e["text"] for e in record.events if e.get("event") == "note"]
    assert set(acknowledged) <= set(notes)
    assert not record.ended
    point = resume_point(record)
    assert point.resumable
    last = [e for e in record.events if e.get("event") in ("scene_start", "step_start")][-1]
    assert point.scene == last["scene"] and point.step == last.get("step", 0)

    report = subprocess.run(
        [sys.executable, "-m", "companion", "report", str(record.folder)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert report.returncode == 0 and "<svg" in report.stdout
    assert all(note in report.stdout for note in acknowledged)

    resumed = start([str(record.folder), "--display", "none"], tmp_path, command="resume")
    resumed.wait_for_panel()
    state = resumed.wait_for(
        lambda s: s["state"] in ("playing", "holding"), what="the resumed session"
    )
    assert (state["scene"]["id"], state["step"]["index"]) == (point.scene, point.step)
    assert resumed.command("end")["ok"]
    assert resumed.finish() == 0
    events = [
        json.loads(line) for line in (record.folder / "events.jsonl").read_text().splitlines()
    ]
    kinds = [e["event"] for e in events]
    assert kinds.count("run_start") == 1 and "gap" in kinds and kinds[-2:] == ["end", "run_end"]
    assert load_record(record.folder).ended


def test_two_programs_never_write_one_record(tmp_path):
    """A second `resume` (or `run` into a record) while one plays is refused, naming it."""
    path = tmp_path / "session.yaml"
    path.write_text(SCRIPT)
    first = start([str(path), "--display", "none", "--autostart"], tmp_path)
    first.wait_for_panel()
    folder = first.record()
    first.kill(signal.SIGTERM)  # ended cleanly, resumable
    resumed = start([str(folder), "--display", "none"], tmp_path, command="resume")
    resumed.wait_for_panel()
    second = subprocess.run(
        [
            sys.executable,
            "-m",
            "companion",
            "resume",
            str(folder),
            "--display",
            "none",
            "--panel-port",
            "0",
            "--no-qr",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert second.returncode != 0
    assert f"process {resumed.process.pid} (companion resume)" in second.stderr, second.stderr
    deleted = subprocess.run(
        [sys.executable, "-m", "companion", "records", "delete", "--yes", str(folder)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert deleted.returncode != 0 and "still running" in deleted.stderr
    resumed.kill(signal.SIGHUP)  # a closed terminal: ends cleanly, like SIGTERM
    assert resumed.process.returncode == 128 + signal.SIGHUP
    record = load_record(folder)
    kinds = [e["event"] for e in record.events]
    assert kinds.count("gap") == 1 and kinds.count("run_end") == 2 and kinds[-1] == "run_end"
    assert not any(
        "appear more than once" in str(p) or "go back" in str(p) for p in record.problems
    )
    assert resume_point(record).resumable


def test_a_stop_in_the_first_second_leaves_a_record_that_says_never_started(tmp_path):
    """SIGINT right after the record opens: the handler is already set, the record is closed
    with its run_end, and records, report and resume agree that it never started."""
    path = tmp_path / "session.yaml"
    path.write_text(SCRIPT)
    session = start([str(path), "--display", "none"], tmp_path)
    deadline = time.monotonic() + 90
    while not any(line.startswith("record: ") for line in session.lines):
        assert session.process.poll() is None and time.monotonic() < deadline, session.lines
        time.sleep(0.01)
    session.kill(signal.SIGINT)
    assert session.process.returncode in (130, 2)  # interrupted (2: during start-up)
    folder = session.record()
    record = load_record(folder)
    assert record.of_kind("run_end") and not record.started
    listed = subprocess.run(
        [sys.executable, "-m", "companion", "records", "--record-dir", str(folder.parent)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "never started" in listed.stdout
    report = subprocess.run(
        [sys.executable, "-m", "companion", "report", str(folder), "--format", "md"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "never started" in report.stdout and "can be resumed" not in report.stdout
    resumed = subprocess.run(
        [sys.executable, "-m", "companion", "resume", str(folder)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert resumed.returncode != 0 and "never started" in resumed.stderr


def test_a_damaged_record_resumes_and_closes(tmp_path):
    """The issue's fatal edits, all at once: a step that is text, a medicine with no session
    time, a NaN. `resume` warns, goes on, and ends with a run_end."""
    path = tmp_path / "session.yaml"
    path.write_text(SCRIPT)
    first = start([str(path), "--display", "none", "--autostart"], tmp_path)
    first.wait_for_panel()
    assert first.command("medicine", text="ketamine")["ok"]
    assert first.command("note", text="before the damage")["ok"]
    first.kill()
    folder = first.record()
    lines = (folder / "events.jsonl").read_text().splitlines()
    for index, line in enumerate(lines):
        if '"event":"medicine"' in line:
            lines[index] = re.sub(r'"session_time":[0-9.]+', '"session_time":null', line)
        elif '"event":"step_start"' in line:
            lines[index] = line.replace('"step":', '"step":"three","was":', 1)
        elif '"event":"note"' in line:
            lines[index] = re.sub(r'"play_time":[0-9.]+', '"play_time":NaN', line)
    (folder / "events.jsonl").write_text("\n".join(lines) + "\n")
    resumed = start(
        [str(folder), "--display", "none", "--clinician", "Dr. B. Mensah"],
        tmp_path,
        command="resume",
    )
    resumed.wait_for_panel()
    state = resumed.wait_for(lambda s: s["state"] in ("playing", "holding"), what="the resume")
    assert state["dose"] is not None and state["dose"]["doses"] == 1, "the dose clock goes on"
    closing = resumed.command("closing", adverse_events="None observed.", outcome="Calm.")
    assert closing["ok"], closing  # the end-of-session entries, through the HTTP API
    assert resumed.command("end")["ok"]
    assert resumed.finish() == 0
    record = load_record(folder)
    assert record.ended and record.of_kind("run_end")
    assert any("step 'three'" in str(p) for p in record.problems)
    (entry,) = record.of_kind("closing")
    assert entry["adverse_events"] == "None observed." and entry["outcome"] == "Calm."
    report = subprocess.run(
        [sys.executable, "-m", "companion", "report", str(folder), "--format", "md"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "Dr. B. Mensah" in report.stdout and "None observed." in report.stdout
    assert "the API" in report.stdout and "127.0.0.1" not in report.stdout


def _wait_for_line(run, prefix: str, timeout: float = 90.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for line in list(run.lines):
            if line.startswith(prefix):
                return line
        assert run.process.poll() is None, "\n".join(run.lines) + run.stderr_text()
        time.sleep(0.05)
    raise AssertionError(f"no line {prefix!r}; output:\n" + "\n".join(run.lines))


def test_a_resume_on_another_host_keeps_the_panel_on_tls(tmp_path):
    """The resumed run serves the stopped run's sign-in: given only another --panel-host, it
    must still serve it over TLS, never the same token in clear on the network."""
    path = tmp_path / "session.yaml"
    path.write_text(SCRIPT)
    env = {"XDG_CONFIG_HOME": str(tmp_path / "config")}
    first = start([str(path), "--display", "none", "--autostart", "--panel-tls"], tmp_path, env=env)
    try:
        link = _wait_for_line(first, "panel: https://")
        _wait_for_line(first, "first frame drawn")
        folder = first.record()
    finally:
        first.kill()
    resumed = start(
        [str(folder), "--display", "none", "--panel-host", "0.0.0.0"],
        tmp_path,
        command="resume",
        env=env,
    )
    try:
        again = _wait_for_line(resumed, "panel: http")
    finally:
        resumed.kill()
    token = link.split("?token=")[1]
    assert again.startswith("panel: https://"), again
    assert again.endswith(f"?token={token}")  # the same sign-in, still only over TLS
