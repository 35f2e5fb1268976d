"""The records in a folder, and deleting one."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from companion.record.paths import EVENTS_FILE, RecordError, default_record_dir, resolve_record
from companion.record.reader import load_record
from companion.record.summary import parse_date


@dataclass(frozen=True)
class RecordInfo:
    id: str
    folder: Path
    date: datetime | None
    script: str
    title: str
    patient: str | None
    length: float
    ended: bool
    problems: int

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "folder": str(self.folder),
            "date": self.date.isoformat() if self.date else None,
            "script": self.script,
            "title": self.title,
            "patient": self.patient,
            "length": round(self.length, 3),
            "ended": self.ended,
            "problems": self.problems,
        }


def list_records(record_dir: Path | None = None) -> list[RecordInfo]:
    """Every record in `record_dir` (default: the user's), oldest first. A folder with an
    events.jsonl is a record, however damaged; anything else there is left alone."""
    root = record_dir or default_record_dir()
    if not root.is_dir():
        return []
    found = []
    for folder in sorted(root.iterdir()):
        if not (folder / EVENTS_FILE).is_file():
            continue
        try:
            record = load_record(folder)
        except RecordError:  # unreadable (permissions): listed with what is known
            found.append(
                RecordInfo(folder.name, folder, None, "?", "unreadable", None, 0.0, False, 1)
            )
            continue
        start = record.start
        found.append(
            RecordInfo(
                id=folder.name,
                folder=folder,
                date=parse_date(start.get("date")),
                script=str(start.get("script") or "?"),
                title=str(start.get("title") or start.get("script") or "?"),
                patient=start.get("patient"),
                length=record.length,
                ended=record.ended,
                problems=len(record.problems),
            )
        )
    found.sort(key=lambda info: (info.date.timestamp() if info.date else 0.0, info.id))
    return found


def delete_record(name: str, record_dir: Path | None = None) -> Path:
    """Remove one record's folder (an id, or a folder path). RecordError when it is not a record."""
    folder = resolve_record(name, record_dir)
    if not (folder / EVENTS_FILE).is_file():
        raise RecordError(
            f"{folder} is not a session record (it has no {EVENTS_FILE}); not deleting it"
        )
    try:
        shutil.rmtree(folder)
    except OSError as exc:
        raise RecordError(f"cannot delete {folder}: {exc.strerror or exc}") from exc
    return folder
