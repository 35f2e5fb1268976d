"""The patients' store: its schema upgraded from the first version, and the index of records
rebuilt from the records and checked against them."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from patient_sessions import play, write_script

from companion.cli import main
from companion.patients import open_store
from companion.patients.index import check_index, reindex
from companion.patients.migrations import LATEST
from companion.patients.sqlite_store import SqliteStore
from companion.patients.store import StoreError

# The first version's schema, written out here as it shipped (never from migrations.py, so a
# change to that first step would fail this test).
VERSION_1 = """
CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied TEXT NOT NULL);
INSERT INTO schema_version VALUES (1, '2026-12-01T10:00:00+00:00');
CREATE TABLE profiles (code TEXT PRIMARY KEY, yaml TEXT NOT NULL, updated TEXT NOT NULL);
CREATE TABLE records (
    id TEXT PRIMARY KEY, folder TEXT NOT NULL, patient TEXT, date TEXT, script TEXT NOT NULL,
    title TEXT NOT NULL, length REAL NOT NULL, ended INTEGER NOT NULL, size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL
);
CREATE INDEX records_by_patient ON records (patient, date);
INSERT INTO profiles VALUES ('P-007', 'notes: likes the forest
', '2026-12-01T10:00:00+00:00');
INSERT INTO records VALUES ('2026-11-30_100000-old', '/gone/2026-11-30_100000-old', 'P-007',
    '2026-11-30T10:00:00+00:00', 'old.yaml', 'Old', 600.0, 1, 10, 1);
"""


def test_a_first_version_database_is_upgraded_and_keeps_its_data(tmp_path: Path) -> None:
    path = tmp_path / "patients.sqlite3"
    with sqlite3.connect(path) as db:
        db.executescript(VERSION_1)
    store = SqliteStore.open(path)
    assert store.schema_version() == LATEST >= 2
    assert store.applied_versions() == list(range(1, LATEST + 1))
    assert store.profile_text("P-007") == "notes: likes the forest\n"
    [old] = store.indexed("P-007")
    assert (old.title, old.length, old.ended, old.items) == ("Old", 600.0, True, ())
    # what version 2 added works on the upgraded file
    store.put_records([old.__class__(**{**old.__dict__, "items": ({"seq": 3, "event": "x"},)})])
    assert store.indexed("P-007")[0].items == ({"seq": 3, "event": "x"},)
    store.close()
    again = SqliteStore.open(path)  # opened again: nothing left to apply
    assert again.upgrade() == [] and again.schema_version() == LATEST
    again.close()


def test_a_database_from_a_later_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "patients.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied TEXT)")
        db.execute("INSERT INTO schema_version VALUES (99, 'later')")
    with pytest.raises(StoreError, match="schema version 99, written by a later Companion"):
        SqliteStore.open(path)
    (tmp_path / "junk.sqlite3").write_bytes(b"not a database at all" * 100)
    with pytest.raises(StoreError, match="cannot be read"):
        SqliteStore.open(tmp_path / "junk.sqlite3")


@pytest.fixture(scope="module")
def two_records(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two real records (P-021 and P-022), played once for the module."""
    root = tmp_path_factory.mktemp("records-source")
    script = write_script(root / "scripts")
    play(script, root / "records", "P-021", "2026-11-02T10:00:00+01:00")
    play(script, root / "records", "P-022", "2026-11-09T10:00:00+01:00")
    return root / "records"


def test_reindex_and_a_record_copied_in_by_hand(two_records: Path, tmp_path: Path) -> None:
    records = tmp_path / "records"
    first, second = sorted(two_records.iterdir())
    shutil.copytree(first, records / first.name)
    store = open_store(records)
    assert Path(store.location) == records / "patients.sqlite3"
    done = reindex(store, records)
    assert done.added == [first.name] and not done.removed
    [entry] = store.indexed("P-021")
    assert entry.ended and entry.script == "patients-test.yaml" and entry.length > 100

    shutil.copytree(second, records / second.name)  # copied in by hand
    found = check_index(store, records)
    assert found.added == [second.name] and not found.updated and not found.removed
    assert [r.id for r in store.indexed("P-022")] == [second.name]
    assert check_index(store, records).changed is False  # nothing read again

    with open(records / second.name / "events.jsonl", "a", encoding="utf-8") as events:
        events.write('{"seq": 999, "event": "note", "session_time": 1.0, "text": "added"}\n')
    assert check_index(store, records).updated == [second.name]
    assert any(i.get("text") == "added" for i in store.indexed("P-022")[0].items)

    shutil.rmtree(records / first.name)  # deleted by hand
    assert check_index(store, records).removed == [first.name]
    assert store.indexed("P-021") == []
    store.close()


def test_records_reindex_command(
    two_records: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    records = tmp_path / "records"
    shutil.copytree(two_records, records)
    assert main(["records", "reindex", "--record-dir", str(records)]) == 0
    assert "indexed 2 records" in capsys.readouterr().err
    assert main(["records", "--record-dir", str(records), "--json"]) == 0  # the store is no record
    assert len(json.loads(capsys.readouterr().out)) == 2
    assert main(["records", "reindex", "--check", "--record-dir", str(records)]) == 0
    assert "index checked: 0 new, 0 changed, 0 gone" in capsys.readouterr().err
    store = open_store(records)
    assert sorted(store.patients()) == ["P-021", "P-022"]
    store.close()
