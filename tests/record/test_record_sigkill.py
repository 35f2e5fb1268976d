"""A program killed with SIGKILL mid-stream loses nothing it had written: every event whose
write had returned is in the record, which loads (a torn last line is reported, not fatal),
renders a report, and resumes."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from record_sessions import write_script

from companion.record import RecordWriter, load_record, render_report, resume_point
from companion.script import load_script
from companion.session.clock import VirtualClock
from companion.session.engine import Engine
from companion.session.health import HealthBoard

HERE = Path(__file__).resolve().parent


def kill_while_writing(script: Path, record_dir: Path, delay: float) -> tuple[Path, int]:
    env = dict(
        os.environ, PYTHONPATH=os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")])
    )
    child = subprocess.Popen(
        [sys.executable, str(HERE / "record_killed_child.py"), str(script), str(record_dir)],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert child.stdout is not None
    first = child.stdout.readline()
    assert first.startswith("record "), first
    time.sleep(delay)
    child.send_signal(signal.SIGKILL)
    acknowledged = [int(line) for line in child.stdout.read().split()]
    assert child.wait(timeout=10) == -signal.SIGKILL
    assert acknowledged, "the child wrote nothing before the kill; raise the delay"
    return Path(first.split(" ", 1)[1].strip()), acknowledged[-1]


@pytest.mark.parametrize("seed", [11, 23, 47])
def test_every_acknowledged_event_survives_sigkill(tmp_path: Path, seed: int) -> None:
    delay = random.Random(seed).uniform(0.05, 0.4)
    script = write_script(tmp_path / "scripts")
    folder, last_ack = kill_while_writing(script, tmp_path / "records", delay)

    record = load_record(folder)
    notes = [int(e["text"].split()[1]) for e in record.of_kind("note")]
    # Every acknowledged note, in order; at most one more (written, not yet acknowledged).
    assert notes[: last_ack + 1] == list(range(last_ack + 1)), f"seed {seed}, delay {delay:.3f}"
    assert len(notes) <= last_ack + 2
    assert [e["seq"] for e in record.events] == list(range(len(record.events)))
    assert all("last line" in p.message for p in record.problems), record.problems
    assert not record.ended and record.events[-1]["event"] != "run_end"

    html = render_report(record, "html")
    assert f"note {last_ack}</li>" in html

    point = resume_point(record)
    assert point.resumable and point.scene is not None
    loaded = load_script(script)
    assert loaded.script is not None
    engine = Engine(loaded.script, VirtualClock())
    writer = RecordWriter.resume(
        folder,
        resume_at={"scene": point.scene, "step": point.step},
        report=HealthBoard(engine).report,
        sync_interval=None,
    )
    for name, args in point.commands():
        assert engine.command(name, source="resume", **args).ok, name
    assert engine.position is not None and engine.position.scene.id == point.scene
    assert engine.position.step_index == point.step
    engine.command("note", source="panel", text="after the crash")
    writer.write_events(engine.take_events())
    writer.close()

    resumed = load_record(folder)
    gap = resumed.of_kind("gap")
    assert len(gap) == 1 and gap[0]["stopped_at"] == record.length
    assert gap[0]["repaired_torn_line"] == record.torn_last_line
    after = resumed.of_kind("note")[-1]
    assert after["text"] == "after the crash" and after["session_time"] >= record.length
    assert [int(e["text"].split()[1]) for e in resumed.of_kind("note")[:-1]] == notes
    assert all("cut short" in p.message or "no line end" in p.message for p in resumed.problems)
