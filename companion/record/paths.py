"""Where records live, how a new one is named, and how a name given on the command line
(an id, a folder or an events file) is found."""

from __future__ import annotations

import os
import re
from datetime import datetime
from pathlib import Path

RECORD_FORMAT = 1  # the version of events.jsonl this Companion writes and reads
EVENTS_FILE = "events.jsonl"
HASH_FILE = "script.sha256"
LOCK_FILE = "lock"  # held by the program that writes the record (record/lock.py)
MARKER_FILE = "companion-record"  # says the folder is a Companion record (for delete)
HEARTBEAT_SECONDS = 15.0  # the longest the record goes without a line while it runs
SCRIPT_COPY_STEM = "script"
RECORD_DIR_VARIABLE = "COMPANION_RECORD_DIR"

_PATIENT_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")
_SLUG = re.compile(r"[^a-z0-9]+")


class RecordError(Exception):
    """A record that cannot be found, read or made; the message says what to do."""


def default_record_dir() -> Path:
    """$COMPANION_RECORD_DIR, else `records` in the user's data folder for this platform
    (~/.local/share/companion on Linux, ~/Library/Application Support on macOS, %LOCALAPPDATA%)."""
    override = os.environ.get(RECORD_DIR_VARIABLE)
    if override:
        return Path(override).expanduser()
    from platformdirs import user_data_dir  # only when no folder is given

    return Path(user_data_dir("companion", appauthor=False)) / "records"


def check_patient_code(code: str | None) -> str | None:
    """None when `code` is a usable patient code; else why not. Codes, never names: a code
    is up to 32 letters, digits, '.', '_' or '-', with no spaces."""
    if code is None:
        return None
    if not _PATIENT_CODE.match(code):
        return (
            f"'{code}' is not a patient code: use up to 32 letters, digits, '-', '_' or '.' "
            "with no spaces (a code such as P-014, never a name)"
        )
    return None


def new_record_name(script_path: Path, when: datetime) -> str:
    """A sortable, readable id: 2026-05-01_140322-arriving (no patient code in it)."""
    slug = _SLUG.sub("-", script_path.stem.lower()).strip("-")[:40] or "session"
    return f"{when:%Y-%m-%d_%H%M%S}-{slug}"


def resolve_record(name: str | os.PathLike[str], record_dir: Path | None = None) -> Path:
    """The folder of a record given as a folder, its events file, or an id in `record_dir`."""
    path = Path(name).expanduser()
    if path.name == EVENTS_FILE and path.is_file():
        return path.parent
    if path.is_dir():
        return path
    text = str(name)
    if os.sep not in text and "/" not in text:
        candidate = (record_dir or default_record_dir()) / text
        if candidate.is_dir():
            return candidate
    raise RecordError(
        f"no record '{name}': give a record's folder, its {EVENTS_FILE}, or an id "
        f"that `companion records` lists"
    )
