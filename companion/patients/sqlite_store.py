"""The patients' store in one SQLite file (stdlib sqlite3), beside the records.

SQLite because it needs no server and no install, survives a power cut (a transaction is all
or nothing; WAL keeps a reader from blocking the writer), and one file is easy to back up.
The file and its folder are the therapist's alone (0600 / 0700), like the records.
"""

from __future__ import annotations

import json
import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from companion.patients.migrations import LATEST, MIGRATIONS, VERSION_TABLE
from companion.patients.store import Forgotten, IndexedRecord, Questionnaire, StoreError


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class SqliteStore:
    """`PatientStore` on SQLite. Open it with `SqliteStore.open(path)`."""

    def __init__(self, connection: sqlite3.Connection, location: str) -> None:
        self._db = connection
        self.location = location

    @classmethod
    def open(cls, path: Path) -> SqliteStore:
        """Open (or make) the store at `path` and bring its schema up to this version."""
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            if not path.exists():
                os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
            connection = sqlite3.connect(path, timeout=10.0)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"cannot open the patients' store {path}: {exc}") from exc
        store = cls(connection, str(path))
        try:
            connection.execute("PRAGMA foreign_keys = ON")
            connection.execute("PRAGMA journal_mode = WAL")
            # WAL with NORMAL never corrupts the file; a power cut may lose the last commits,
            # which for the index `reindex --check` brings back from the records
            connection.execute("PRAGMA synchronous = NORMAL")
            store.upgrade()
        except sqlite3.DatabaseError as exc:
            connection.close()
            raise StoreError(
                f"the patients' store {path} cannot be read ({exc}); "
                "move it aside and run `companion records reindex` to rebuild the index"
            ) from exc
        except StoreError:
            connection.close()
            raise
        return store

    def upgrade(self) -> list[int]:
        """Apply the migrations this database lacks, in order; the versions applied."""
        self._db.execute(VERSION_TABLE)
        self._db.commit()
        have = self.schema_version()
        if have > LATEST:
            raise StoreError(
                f"the patients' store {self.location} is of schema version {have}, written by a "
                f"later Companion; this one knows versions up to {LATEST}"
            )
        applied = []
        for version in sorted(v for v in MIGRATIONS if v > have):
            with self._db:  # one transaction per step: a failed step leaves the one before
                self._db.executescript(
                    "BEGIN;\n"
                    + MIGRATIONS[version]
                    + f"\nINSERT INTO schema_version VALUES ({version}, '{_now()}');\nCOMMIT;"
                )
            applied.append(version)
        return applied

    def schema_version(self) -> int:
        row = self._db.execute("SELECT MAX(version) FROM schema_version").fetchone()
        return int(row[0] or 0)

    def applied_versions(self) -> list[int]:
        return [r[0] for r in self._db.execute("SELECT version FROM schema_version ORDER BY 1")]

    def close(self) -> None:
        self._db.close()

    # profiles

    def profile_text(self, code: str) -> str | None:
        row = self._db.execute("SELECT yaml FROM profiles WHERE code = ?", (code,)).fetchone()
        return None if row is None else str(row[0])

    def save_profile(self, code: str, text: str) -> None:
        with self._db:
            self._db.execute(
                "INSERT INTO profiles (code, yaml, updated) VALUES (?, ?, ?) "
                "ON CONFLICT (code) DO UPDATE SET yaml = excluded.yaml, updated = excluded.updated",
                (code, text, _now()),
            )

    def profile_codes(self) -> list[str]:
        return [r[0] for r in self._db.execute("SELECT code FROM profiles ORDER BY code")]

    # the index of records

    def indexed(self, patient: str | None = None) -> list[IndexedRecord]:
        query = (
            "SELECT id, folder, patient, date, script, title, length, ended, size, mtime_ns "
            "FROM records"
        )
        rows = (
            self._db.execute(query + " WHERE patient = ? ORDER BY date, id", (patient,))
            if patient is not None
            else self._db.execute(query + " ORDER BY date, id")
        ).fetchall()
        items: dict[str, list[dict[str, Any]]] = {}
        for record, data in self._db.execute(
            "SELECT record, data FROM record_items ORDER BY record, seq"
        ):
            items.setdefault(record, []).append(json.loads(data))
        return [
            IndexedRecord(
                id=row[0],
                folder=row[1],
                patient=row[2],
                date=row[3],
                script=row[4],
                title=row[5],
                length=float(row[6]),
                ended=bool(row[7]),
                size=int(row[8]),
                mtime_ns=int(row[9]),
                items=tuple(items.get(row[0], ())),
            )
            for row in rows
        ]

    def put_records(self, records: list[IndexedRecord], *, replace_all: bool = False) -> None:
        with self._db:
            if replace_all:
                self._db.execute("DELETE FROM record_items")
                self._db.execute("DELETE FROM records")
            for r in records:
                self._db.execute("DELETE FROM records WHERE id = ?", (r.id,))
                self._db.execute(
                    "INSERT INTO records VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        r.id,
                        r.folder,
                        r.patient,
                        r.date,
                        r.script,
                        r.title,
                        r.length,
                        int(r.ended),
                        r.size,
                        r.mtime_ns,
                    ),
                )
                self._db.executemany(
                    "INSERT OR REPLACE INTO record_items VALUES (?, ?, ?, ?)",
                    [
                        (r.id, int(item.get("seq", n)), str(item.get("event")), json.dumps(item))
                        for n, item in enumerate(r.items)
                    ],
                )

    def remove_records(self, ids: list[str]) -> None:
        with self._db:
            self._db.executemany("DELETE FROM records WHERE id = ?", [(i,) for i in ids])

    # questionnaires

    def add_questionnaire(self, entry: Questionnaire) -> int:
        with self._db:
            cursor = self._db.execute(
                "INSERT INTO questionnaires (patient, instrument, answers, score, taken) "
                "VALUES (?, ?, ?, ?, ?)",
                (
                    entry.patient,
                    entry.instrument,
                    json.dumps(list(entry.answers)),
                    entry.score,
                    entry.taken,
                ),
            )
        return int(cursor.lastrowid or 0)

    def questionnaires(self, patient: str) -> list[Questionnaire]:
        return [
            Questionnaire(row[1], row[2], tuple(json.loads(row[3])), int(row[4]), row[5], row[0])
            for row in self._db.execute(
                "SELECT id, patient, instrument, answers, score, taken FROM questionnaires "
                "WHERE patient = ? ORDER BY taken, id",
                (patient,),
            )
        ]

    def patients(self) -> list[str]:
        rows = self._db.execute(
            "SELECT code FROM profiles UNION SELECT patient FROM records WHERE patient IS NOT NULL "
            "UNION SELECT patient FROM questionnaires ORDER BY 1"
        )
        return [r[0] for r in rows]

    def forget_patient(self, code: str) -> Forgotten:
        gone = Forgotten()
        with self._db:
            gone.profile = (
                self._db.execute("DELETE FROM profiles WHERE code = ?", (code,)).rowcount > 0
            )
            gone.records = [
                r[0] for r in self._db.execute("SELECT id FROM records WHERE patient = ?", (code,))
            ]
            self._db.execute("DELETE FROM records WHERE patient = ?", (code,))
            gone.questionnaires = self._db.execute(
                "DELETE FROM questionnaires WHERE patient = ?", (code,)
            ).rowcount
        return gone
