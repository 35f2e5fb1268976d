"""The index of session records in the store, rebuilt from the records and checked against them.

The records are the truth; the index is a quick way to a patient's sessions and what was rated
in them. `check_index` compares it with the records folder (a record copied in by hand, one
deleted, one still being written) and mends it, reading only the records whose events file
changed (size or time). `reindex` reads every record again and replaces the index.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from companion.patients.store import IndexedRecord, PatientStore
from companion.record.paths import EVENTS_FILE, RecordError, default_record_dir
from companion.record.reader import load_record

# The events of a record that say something about the patient across sessions (their kinds
# are declared with the other events: companion/patients/events.py).
PATIENT_EVENTS = frozenset(
    {"rating", "mood", "questionnaire", "fitting", "protocol", "medicine", "vitals", "note"}
)


@dataclass
class IndexCheck:
    """What a check found and mended."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)


def index_entry(folder: Path) -> IndexedRecord | None:
    """The index's view of one record folder, or None when it cannot be read as a record."""
    events = folder / EVENTS_FILE
    items: list[dict[str, Any]] = []

    def keep(event: dict[str, Any]) -> None:
        if event.get("event") in PATIENT_EVENTS:
            items.append(event)

    try:
        stat = events.stat()
        record = load_record(folder, observe=keep)
    except (OSError, RecordError):
        return None
    start = record.start
    patient = start.get("patient")
    return IndexedRecord(
        id=folder.name,
        folder=str(folder),
        patient=patient if isinstance(patient, str) else None,
        date=start.get("date") if isinstance(start.get("date"), str) else None,
        script=str(start.get("script") or "?"),
        title=str(start.get("title") or start.get("script") or "?"),
        length=float(record.session_length),
        ended=record.ended,
        size=stat.st_size,
        mtime_ns=stat.st_mtime_ns,
        items=tuple(items),
    )


def _record_folders(root: Path) -> dict[str, Path]:
    if not root.is_dir():
        return {}
    return {f.name: f for f in sorted(root.iterdir()) if (f / EVENTS_FILE).is_file()}


def reindex(store: PatientStore, record_dir: Path | None = None) -> IndexCheck:
    """Read every record in the folder again and replace the whole index with what they say."""
    root = (record_dir or default_record_dir()).expanduser().resolve()
    result = IndexCheck()
    entries = []
    for name, folder in _record_folders(root).items():
        entry = index_entry(folder)
        if entry is None:
            result.unreadable.append(name)
            continue
        entries.append(entry)
        result.added.append(name)
    before = {r.id for r in store.indexed()}
    result.removed = sorted(before - {e.id for e in entries})
    store.put_records(entries, replace_all=True)
    return result


def check_index(store: PatientStore, record_dir: Path | None = None) -> IndexCheck:
    """Bring the index in line with the records folder, reading only what changed."""
    root = (record_dir or default_record_dir()).expanduser().resolve()
    result = IndexCheck()
    folders = _record_folders(root)
    known = {r.id: r for r in store.indexed() if Path(r.folder).parent == root}
    fresh = []
    for name, folder in folders.items():
        old = known.get(name)
        try:
            stat = (folder / EVENTS_FILE).stat()
        except OSError:
            continue
        if old is not None and (old.size, old.mtime_ns) == (stat.st_size, stat.st_mtime_ns):
            continue
        entry = index_entry(folder)
        if entry is None:
            result.unreadable.append(name)
            continue
        fresh.append(entry)
        (result.added if old is None else result.updated).append(name)
    result.removed = sorted(set(known) - set(folders))
    if fresh:
        store.put_records(fresh)
    if result.removed:
        store.remove_records(result.removed)
    return result
