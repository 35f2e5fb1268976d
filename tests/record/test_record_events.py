"""The record's events are declared once (companion/record/events.py): everything the engine
and the writer write is declared there, and an event a newer Companion wrote is kept and
shown by this version, never dropped."""

from __future__ import annotations

import json
from pathlib import Path

from record_sessions import Session

from companion.record import events as ev
from companion.record import load_record, render_report
from companion.record.resume import resume_point
from companion.record.summary import summarize
from companion.record.validate import FIELDS

NEWER = {
    "event": "heart_rhythm",
    "session_time": 95.0,
    "play_time": 95.0,
    "wall": 1_800_000_000.0,
    "rhythm": "sinus",
    "bpm": 71,
}


def test_every_event_a_whole_session_writes_is_declared(ended_session: Session) -> None:
    kinds = {e["event"] for e in load_record(ended_session.writer.folder).events}
    assert {"run_start", "scene_start", "command", "vitals_due", "health", "end"} <= kinds
    assert kinds <= ev.KINDS.keys(), kinds - ev.KINDS.keys()


def test_every_kind_the_validator_checks_is_declared() -> None:
    assert FIELDS.keys() <= ev.KINDS.keys()


def test_the_engine_writes_its_fields_as_declared(ended_session: Session) -> None:
    record = load_record(ended_session.writer.folder)
    for event in record.events:
        declared = ev.KINDS[event["event"]]
        if declared.source != "engine":
            continue
        names = {f.metadata.get("name", f.name) for f in declared.__dataclass_fields__.values()}
        common = {"event", "seq", "session_time", "play_time", "wall"}
        assert set(event) - common <= names, (event["event"], set(event) - common - names)


def _with_newer_event(session: Session) -> Path:
    """The record with one event of a kind this version does not know, as a newer version
    would write it, in the middle."""
    events = session.writer.events_path
    lines = events.read_text(encoding="utf-8").splitlines()
    middle = len(lines) // 2
    seq = json.loads(lines[middle])["seq"]
    lines.insert(middle + 1, json.dumps({"seq": seq, **NEWER}))
    events.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return session.writer.folder


def test_an_event_of_a_newer_version_is_kept_and_shown(ended_session: Session) -> None:
    folder = _with_newer_event(ended_session)
    record = load_record(folder)
    kept = [e for e in record.events if e["event"] == "heart_rhythm"]
    assert kept and kept[0]["rhythm"] == "sinus" and kept[0]["bpm"] == 71
    summary = summarize(record)
    shown = [f for f in summary.faults if f.kind == "unknown"]
    assert len(shown) == 1 and shown[0].time == 95.0
    assert "heart_rhythm" in shown[0].label and "rhythm sinus" in shown[0].label
    for form in ("html", "md"):
        text = render_report(record, form).replace("\\_", "_")  # Markdown escapes _
        assert "heart_rhythm" in text and "bpm 71" in text, form


def test_a_newer_event_does_not_stop_a_resume(quit_session: Session) -> None:
    folder = _with_newer_event(quit_session)
    point = resume_point(load_record(folder))
    assert point.resumable and point.scene == "journey"
