"""Reading records back: damage is reported, never fatal; and what the summary makes of a
whole session."""

from __future__ import annotations

from pathlib import Path

import pytest
from record_sessions import NOTES, Session

from companion.record import RecordError, load_record, summarize
from companion.record.summary import format_time


def test_a_torn_last_line_is_reported_and_everything_before_it_kept(ended_session: Session) -> None:
    path = ended_session.writer.events_path
    whole = load_record(path.parent)
    path.write_bytes(path.read_bytes() + b'{"seq": 999, "event": "note", "text": "half a li')
    torn = load_record(path.parent)
    assert torn.events == whole.events
    assert torn.torn_last_line
    line_count = len(path.read_bytes().split(b"\n"))
    assert [(p.line, "cut short" in p.message) for p in torn.problems] == [(line_count, True)]
    assert summarize(torn).notes == summarize(whole).notes


def test_a_last_line_missing_only_its_line_end_keeps_its_event(ended_session: Session) -> None:
    path = ended_session.writer.events_path
    path.write_bytes(path.read_bytes().rstrip(b"\n"))
    record = load_record(path)  # the events file itself may be given
    assert record.events[-1]["event"] == "run_end"
    assert record.torn_last_line and "no line end" in record.problems[0].message


def test_a_damaged_line_inside_is_skipped_and_reported(ended_session: Session) -> None:
    path = ended_session.writer.events_path
    lines = path.read_bytes().split(b"\n")
    lines[5] = b"\xff\xfe not json"
    path.write_bytes(b"\n".join(lines))
    record = load_record(path.parent)
    messages = [str(p) for p in record.problems]
    assert any(m.startswith("line 6: not a complete event") for m in messages)
    assert any("missing from the record" in m for m in messages)  # its seq number is gone
    assert record.ended


def test_nothing_to_read_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(RecordError, match="no record"):
        load_record(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(RecordError, match="has no events.jsonl"):
        load_record(tmp_path / "empty")


def test_an_empty_record_loads_with_a_problem(tmp_path: Path) -> None:
    folder = tmp_path / "blank"
    folder.mkdir()
    (folder / "events.jsonl").write_bytes(b"")
    record = load_record(folder)
    assert record.events == [] and "no complete event" in record.problems[0].message
    summary = summarize(record)
    assert summary.length == 0 and not summary.ended and summary.scenes == []


def test_a_changed_script_copy_is_reported(ended_session: Session) -> None:
    folder = ended_session.writer.folder
    (folder / "script.yaml").write_text("title: changed\n")
    assert any("does not match" in p.message for p in load_record(folder).problems)


def test_the_summary_of_a_whole_session(ended_session: Session) -> None:
    engine = ended_session.engine
    summary = summarize(load_record(ended_session.writer.folder))
    assert summary.title == "Record test session" and summary.patient == "P-014"
    assert summary.ended and summary.end_reason == "the script ended" and summary.stopped_in is None
    assert summary.length == pytest.approx(ended_session.end_time, abs=1e-3)
    assert summary.play_time == pytest.approx(engine.play_time, abs=1e-3)
    assert [s.scene for s in summary.scenes] == ["arrive", "journey", "haven", "journey", "return"]
    assert summary.scenes[0].start == 0 and summary.scenes[-1].end == summary.length
    assert all(a.end == b.start for a, b in zip(summary.scenes, summary.scenes[1:], strict=False))
    phases = summary.phase_times()
    assert [p[0] for p in phases] == ["preparation", "journey", "integration"]
    assert sum(p[3] for p in phases) == pytest.approx(summary.length)
    assert [(p.start, p.end) for p in summary.pauses] == [(90.0, 135.0)]
    assert [n.label for n in summary.notes] == list(NOTES)
    assert [n.scene for n in summary.notes] == ["arrive", "journey", "return"]
    commands = [e for e in ended_session.written if e["event"] == "command"]
    assert [a.time for a in summary.actions] == [e["session_time"] for e in commands]
    refused = [a for a in summary.actions if not a.ok]
    assert (
        len(refused) == 1 and refused[0].command == "go to scene" and "nowhere" in refused[0].reason
    )
    assert [d.time for d in summary.dose.doses] == [30.0]
    assert [d.label for d in summary.dose.doses] == ["ketamine 0.5 mg/kg IM"]
    checks = [(c.due, c.acknowledged is not None) for c in summary.dose.checks]
    assert checks == [(330.0, True), (630.0, True), (930.0, False)]
    assert [m.kind for m in summary.signals] == ["signal", "signal_ack"]
    assert [(f.kind, f.label.split(":")[0]) for f in summary.faults] == [
        ("fault", "mixer"),
        ("recovered", "mixer"),
    ]
    assert [m.kind for m in summary.marks if m.kind in ("ground", "return")] == ["ground", "return"]


def test_session_times_read_as_clock_times() -> None:
    assert [format_time(s) for s in (0, 59.4, 61, 3599.6, 3600, 7325)] == [
        "0:00",
        "0:59",
        "1:01",
        "1:00:00",
        "1:00:00",
        "2:02:05",
    ]
