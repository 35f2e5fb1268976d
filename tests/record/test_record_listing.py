"""`companion records`: the list of records, and deleting one (asking first)."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

from record_sessions import Session

from companion.cli import main


def test_records_lists_date_script_patient_length_and_status(
    ended_session: Session, quit_session: Session, record_dir: Path, capsys
) -> None:
    (record_dir / "not-a-record").mkdir()
    (record_dir / "stray.txt").write_text("left here")
    assert main(["records", "--record-dir", str(record_dir)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["ID", "DATE", "SCRIPT", "PATIENT", "LENGTH", "STATUS"]
    assert len(out) == 3
    ended = next(line for line in out if line.startswith(ended_session.writer.id + " "))
    assert (
        "Record test session" in ended and " P-014 " in ended and ended.rstrip().endswith("ended")
    )
    assert " 55:25 " in ended and "not ended" not in ended
    left = next(line for line in out if line.startswith(quit_session.writer.id + " "))
    assert " P-015 " in left and left.rstrip().endswith("not ended") and " 13:05 " in left

    assert main(["records", "--record-dir", str(record_dir), "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(r["id"], r["patient"], r["ended"]) for r in listed] == [
        (ended_session.writer.id, "P-014", True),
        (quit_session.writer.id, "P-015", False),
    ]
    assert listed[0]["length"] == ended_session.end_time


def test_records_uses_the_record_dir_variable(
    ended_session: Session, record_dir: Path, capsys, monkeypatch
) -> None:
    monkeypatch.setenv("COMPANION_RECORD_DIR", str(record_dir))
    assert main(["records"]) == 0
    assert ended_session.writer.id in capsys.readouterr().out


def test_an_empty_record_folder(tmp_path: Path, capsys) -> None:
    assert main(["records", "--record-dir", str(tmp_path / "none")]) == 0
    assert "no records in" in capsys.readouterr().err


def test_delete_asks_first(ended_session: Session, record_dir: Path, capsys, monkeypatch) -> None:
    folder = ended_session.writer.folder
    monkeypatch.setattr(sys, "stdin", io.StringIO("n\n"))
    assert main(["records", "delete", folder.name, "--record-dir", str(record_dir)]) == 1
    assert folder.is_dir() and "not deleted" in capsys.readouterr().err
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))  # no one to answer: nothing is deleted
    assert main(["records", "--record-dir", str(record_dir), "delete", folder.name]) == 1
    assert folder.is_dir() and "--yes" in capsys.readouterr().err
    monkeypatch.setattr(sys, "stdin", io.StringIO("y\n"))
    assert main(["records", "--record-dir", str(record_dir), "delete", folder.name]) == 0
    err = capsys.readouterr().err
    assert "Delete the record" in err and "patient P-014" in err and not folder.exists()


def test_delete_with_yes_and_what_it_refuses(
    ended_session: Session, quit_session: Session, record_dir: Path, capsys
) -> None:
    assert (
        main(
            ["records", "delete", "--yes", ended_session.writer.id, "--record-dir", str(record_dir)]
        )
        == 0
    )
    assert not ended_session.writer.folder.exists() and quit_session.writer.folder.is_dir()
    assert main(["records", "delete", "-y", "nope", "--record-dir", str(record_dir)]) == 1
    assert "no record 'nope'" in capsys.readouterr().err
    keep = record_dir / "keep-me"
    keep.mkdir()
    (keep / "precious.txt").write_text("not a record")
    assert main(["records", "delete", "-y", str(keep)]) == 1
    assert "not a session record" in capsys.readouterr().err and (keep / "precious.txt").exists()
    assert main(["records", "--record-dir", str(record_dir), "--json"]) == 0
    assert [r["id"] for r in json.loads(capsys.readouterr().out)] == [quit_session.writer.id]
