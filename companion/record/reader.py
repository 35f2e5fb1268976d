"""Reading a record back: every complete event, and what was wrong with the rest.

A line cut short because the program died while writing it (the last line, or one that a
resume closed off) is reported and skipped, never fatal: everything before it is whole.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from companion.record.paths import EVENTS_FILE, HASH_FILE, RecordError, resolve_record


@dataclass(frozen=True)
class Problem:
    """Something wrong in a record that did not stop it being read."""

    line: int | None
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


@dataclass
class Record:
    folder: Path
    events: list[dict[str, Any]]
    problems: list[Problem] = field(default_factory=list)
    torn_last_line: bool = False

    @property
    def id(self) -> str:
        return self.folder.name

    @property
    def start(self) -> dict[str, Any]:
        """The run_start event: script, hash, patient code, versions (empty when missing)."""
        return next((e for e in self.events if e.get("event") == "run_start"), {})

    @property
    def ended(self) -> bool:
        """The session itself ended (not only the program): nothing is left to resume."""
        return any(e.get("event") == "end" for e in self.events)

    @property
    def started(self) -> bool:
        return any(e.get("event") == "session_start" for e in self.events)

    @property
    def length(self) -> float:
        """Session time of the last event: how long the session ran (or had run when it stopped)."""
        times = [e["session_time"] for e in self.events if _is_number(e.get("session_time"))]
        return max(times, default=0.0)

    @property
    def last_seq(self) -> int:
        return max((e["seq"] for e in self.events if isinstance(e.get("seq"), int)), default=-1)

    def of_kind(self, *kinds: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e.get("event") in kinds]

    def wall_at_session_zero(self) -> float | None:
        """The wall clock (epoch seconds) at session time zero, from the session_start event."""
        for event in self.events:
            if event.get("event") == "session_start" and _is_number(event.get("wall")):
                return float(event["wall"]) - float(event.get("session_time", 0.0))
        return None

    @property
    def script_copy(self) -> Path | None:
        name = self.start.get("script_copy")
        path = self.folder / name if isinstance(name, str) else None
        return path if path is not None and path.is_file() else None

    def script_text(self) -> str | None:
        path = self.script_copy
        return path.read_text(encoding="utf-8", errors="replace") if path else None


def load_record(name: str | os.PathLike[str], record_dir: Path | None = None) -> Record:
    """Read a record (its folder, its events.jsonl, or an id in `record_dir`).
    RecordError when there is nothing to read; damage inside it goes to `problems`."""
    folder = resolve_record(name, record_dir)
    path = folder / EVENTS_FILE
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise RecordError(f"{folder} is not a session record: it has no {EVENTS_FILE}") from None
    except OSError as exc:
        raise RecordError(f"cannot read {path}: {exc.strerror or exc}") from exc
    record = Record(folder, [])
    lines = data.split(b"\n")
    last_index = len(lines) - 1  # the piece after the last line end: empty unless torn
    for index, raw in enumerate(lines):
        number = index + 1
        if not raw.strip():
            continue
        event = _parse(raw)
        if index == last_index:
            record.torn_last_line = True
            record.problems.append(
                Problem(
                    number,
                    (
                        "the last line was cut short (the program stopped while writing it); "
                        "every event before it is complete"
                    )
                    if event is None
                    else "the last line has no line end (the program stopped while writing it); "
                    "its event is kept",
                )
            )
        elif event is None:
            record.problems.append(
                Problem(
                    number,
                    "not a complete event (cut short when the program "
                    "stopped, or damaged); skipped",
                )
            )
        if event is not None:
            record.events.append(event)
    _check(record)
    return record


def _parse(raw: bytes) -> dict[str, Any] | None:
    try:
        value = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    return value if isinstance(value, dict) and isinstance(value.get("event"), str) else None


def _check(record: Record) -> None:
    if not record.events:
        record.problems.append(Problem(None, "the record holds no complete event"))
        return
    if not record.start:
        record.problems.append(
            Problem(None, "the record has no run_start event (script and versions unknown)")
        )
    expected = None
    for event in record.events:
        seq = event.get("seq")
        if not isinstance(seq, int):
            continue
        if expected is not None and seq > expected:
            missing = f"{expected}" if seq == expected + 1 else f"{expected} to {seq - 1}"
            record.problems.append(Problem(None, f"events {missing} are missing from the record"))
        expected = seq + 1
    for lost in record.of_kind("record_lost"):
        record.problems.append(
            Problem(
                None,
                f"{lost.get('events')} events were lost while the disk "
                "refused to write and memory was full",
            )
        )
    recorded = record.start.get("script_sha256")
    copy = record.script_copy
    if recorded and copy is not None:
        if hashlib.sha256(copy.read_bytes()).hexdigest() != recorded:
            record.problems.append(
                Problem(
                    None,
                    f"the script copy {copy.name} does not match the "
                    "SHA-256 recorded when the run started",
                )
            )
    elif recorded and (record.folder / HASH_FILE).exists():
        record.problems.append(Problem(None, "the copy of the script is missing"))


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
