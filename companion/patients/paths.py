"""Where the patients' store lives: in the records folder, beside the session records.

One folder then holds everything about the sessions (one thing to back up, one thing a test
or a clinic moves): `~/.local/share/companion/records/patients.sqlite3` on Linux, or in the
folder `$COMPANION_RECORD_DIR` or a command's `--record-dir` names. `$COMPANION_PATIENTS_DB`
names the file outright. The record listing only looks at folders, so the file is no record.
"""

from __future__ import annotations

import os
from pathlib import Path

from companion.record.paths import default_record_dir

DATABASE_VARIABLE = "COMPANION_PATIENTS_DB"
DATABASE_NAME = "patients.sqlite3"


def data_dir(record_dir: Path | None = None) -> Path:
    """The records folder: where the store lives."""
    return (record_dir or default_record_dir()).expanduser()


def database_path(record_dir: Path | None = None) -> Path:
    override = os.environ.get(DATABASE_VARIABLE)
    if override:
        return Path(override).expanduser()
    return data_dir(record_dir) / DATABASE_NAME
