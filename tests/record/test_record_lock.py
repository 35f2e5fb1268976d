"""One writer per record: a second writer is refused with the name of the process that holds
the record, a lock left by a killed program is taken over, and `records delete` deletes only
Companion's own records, never one that a live program still writes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from record_sessions import Session, write_script

from companion.cli import main
from companion.record import RecordError, RecordWriter, load_record
from companion.record.lock import RecordBusy, live_holder

HERE = Path(__file__).resolve().parent


def test_a_second_writer_is_refused_naming_the_holder(quit_session: Session) -> None:
    folder = quit_session.writer.folder
    first = RecordWriter.resume(folder, sync_interval=None)
    try:
        with pytest.raises(RecordBusy) as refused:
            RecordWriter.resume(folder, sync_interval=None)
        message = str(refused.value)
        assert f"process {os.getpid()} (companion resume)" in message
        assert "one program at a time" in message
        assert live_holder(folder)["pid"] == os.getpid()
    finally:
        first.close("quit")
    assert live_holder(folder) is None
    second = RecordWriter.resume(folder, sync_interval=None)  # free again once closed
    second.close("quit")
    events = load_record(folder).of_kind("gap")
    assert len(events) == 2


def test_a_running_record_cannot_be_resumed_or_deleted(
    quit_session: Session, record_dir: Path, capsys
) -> None:
    folder = quit_session.writer.folder
    writer = RecordWriter.resume(folder, sync_interval=None)
    try:
        assert main(["records", "--record-dir", str(record_dir)]) == 0
        assert "running" in capsys.readouterr().out
        code = main(["records", "delete", "--yes", folder.name, "--record-dir", str(record_dir)])
        assert code == 1
        err = capsys.readouterr().err
        assert "still running" in err and f"process {os.getpid()}" in err
        assert (folder / "events.jsonl").is_file()
    finally:
        writer.close("quit")
    assert main(["records", "delete", "--yes", folder.name, "--record-dir", str(record_dir)]) == 0
    assert not folder.exists()


def test_delete_removes_only_what_companion_wrote(
    ended_session: Session, record_dir: Path, tmp_path: Path, capsys
) -> None:
    folder = ended_session.writer.folder
    assert (folder / "companion-record").is_file() and (folder / "lock").is_file()
    (folder / "mine.txt").write_text("the therapist's own file")
    assert main(["records", "delete", "-y", str(folder)]) == 1
    assert "mine.txt" in capsys.readouterr().err
    assert sorted(p.name for p in folder.iterdir()) == ["mine.txt"]
    # A project folder that merely holds a file called events.jsonl is not a record.
    project = tmp_path / "project"
    project.mkdir()
    (project / "events.jsonl").write_text('{"event":"x"}\n')
    (project / "notes.md").write_text("keep")
    assert main(["records", "delete", "-y", str(project)]) == 1
    assert "not a Companion session record" in capsys.readouterr().err
    assert sorted(p.name for p in project.iterdir()) == ["events.jsonl", "notes.md"]


def test_a_record_from_before_the_marker_can_still_be_deleted(quit_session: Session) -> None:
    folder = quit_session.writer.folder
    (folder / "companion-record").unlink()
    (folder / "lock").unlink()
    assert main(["records", "delete", "-y", str(folder)]) == 0
    assert not folder.exists()


def test_a_lock_left_by_a_killed_program_is_taken_over(tmp_path: Path) -> None:
    script = write_script(tmp_path / "scripts")
    record_dir = tmp_path / "records"
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
    folder = Path(first.split(" ", 1)[1].strip())
    child.stdout.readline()  # a note is written: the child holds the lock
    holder = live_holder(folder)
    assert holder is not None and holder["pid"] == child.pid
    with pytest.raises(RecordError, match=f"process {child.pid}"):
        RecordWriter.resume(folder, sync_interval=None)
    child.send_signal(signal.SIGKILL)
    assert child.wait(timeout=10) == -signal.SIGKILL
    child.stdout.close()
    deadline = time.monotonic() + 5
    while live_holder(folder) is not None and time.monotonic() < deadline:
        time.sleep(0.01)  # the kernel drops a killed process's locks as it reaps it
    assert live_holder(folder) is None, "a killed program's lock is stale at once"
    writer = RecordWriter.resume(folder, sync_interval=None)
    writer.close("quit")
    gap = load_record(folder).of_kind("gap")[-1]
    assert gap["took_over_lock"]["pid"] == child.pid


def test_a_resume_cannot_start_on_a_record_while_it_is_deleted(
    ended_session: Session, monkeypatch
) -> None:
    """Delete holds the record's lock through the deletion: a resume starting at that moment
    is refused, instead of writing into a record whose files are going."""
    from companion.record import listing

    folder = ended_session.writer.folder
    tried: list[str] = []
    owned = listing.owned_files

    def files_while_a_resume_starts(where: Path):
        with pytest.raises(RecordBusy) as refused:
            RecordWriter.resume(where, sync_interval=None)
        tried.append(str(refused.value))
        return owned(where)

    monkeypatch.setattr(listing, "owned_files", files_while_a_resume_starts)
    listing.delete_record(str(folder))
    assert tried and "records delete" in tried[0]
    assert not folder.exists()
