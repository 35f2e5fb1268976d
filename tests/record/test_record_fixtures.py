"""Records written by an earlier version (committed in fixtures/format-1, made by
record_sessions.py) must still load, report, list and resume. Never regenerate them to make
this test pass: add a new fixture folder for a new format instead."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from record_sessions import NOTES

from companion.cli import main
from companion.record import (
    RecordWriter,
    list_records,
    load_record,
    render_report,
    resume_point,
    summarize,
)

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "format-1"


@pytest.fixture
def records(tmp_path: Path) -> dict[str, Path]:
    """Copies of the fixture records (tests must not change the committed ones), by patient."""
    copy = tmp_path / "records"
    shutil.copytree(FIXTURES, copy)
    return {load_record(folder).start["patient"]: folder for folder in sorted(copy.iterdir())}


def test_an_ended_record_from_format_1(records: dict[str, Path]) -> None:
    record = load_record(records["P-014"])
    assert record.problems == [] and record.ended
    assert record.start["record_format"] == 1 and record.start["versions"]["companion"]
    summary = summarize(record)
    assert summary.title == "Record test session" and summary.length == 3325.0
    assert [n.label for n in summary.notes] == list(NOTES)
    assert len(summary.actions) == 20 and sum(not a.ok for a in summary.actions) == 1
    assert [s.scene for s in summary.scenes] == ["arrive", "journey", "haven", "journey", "return"]
    assert [(c.due, c.acknowledged) for c in summary.dose.checks] == [
        (330.0, 435.0),
        (630.0, 785.0),
        (930.0, None),
    ]
    html = render_report(record, "html")
    assert "Tearful &lt;at&gt; the stars &amp; asked for the light on" in html and "<svg" in html
    assert "## Notes" in render_report(record, "md")
    assert not resume_point(record).resumable


def test_a_crashed_record_from_format_1_loads_and_resumes(records: dict[str, Path]) -> None:
    folder = records["P-015"]
    record = load_record(folder)
    assert record.torn_last_line and len(record.problems) == 1 and not record.ended
    point = resume_point(record)
    assert point.resumable and (point.scene, point.step) == ("journey", 1)
    assert point.levels == {"music": 0.4} and point.intensity == 0.3 and point.captions is False
    path, warning = point.script_to_play()  # the script it was played from is gone
    assert path == folder / "script.yaml" and "is gone" in warning
    writer = RecordWriter.resume(
        folder, resume_at={"scene": point.scene, "step": point.step}, sync_interval=None
    )
    writer.warning("resumed in a test")
    writer.close()
    resumed = load_record(folder)
    gap = resumed.of_kind("gap")[0]
    assert gap["repaired_torn_line"] and gap["stopped_at"] == record.length
    assert [p.message.split(" (")[0] for p in resumed.problems] == ["not a complete event"]
    assert resumed.events[: len(record.events)] == record.events
    assert resumed.of_kind("warning")[0]["session_time"] >= record.length


def test_records_lists_the_fixtures(records: dict[str, Path], capsys) -> None:
    root = records["P-014"].parent
    assert [(r.patient, r.ended, r.length) for r in list_records(root)] == [
        ("P-014", True, 3325.0),
        ("P-015", False, 785.0),
    ]
    assert main(["records", "--record-dir", str(root)]) == 0
    assert "not ended (1 problem)" in capsys.readouterr().out
