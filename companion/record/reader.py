"""Reading a record back: every complete, well-formed event, and what was wrong with the rest.

The file is streamed: `load_record` reads it once, line by line, checks every field
(record/validate.py), finds damage (lines cut short, repeated or backward sequence numbers,
missing events) and keeps only what the listing, the report's facts and resume need (the
run_start, the last times, counts). `Record.iter_events()` reads the events again, one at a
time, for the report and resume: a 250,000-event record never sits in memory whole.

A line cut short because the program died while writing it (the last line, or one that a
resume closed off) is reported and skipped, never fatal: everything before it is whole. A
record written by a later record format is refused, naming the version that wrote it.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from companion.record.paths import (
    EVENTS_FILE,
    HASH_FILE,
    RECORD_FORMAT,
    RecordError,
    resolve_record,
)
from companion.record.validate import clean

MAX_PROBLEMS = 100  # problems listed one by one; past this they are counted
MAX_LINE = 4 * 1024 * 1024  # a longer line is damage, not an event
BATCH = 500  # lines parsed at once


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
    problems: list[Problem] = field(default_factory=list)
    torn_last_line: bool = False
    start: dict[str, Any] = field(default_factory=dict)  # the run_start (empty when missing)
    ended: bool = False  # the session itself ended: nothing is left to resume
    started: bool = False
    length: float = 0.0  # the latest session time: how long it ran (or had run)
    play_time: float = 0.0  # the latest play time
    last_seq: int = -1
    count: int = 0  # complete events
    last_wall: float | None = None  # the wall clock of the latest event
    clock_anchor: dict[str, Any] | None = None  # the latest event with boot and uptime
    session_zero_wall: float | None = None
    end_time: float | None = None  # when the session ended (its closing fade comes after)

    @property
    def session_length(self) -> float:
        """How long the session ran: to its end (not the closing fade), or to where it stopped."""
        return self.end_time if self.end_time is not None else self.length

    @property
    def id(self) -> str:
        return self.folder.name

    @property
    def events_path(self) -> Path:
        return self.folder / EVENTS_FILE

    def iter_events(self) -> Iterator[dict[str, Any]]:
        """Every complete event, checked and mended as `load_record` found it, in order."""
        for _number, event, _torn, _seq in _read(self.events_path, None):
            if event is not None:
                yield event

    @property
    def events(self) -> list[dict[str, Any]]:
        """All events in a list: for small records and tests (the report streams)."""
        return list(self.iter_events())

    def of_kind(self, *kinds: str) -> list[dict[str, Any]]:
        return [e for e in self.iter_events() if e.get("event") in kinds]

    def wall_at_session_zero(self) -> float | None:
        """The wall clock (epoch seconds) at session time zero, from the session_start event."""
        return self.session_zero_wall

    @property
    def script_copy(self) -> Path | None:
        name = self.start.get("script_copy")
        path = self.folder / name if isinstance(name, str) and "/" not in name else None
        return path if path is not None and path.is_file() else None


def load_record(
    name: str | os.PathLike[str],
    record_dir: Path | None = None,
    observe: Callable[[dict[str, Any]], None] | None = None,
) -> Record:
    """Read a record (its folder, its events.jsonl, or an id in `record_dir`).
    RecordError when there is nothing to read, or when a later Companion wrote it; damage
    inside it goes to `problems`. `observe` sees each checked event of this one pass (the
    report's summary is built so, without reading the file twice)."""
    folder = resolve_record(name, record_dir)
    path = folder / EVENTS_FILE
    record = Record(folder)
    scan = _Scan(record)
    try:
        for number, event, torn, seq in _read(path, scan.messages):
            scan.take(number, event, torn, seq)
            if observe is not None and event is not None:
                observe(event)
    except FileNotFoundError:
        raise RecordError(f"{folder} is not a session record: it has no {EVENTS_FILE}") from None
    except IsADirectoryError:
        raise RecordError(f"{path} is a folder, not a session record's events") from None
    except OSError as exc:
        raise RecordError(f"cannot read {path}: {exc.strerror or exc}") from exc
    scan.finish()
    return record


def _read(path: Path, messages: list[tuple[int, str]] | None):
    """(line number, checked event or None, torn, its sequence number) for each non-empty
    line. Damage is described in `messages` when given."""
    last_time = 0.0
    for number, event, torn in _parsed(path, messages):
        notes: list[str] | None = [] if messages is not None else None
        seq = event.get("seq") if event is not None else None
        if event is not None:
            event = clean(event, last_time, notes)
            if event is not None:
                last_time = event["session_time"]
        if messages is not None and notes:
            messages.extend((number, note) for note in notes)
        yield number, event, torn, seq if type(seq) is int and seq >= 0 else None


def _parsed(path: Path, messages: list[tuple[int, str]] | None):
    """(line number, parsed event or None, torn). Lines are parsed BATCH at a time as one
    JSON array (three times faster than line by line); a batch with a damaged line in it is
    parsed again line by line."""
    batch: list[tuple[int, bytes]] = []
    with open(path, "rb") as file:
        number = 0
        while True:
            raw = file.readline(MAX_LINE + 1)
            if not raw:
                break
            number += 1
            if len(raw) > MAX_LINE and not raw.endswith(b"\n"):
                while raw and not raw.endswith(b"\n"):  # skip the rest of an endless line
                    raw = file.readline(MAX_LINE + 1)
                yield from _parse_batch(batch)
                batch = []
                if messages is not None:
                    messages.append((number, "a line of more than 4 MiB; skipped"))
                yield number, None, False
                continue
            if not raw.strip():
                continue
            if not raw.endswith(b"\n"):  # the last line, cut short
                yield from _parse_batch(batch)
                batch = []
                yield number, _parse(raw), True
                continue
            batch.append((number, raw))
            if len(batch) >= BATCH:
                yield from _parse_batch(batch)
                batch = []
    yield from _parse_batch(batch)


def _parse_batch(batch: list[tuple[int, bytes]]):
    if not batch:
        return
    try:
        values = json.loads(b"[" + b",".join(raw for _n, raw in batch) + b"]")
    except (UnicodeDecodeError, ValueError, RecursionError):
        values = None
    if values is None or len(values) != len(batch):  # a damaged line (or one that held two)
        for number, raw in batch:
            yield number, _parse(raw), False
        return
    for (number, _raw), value in zip(batch, values, strict=True):
        yield (
            number,
            (value if type(value) is dict and type(value.get("event")) is str else None),
            False,
        )


def _parse(raw: bytes) -> dict[str, Any] | None:
    try:
        value = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) and isinstance(value.get("event"), str) else None


