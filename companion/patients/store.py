"""The one interface to what is kept about patients, whatever keeps it.

Everything outside this package talks to a `PatientStore`; `SqliteStore` (sqlite_store.py) is
the one there is. A clinic with several rooms could point every machine at one shared
database by writing another class with these methods (docs/record.md says what that takes).
The values going in and out are plain dataclasses and JSON-able dicts, never rows or cursors.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol


@dataclass(frozen=True)
class IndexedRecord:
    """One session record as the index knows it: enough to list a patient's sessions without
    opening every record, and the size and time of its events file to see it changed."""

    id: str
    folder: str
    patient: str | None
    date: str | None  # ISO 8601, as in run_start
    script: str
    title: str
    length: float
    ended: bool
    size: int  # of events.jsonl when indexed
    mtime_ns: int
    items: tuple[dict[str, Any], ...] = ()  # ratings, moods, questionnaires, fitting (events)


@dataclass(frozen=True)
class Questionnaire:
    """A PHQ-9 or GAD-7 taken outside a session (`companion patients questionnaire`)."""

    patient: str
    instrument: str
    answers: tuple[int, ...]
    score: int
    taken: str  # ISO 8601 date and time
    id: int | None = None


@dataclass
class Forgotten:
    """What `forget_patient` removed from the store."""

    profile: bool = False
    records: list[str] = field(default_factory=list)
    questionnaires: int = 0


class PatientStore(Protocol):
    """Profiles, the record index and questionnaires, by patient code (never a name)."""

    location: str  # for messages: a file path, or a server

    def schema_version(self) -> int: ...

    def close(self) -> None: ...

    # profiles: the YAML text as the therapist wrote it (profile.py reads it)
    def profile_text(self, code: str) -> str | None: ...

    def save_profile(self, code: str, text: str) -> None: ...

    def profile_codes(self) -> list[str]: ...

    # the index of records
    def indexed(self, patient: str | None = None) -> list[IndexedRecord]: ...

    def put_records(self, records: list[IndexedRecord], *, replace_all: bool = False) -> None: ...

    def remove_records(self, ids: list[str]) -> None: ...

    # questionnaires taken outside a session
    def add_questionnaire(self, entry: Questionnaire) -> int: ...

    def questionnaires(self, patient: str) -> list[Questionnaire]: ...

    def patients(self) -> list[str]:
        """Every code the store knows (a profile, a record, or a questionnaire)."""
        ...

    def forget_patient(self, code: str) -> Forgotten: ...


def open_store(record_dir: Path | None = None) -> PatientStore:
    """The store for this computer: SQLite beside the records (paths.py), upgraded to this
    version's schema. StoreError when it cannot be opened."""
    from companion.patients.paths import database_path
    from companion.patients.sqlite_store import SqliteStore

    return SqliteStore.open(database_path(record_dir))


class StoreError(Exception):
    """The store cannot be opened or written; the message says what to do."""
