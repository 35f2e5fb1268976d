"""The record writer: the folder it makes, events written as they happen, and disk faults
that never stop the session."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import stat
from pathlib import Path

import pytest
from record_sessions import Session, open_session

from companion.record import RecordError, RecordWriter, check_patient_code, load_record
from companion.record.sink import FileSink
from companion.session.engine import State

ENGINE_KEYS_DROPPED = ("seq", "wall")


def lines_of(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def engine_part(event: dict) -> dict:
    return {k: v for k, v in event.items() if k not in ENGINE_KEYS_DROPPED}


def test_a_run_writes_a_folder_with_the_script_its_hash_and_every_event(
    ended_session: Session, script_path: Path
) -> None:
    folder = ended_session.writer.folder
    original = script_path.read_bytes()
    assert (folder / "script.yaml").read_bytes() == original
    digest = hashlib.sha256(original).hexdigest()
    assert (folder / "script.sha256").read_text() == f"{digest}  script.yaml\n"
    events = lines_of(folder / "events.jsonl")
    start = events[0]
    assert start["event"] == "run_start"
    assert start["script_sha256"] == digest and start["patient"] == "P-014"
    assert start["title"] == "Record test session"
    assert [s["id"] for s in start["scenes"]] == ["arrive", "journey", "return", "haven"]
    assert start["versions"]["companion"] and start["versions"]["python"]
    assert start["display"] == {"output": "none"} and start["sound"]["driver"] == "disk"
    assert [e["seq"] for e in events] == list(range(len(events)))
    # Every engine event, in the engine's order and unchanged, between run_start and run_end.
    assert [engine_part(e) for e in events[1:-1]] == ended_session.written
    assert events[-1]["event"] == "run_end"
    kinds = {e["event"] for e in events}
    assert {
        "session_start",
        "scene_start",
        "step_start",
        "command",
        "hold",
        "pause",
        "resume",
        "ground",
        "return",
        "note",
        "medicine",
        "vitals_interval",
        "vitals_due",
        "vitals_ack",
        "patient_signal",
        "signal_ack",
        "health",
        "end",
    } <= kinds


def test_record_files_are_private_to_the_account(ended_session: Session) -> None:
    folder = ended_session.writer.folder
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for name in ("events.jsonl", "script.yaml", "script.sha256"):
        assert stat.S_IMODE((folder / name).stat().st_mode) == 0o600, name


def test_each_event_is_in_the_file_as_soon_as_it_is_written(
    script_path: Path, record_dir: Path
) -> None:
    session = open_session(script_path, record_dir, sync_interval=None)
    path = session.writer.events_path
    session.command("start")
    for number in range(5):
        session.command("note", text=f"observation {number}")
        last = lines_of(path)[-1]  # read back through the file system, writer still open
        assert last["event"] == "note" and last["text"] == f"observation {number}"
    session.writer.close()


def test_patients_appear_only_as_a_code(script_path: Path, record_dir: Path) -> None:
    for name in ("Jane Doe", "jane.doe@example.com", "", "x" * 40, "Ana María"):
        assert check_patient_code(name) is not None, name
        with pytest.raises(RecordError, match="patient code"):
            RecordWriter.create(script_path, record_dir=record_dir, patient=name)
    assert not record_dir.exists() or not any(record_dir.iterdir())
    assert check_patient_code("P-014") is None and check_patient_code(None) is None


def test_an_unreadable_script_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(RecordError, match="cannot read the script"):
        RecordWriter.create(tmp_path / "missing.yaml", record_dir=tmp_path / "records")


class FullDisk:
    """Stands in for a full disk (this test cannot fill a real one at will): a real file whose
    writes take only `room` more bytes, then fail with ENOSPC, as write(2) does on a full disk,
    including the short write just before. tests/record/test_record_real_disk.py does the same
    on a real, tiny tmpfs."""

    def __init__(self, path: Path) -> None:
        self.file = FileSink(path)
        self.room: int | None = None  # None: as much as wanted

    def write(self, data: bytes | memoryview) -> int:
        if self.room is None:
            return self.file.write(data)
        if self.room == 0:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        written = self.file.write(bytes(data[: self.room]))
        self.room -= written
        return written

    def sync(self) -> None:
        self.file.sync()

    def close(self) -> None:
        self.file.close()


def full_disk_session(
    script_path: Path, record_dir: Path, reports: list, **options
) -> tuple[Session, FullDisk]:
    disks: list[FullDisk] = []

    def open_sink(path: Path) -> FullDisk:
        disks.append(FullDisk(path))
        return disks[-1]

    session = open_session(
        script_path, record_dir, reports=reports, open_sink=open_sink, retry_interval=0.0, **options
    )
    return session, disks[0]


def test_a_full_disk_does_not_stop_the_session_and_loses_nothing(
    script_path: Path, record_dir: Path
) -> None:
    reports: list[tuple[str, bool, str]] = []
    session, disk = full_disk_session(script_path, record_dir, reports)
    session.command("start")
    session.advance(30)
    before = session.writer.events_path.read_bytes()
    disk.room = 150  # room for part of one more line, then the disk is full
    play_first_half_rest = [
        ("note", {"text": "written while the disk is full"}),
        ("pause", {}),
        ("resume", {}),
    ]
    for name, args in play_first_half_rest:
        session.command(name, **args)
    session.advance(60)
    assert session.engine.state is State.PLAYING  # the session went on
    assert (
        reports
        and reports[0][:2] == ("record", False)
        and "No space left on device" in reports[0][2]
    )
    assert session.board.parts["record"]["ok"] is False  # the panel shows it
    assert not session.writer.ok and session.writer.pending_events > 0
    during = session.writer.events_path.read_bytes()
    assert during.startswith(before)  # what was written stays untouched
    assert len(during) == len(before) + 150  # and the short write went in
    damaged = load_record(session.writer.folder)
    assert damaged.torn_last_line and "cut short" in damaged.problems[0].message

    disk.room = None  # space is freed
    session.command("note", text="the disk has room again")
    assert session.writer.ok and session.writer.pending_events == 0
    assert reports[-1][:2] == ("record", True) and "held in memory" in reports[-1][2]
    session.frame()  # the engine's health event for the recovery goes out with the next frame
    session.writer.close()
    record = load_record(session.writer.folder)
    assert record.problems == []  # the torn line was completed, in order
    events = lines_of(session.writer.events_path)
    assert [e["seq"] for e in events] == list(range(len(events)))
    engine_events = [engine_part(e) for e in events if e["event"] not in ("run_start", "run_end")]
    assert engine_events == session.written
    health = [
        (e["ok"], e["message"][:40])
        for e in events
        if e["event"] == "health" and e["part"] == "record"
    ]
    assert [ok for ok, _ in health] == [
        False,
        True,
    ]  # the fault and the recovery are in the record too


def test_memory_is_bounded_and_lost_events_are_marked(script_path: Path, record_dir: Path) -> None:
    reports: list[tuple[str, bool, str]] = []
    session, disk = full_disk_session(script_path, record_dir, reports, max_pending_bytes=1500)
    session.command("start")
    disk.room = 0
    for number in range(30):
        session.command("note", text=f"note {number} " + "x" * 40)
    assert session.writer.dropped_events > 0
    disk.room = None
    session.frame()
    assert "did not fit in memory" in reports[-1][2]
    session.writer.close()
    record = load_record(session.writer.folder)
    lost = record.of_kind("record_lost")
    assert len(lost) == 1 and lost[0]["events"] > 0
    assert any("events were lost" in p.message for p in record.problems)
    assert any("missing from the record" in p.message for p in record.problems)
    notes = [e["text"] for e in record.of_kind("note")]
    assert notes == [f"note {n} " + "x" * 40 for n in range(len(notes))]  # the first ones, in order


def test_a_disk_that_stays_full_has_the_record_saved_elsewhere(
    script_path: Path, record_dir: Path, tmp_path: Path, monkeypatch
) -> None:
    fallback = tmp_path / "fallback"
    monkeypatch.setenv("COMPANION_RECORD_DIR", str(fallback))
    reports: list[tuple[str, bool, str]] = []
    session, disk = full_disk_session(script_path, record_dir, reports)
    session.command("start")
    session.advance(20)
    disk.room = 0
    session.command("note", text="after the disk filled up")
    saved = session.writer.close("quit")
    assert saved is not None and saved.parent == fallback
    assert "saved to" in reports[-1][2] and str(saved) in reports[-1][2]
    record = load_record(saved)
    assert record.problems == []
    assert [e["text"] for e in record.of_kind("note")] == ["after the disk filled up"]
    assert record.events[-1]["event"] == "run_end"
    assert (saved / "script.yaml").read_bytes() == script_path.read_bytes()


def test_a_lone_surrogate_is_written_escaped_not_raised(tmp_path):
    """Whatever reaches the writer, it never raises into the frame: text UTF-8 cannot hold
    is written as JSON escapes."""
    import json as _json

    from companion.record.writer import RecordWriter

    script = tmp_path / "s.yaml"
    script.write_text("companion: 1\ntitle: t\nscenes:\n  - {id: a, environment: forest}\n")
    writer = RecordWriter.create(script, record_dir=tmp_path / "records")
    writer.add("note", session_time=1.0, text="half a \ud800 character")
    writer.close()
    lines = writer.events_path.read_bytes().decode("utf-8").splitlines()
    assert _json.loads(lines[1])["text"] == "half a \ud800 character"