class _Scan:
    """What one pass over the events learns: the facts the listing and resume need, and the
    damage (sequence numbers repeated, going back, or missing)."""

    def __init__(self, record: Record) -> None:
        self.record = record
        self.messages: list[tuple[int, str]] = []
        self.seen: set[int] = set()
        self.previous_seq: int | None = None
        self.backwards: list[tuple[int, int, int]] = []  # (line, seq, the one before)
        self.repeated = 0
        self.first_repeat: tuple[int, int] | None = None
        self.backward_count = 0
        self.hidden = 0
        self.lost = 0

    def take(self, number: int, event: dict[str, Any] | None, torn: bool, seq: int | None) -> None:
        self._damage(number, event, torn)
        if seq is not None and not isinstance(seq, bool) and seq < 10**15:
            self._sequence(number, seq)  # a skipped event was written: it is not missing
        if event is not None:
            self._facts(event)

    def _damage(self, number: int, event: dict[str, Any] | None, torn: bool) -> None:
        if torn:
            self.record.torn_last_line = True
            self.messages.append(
                (
                    number,
                    (
                        "the last line was cut short (the program stopped while writing it); "
                        "every event before it is complete"
                    )
                    if event is None
                    else (
                        "the last line has no line end (the program stopped while writing it); "
                        "its event is kept"
                    ),
                )
            )
        elif event is None:
            self.messages.append(
                (
                    number,
                    "not a complete event (cut short when the program "
                    "stopped, or damaged); skipped",
                )
            )

    def _facts(self, event: dict[str, Any]) -> None:
        record = self.record
        record.count += 1
        kind = event["event"]
        if kind == "run_start" and not record.start:
            _check_format(record.folder, event)
            record.start = event
        elif kind == "session_start":
            record.started = True
            if record.session_zero_wall is None and "wall" in event:
                record.session_zero_wall = event["wall"] - event["session_time"]
        elif kind == "end":
            record.ended = True
            if record.end_time is None:
                record.end_time = event["session_time"]
        elif kind == "record_lost":
            self.lost += event.get("events", 0)
        at = event["session_time"]
        if at >= record.length:
            record.length = at
            if "wall" in event:
                record.last_wall = event["wall"] + 0.0
        play = event.get("play_time")
        if play is not None and play > record.play_time:
            record.play_time = play
        if isinstance(event.get("boot"), str) and "uptime" in event and event["uptime"] is not None:
            record.clock_anchor = {
                "boot": event["boot"],
                "uptime": event["uptime"],
                "session_time": at,
            }

    def _sequence(self, number: int, seq: int) -> None:
        if seq in self.seen:
            self.repeated += 1
            if self.first_repeat is None:
                self.first_repeat = (number, seq)
        self.seen.add(seq)
        if self.previous_seq is not None and seq <= self.previous_seq:
            self.backward_count += 1
            if len(self.backwards) < 3:
                self.backwards.append((number, seq, self.previous_seq))
        self.previous_seq = seq
        self.record.last_seq = max(self.record.last_seq, seq)

    def finish(self) -> None:
        record = self.record
        problems = record.problems
        for number, message in self.messages:
            if len(problems) < MAX_PROBLEMS:
                problems.append(Problem(number, message))
            else:
                self.hidden += 1
        if record.count == 0:
            problems.append(Problem(None, "the record holds no complete event"))
            return
        if not record.start:
            problems.append(
                Problem(None, "the record has no run_start event (script and versions unknown)")
            )
        if self.repeated:
            line, seq = self.first_repeat or (None, 0)
            problems.append(
                Problem(
                    None,
                    (
                        f"{self.repeated} sequence number{'s' * (self.repeated != 1)} "
                        f"appear more than once (first {seq}, at line {line}): "
                        "two programs wrote this record at once, or lines were copied"
                    ),
                )
            )
        if self.backward_count:
            first = "; ".join(f"line {n}: {s} after {p}" for n, s, p in self.backwards)
            problems.append(
                Problem(
                    None,
                    (
                        f"the sequence numbers go back {self.backward_count} time"
                        f"{'s' * (self.backward_count != 1)} ({first}): events may be out of order"
                    ),
                )
            )
        problems.extend(self._missing())
        if self.lost:
            problems.append(
                Problem(
                    None,
                    f"{self.lost} events were lost while the disk "
                    "refused to write and memory was full",
                )
            )
        problems.extend(_script_problems(record))
        if self.hidden:
            problems.append(Problem(None, f"and {self.hidden} more problems like these"))

    def _missing(self) -> list[Problem]:
        top = self.record.last_seq
        if top < 0:
            return []
        absent = top + 1 - len(self.seen)
        if absent <= 0:
            return []
        if absent > 1_000_000:
            return [
                Problem(
                    None,
                    f"the sequence numbers jump to {top}: {absent} events before "
                    "it are missing or the numbers are damaged",
                )
            ]
        ranges: list[str] = []
        expected = 0
        for seq in sorted(self.seen):
            if seq > expected:
                if len(ranges) < 5:
                    last = seq - 1
                    ranges.append(f"{expected}" if last == expected else f"{expected} to {last}")
            expected = seq + 1
        more = "" if len(ranges) < 5 else " (and more)"
        if absent == 1:
            return [Problem(None, f"event {ranges[0]} is missing from the record")]
        return [
            Problem(
                None,
                f"events {', '.join(ranges)}{more} are missing from the record ({absent} in all)",
            )
        ]


def _check_format(folder: Path, start: dict[str, Any]) -> None:
    found = start.get("record_format")
    if isinstance(found, int) and not isinstance(found, bool) and found > RECORD_FORMAT:
        versions = start.get("versions")
        wrote = versions.get("companion") if isinstance(versions, dict) else None
        by = f"Companion {wrote}" if isinstance(wrote, str) else "a later Companion"
        from companion import __version__

        raise RecordError(
            f"{folder.name} was written by {by} in record format {found}; this Companion "
            f"({__version__}) reads record format {RECORD_FORMAT}: read it with {by} or later"
        )


def _script_problems(record: Record) -> list[Problem]:
    recorded = record.start.get("script_sha256")
    copy = record.script_copy
    if recorded and copy is not None:
        digest = hashlib.sha256()
        with open(copy, "rb") as file:
            for chunk in iter(lambda: file.read(1 << 20), b""):
                digest.update(chunk)
        if digest.hexdigest() != recorded:
            return [
                Problem(
                    None,
                    f"the script copy {copy.name} does not match the "
                    "SHA-256 recorded when the run started",
                )
            ]
    elif recorded and (record.folder / HASH_FILE).exists():
        return [Problem(None, "the copy of the script is missing")]
    return []
