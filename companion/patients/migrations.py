"""The store's schema, one numbered step at a time, from the first version on.

Each step is SQL that takes a database of the version before it to its own version; the
`schema_version` table lists the steps applied (and when). Opening a store applies the steps
it lacks in order, each in one transaction, so a database written by any earlier Companion
opens in this one. Never edit a step that has shipped: add the next one. A database of a later
version than this code knows is refused (its tables may mean something else).
"""

from __future__ import annotations

MIGRATIONS: dict[int, str] = {
    # 1: profiles (YAML text) and the index of session records
    1: """
        CREATE TABLE profiles (
            code TEXT PRIMARY KEY,
            yaml TEXT NOT NULL,
            updated TEXT NOT NULL
        );
        CREATE TABLE records (
            id TEXT PRIMARY KEY,
            folder TEXT NOT NULL,
            patient TEXT,
            date TEXT,
            script TEXT NOT NULL,
            title TEXT NOT NULL,
            length REAL NOT NULL,
            ended INTEGER NOT NULL,
            size INTEGER NOT NULL,
            mtime_ns INTEGER NOT NULL
        );
        CREATE INDEX records_by_patient ON records (patient, date);
    """,
    # 2: what a session's record holds about the patient (ratings, moods, questionnaires and
    # the profile's substitutions, as events), and questionnaires taken outside a session
    2: """
        CREATE TABLE record_items (
            record TEXT NOT NULL REFERENCES records (id) ON DELETE CASCADE,
            seq INTEGER NOT NULL,
            kind TEXT NOT NULL,
            data TEXT NOT NULL,
            PRIMARY KEY (record, seq)
        );
        CREATE TABLE questionnaires (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            patient TEXT NOT NULL,
            instrument TEXT NOT NULL,
            answers TEXT NOT NULL,
            score INTEGER NOT NULL,
            taken TEXT NOT NULL
        );
        CREATE INDEX questionnaires_by_patient ON questionnaires (patient, taken);
    """,
}

LATEST = max(MIGRATIONS)

VERSION_TABLE = """
    CREATE TABLE IF NOT EXISTS schema_version (
        version INTEGER PRIMARY KEY,
        applied TEXT NOT NULL
    )
"""
