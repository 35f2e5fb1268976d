"""Each patient over time: profiles by patient code, ratings and questionnaires, and an index
of session records, kept in one store (SQLite here; see docs/patients.md).

The session records stay the source of truth for each session; what is here can be rebuilt
from them (`companion records reindex`), except the profiles and the questionnaires taken
outside a session, which only the store holds.
"""

from companion.patients.paths import data_dir, database_path
from companion.patients.store import IndexedRecord, PatientStore, open_store

__all__ = ["IndexedRecord", "PatientStore", "data_dir", "database_path", "open_store"]
