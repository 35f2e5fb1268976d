"""The records in a folder, and deleting one."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from companion.record.lock import RecordBusy, RecordLock, describe, live_holder
from companion.record.paths import (
    EVENTS_FILE,
    HASH_FILE,
    LOCK_FILE,
    MARKER_FILE,
    SCRIPT_COPY_STEM,
    RecordError,
    default_record_dir,
    resolve_record,
)
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
    started: bool = True
    why_unreadable: str | None = None
    running: str | None = None  # who writes it now (a live session), if anyone

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
            "started": self.started,
            "running": self.running,
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
        except RecordError as exc:  # unreadable (permissions, a later format): listed as such
            found.append(
                RecordInfo(
                    folder.name,
                    folder,
                    None,
                    "?",
                    "unreadable",
                    None,
                    0.0,
                    False,
                    1,
                    why_unreadable=str(exc),
                )
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
                length=record.session_length,
                ended=record.ended,
                started=record.started,
                running=_running(folder),
                problems=len(record.problems),
            )
        )
    found.sort(key=lambda info: (info.date.timestamp() if info.date else 0.0, info.id))
    return found


def _running(folder: Path) -> str | None:
    holder = live_holder(folder)
    return describe(holder) if holder is not None else None


def is_companion_record(folder: Path) -> bool:
    """The folder is a record Companion made: it has the marker file, or (a record from before
    the marker) its events file starts with a run_start naming this very folder."""
    if (folder / MARKER_FILE).is_file():
        return True
    try:
        with open(folder / EVENTS_FILE, "rb") as file:
            first = json.loads(file.readline(1 << 20).decode("utf-8"))
    except (OSError, ValueError):
        return False
    return (
        isinstance(first, dict)
        and first.get("event") == "run_start"
        and first.get("record") == folder.name
        and isinstance(first.get("record_format"), int)
    )


def owned_files(folder: Path) -> list[Path]:
    """The files in a record's folder that Companion wrote (and may delete with it)."""
    return [
        path
        for path in folder.iterdir()
        if (path.is_file() or path.is_symlink()) and _is_record_file(path.name)
    ]


def _is_record_file(name: str) -> bool:
    return name in (EVENTS_FILE, HASH_FILE, LOCK_FILE, MARKER_FILE) or name.startswith(
        (SCRIPT_COPY_STEM + ".", "panel")
    )


def delete_record(name: str, record_dir: Path | None = None) -> Path:
    """Remove one record (an id, or a folder path): the files Companion wrote in its folder,
    then the folder when nothing else is left in it. RecordError when it is not a Companion
    record, when a live program still writes it, or when other files keep the folder."""
    folder = resolve_record(name, record_dir)
    if not is_companion_record(folder):
        raise RecordError(
            f"{folder} is not a Companion session record (it has no {MARKER_FILE} marker); "
            "not deleting anything in it"
        )
    try:  # held through the deletion: no program can start writing the record meanwhile
        lock = RecordLock.acquire(folder, "records delete")
    except RecordBusy as busy:
        raise RecordError(
            f"the session of {folder.name} is still running ({describe(busy.holder)}); "
            "end it before deleting its record"
        ) from None
    try:
        for path in owned_files(folder):
            path.unlink()
        others = sorted(p.name for p in folder.iterdir())
        if others:
            raise RecordError(
                f"deleted the record in {folder} but kept the folder: it also holds "
                f"{', '.join(others[:5])}{' …' if len(others) > 5 else ''}, "
                "which Companion did not write"
            )
        folder.rmdir()
    except OSError as exc:
        raise RecordError(f"cannot delete {folder}: {exc.strerror or exc}") from exc
    finally:
        lock.release()
    return folder
