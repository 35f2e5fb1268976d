"""The record writer: one folder per run, with a copy of the script, its SHA-256 and
events.jsonl, one JSON object per line, handed to the OS as each event happens.

The app calls `write_events(engine.take_events())` every frame. Each event costs one
json.dumps and one write(); an fsync runs in a background thread every `sync_interval`
seconds (it releases the GIL, so frames never wait for the disk to settle).

A disk that is full, read-only or gone never stops the session: the writer says so through
`report("record", False, message)`, keeps what is already written untouched, holds new
events in memory (up to `max_pending_bytes`) and tries again every `retry_interval`
seconds; when writing works again it says so and writes what it held, in order. If it still
cannot write when the run closes, it saves the whole record to a fallback folder.

One writer per record: the writer holds the record's lock (record/lock.py) from the moment
it opens the folder until `close()`. When nothing else was written for `heartbeat_interval`
seconds, `write_events` writes a heartbeat with the engine's times (`writer.times`), so a
crash's stop time is known to within that; its own clock is monotonic (record/clocks.py).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from companion.record import clocks, environment
from companion.record import events as ev
from companion.record.clinic import zone_named
from companion.record.lock import RecordBusy, RecordLock
from companion.record.paths import (
    EVENTS_FILE,
    HASH_FILE,
    HEARTBEAT_SECONDS,
    LOCK_FILE,
    MARKER_FILE,
    RECORD_FORMAT,
    SCRIPT_COPY_STEM,
    RecordError,
    check_patient_code,
    default_record_dir,
    new_record_name,
)
from companion.record.sink import FILE_MODE, FileSink, Sink, ends_torn, sync_folder

MARKER_TEXT = b"This folder is a Companion session record (see Companion's docs/record.md).\n"
PART = "record"
FOLDER_MODE = 0o700
# Fields of engine events that hold session times (shifted on resume, like session_time).
SESSION_TIME_FIELDS = ("session_time", "due", "raised_at", "given_at")
PLAY_TIME_FIELDS = ("play_time",)

Report = Callable[[str, bool, str], None]
OpenSink = Callable[[Path], Sink]


def _ignore_report(part: str, ok: bool, message: str) -> None:
    """No health callback connected: the writer's state is still on `writer.ok`."""


def _json_fallback(value: Any) -> Any:
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    return str(value)


class RecordWriter:
    """Use `RecordWriter.create(...)` for a new run, `RecordWriter.resume(...)` to append."""

    def __init__(
        self,
        folder: Path,
        *,
        report: Report | None = None,
        sync_interval: float | None = 1.0,
        retry_interval: float = 1.0,
        max_pending_bytes: int = 32 * 1024 * 1024,
        open_sink: OpenSink = FileSink,
        script_bytes: bytes | None = None,
        script_name: str | None = None,
        next_seq: int = 0,
        session_offset: float = 0.0,
        play_offset: float = 0.0,
        repair_torn_line: bool = False,
        lock: RecordLock | None = None,
        command: str = "run",
        heartbeat_interval: float | None = HEARTBEAT_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.folder = folder
        self._monotonic = monotonic
        self._heartbeat_interval = heartbeat_interval
        # The engine's (session time, play time) now, for heartbeats; the app sets it.
        self.times: Callable[[], tuple[float, float]] | None = None
        self._wall_clock = wall_clock
        self._mono0, self._wall0 = monotonic(), wall_clock()
        self._known_jump = 0.0  # how far the system clock has moved from the record's so far
        self._next_clock_check = self._mono0 + 1.0
        self._last_line = self._mono0
        self.lock = lock
        self._command = command
        self._report = report or _ignore_report
        self._sync_interval = sync_interval
        self._retry_interval = retry_interval
        self._max_pending = max_pending_bytes
        self._open_sink = open_sink
        self._script_bytes = script_bytes
        self._script_name = script_name
        self._repair = repair_torn_line
        self._seq = next_seq
        self.session_offset = session_offset
        self.play_offset = play_offset
        self.resumed_from: Any = None  # on resume: the record as read (record.reader.Record)
        self.offline_seconds: float | None = None  # on resume: the gap's time away, if known
        self._sink: Sink | None = None
        self._pending = bytearray()
        self._pending_events = 0
        self._dropped = 0
        self._failure: str | None = None  # why writing fails now; None while it works
        self._next_retry = 0.0
        self._last_engine_time = 0.0  # engine-frame session time of the last event, and when
        self._last_seen = monotonic()
        self._dirty = False
        self._sync_error: OSError | None = None
        self._stop = threading.Event()
        self._syncer: threading.Thread | None = None
        self._closed = False
        self.saved_to: Path | None = None
        self._try_open()

    # --- making and reopening records ------------------------------------------------------

    @classmethod
    def create(
        cls,
        script_path: str | os.PathLike[str],
        *,
        record_dir: str | os.PathLike[str] | None = None,
        patient: str | None = None,
        script: Any = None,
        display: Mapping[str, Any] | None = None,
        sound: Mapping[str, Any] | None = None,
        report: Report | None = None,
        facts: Mapping[str, Any] | None = None,
        **options: Any,
    ) -> RecordWriter:
        """Start the record of a new run and write its `run_start` event. `script` (the loaded
        models.Script) adds its title and scenes; `display` and `sound` describe the outputs;
        `facts` adds the clinic's: clinic (its name), clinician, timezone (an IANA name, also
        the zone of the run's `date`).
        RecordError for a bad patient code or an unreadable script; a disk fault is reported
        through `report` instead, and the session goes on."""
        problem = check_patient_code(patient)
        if problem:
            raise RecordError(problem)
        source = Path(script_path)
        try:
            script_bytes = source.read_bytes()
        except OSError as exc:
            raise RecordError(f"cannot read the script {source}: {exc.strerror or exc}") from exc
        root = Path(record_dir) if record_dir is not None else default_record_dir()
        facts = dict(facts or {})
        zone = zone_named(facts.get("timezone"))
        started = datetime.now(zone) if zone is not None else datetime.now().astimezone()
        folder = _unique_folder(root, new_record_name(source, started))
        copy_name = SCRIPT_COPY_STEM + (source.suffix or ".yaml")
        writer = cls(
            folder, report=report, script_bytes=script_bytes, script_name=copy_name, **options
        )
        data: dict[str, Any] = {
            "record_format": RECORD_FORMAT,
            "record": folder.name,
            "date": started.isoformat(timespec="seconds"),
            "script": source.name,
            "script_path": str(source.resolve()),
            "script_copy": copy_name,
            "script_sha256": hashlib.sha256(script_bytes).hexdigest(),
            "patient": patient,
        }
        if script is not None:
            data.update(_script_facts(script))
        data.update(_run_facts(display, sound))
        data.update(clocks.boot_facts())
        data.update(facts)
        writer.add(ev.RunStart.kind, session_time=0.0, play_time=0.0, **data)
        return writer

    @classmethod
    def resume(
        cls,
        record: str | os.PathLike[str],
        *,
        resume_at: Mapping[str, Any] | None = None,
        display: Mapping[str, Any] | None = None,
        sound: Mapping[str, Any] | None = None,
        report: Report | None = None,
        facts: Mapping[str, Any] | None = None,
        lock: RecordLock | None = None,
        loaded: Any = None,
        **options: Any,
    ) -> RecordWriter:
        """Append to the record of a run that did not end. Writes a `gap` marker; the events
        written after it are shifted so the record's times go on from where it stopped
        (the app's new engine starts again at zero). `lock`: the record's lock when the
        caller took it already (before it read the record); else it is taken here. `loaded`:
        the record as that caller read it under the lock (not read again). The writer keeps
        it as `resumed_from`, and the time away it measured as `offline_seconds`."""
        from companion.record.paths import resolve_record
        from companion.record.reader import load_record

        folder = resolve_record(record)
        if lock is None or not lock.held:
            lock, loaded = _lock_for_resume(folder), None  # before reading: no other writer
        try:
            loaded = loaded if loaded is not None else load_record(folder)
            if loaded.ended:
                raise RecordError(
                    f"the session in {loaded.folder} ended; there is nothing to resume"
                )
        except BaseException:
            if lock is not None:
                lock.release()
            raise
        stopped_at, last_play = loaded.length, loaded.play_time
        # Session time goes on through the outage (the dose clock is the patient's real time
        # since the medicine), measured so that a wall-clock jump cannot move it (clocks.py).
        offline, clock_note = _outage(loaded, options.get("wall_clock", time.time))
        resumed_at = stopped_at + (offline or 0.0)
        torn = ends_torn(loaded.folder / EVENTS_FILE)
        writer = cls(
            loaded.folder,
            report=report,
            next_seq=loaded.last_seq + 1,
            repair_torn_line=torn,
            lock=lock,
            command="resume",
            **options,
        )
        writer.add(
            ev.Gap.kind,
            session_time=resumed_at,
            play_time=last_play,
            shifted=False,
            stopped_at=stopped_at,
            resumed_at=round(resumed_at, 3),
            offline_seconds=None if offline is None else round(offline, 3),
            clock_note=clock_note,
            repaired_torn_line=torn,
            resume=dict(resume_at) if resume_at else None,
            took_over_lock=lock.took_over if lock is not None else None,
            **clocks.boot_facts(),
            **_run_facts(display, sound),
            **dict(facts or {}),
        )
        writer.session_offset, writer.play_offset = resumed_at, last_play
        writer.resumed_from = loaded
        writer.offline_seconds = None if offline is None else round(offline, 3)  # as the gap says
        # The new engine's zero:
        writer._last_engine_time, writer._last_seen = 0.0, writer._monotonic()
        return writer

    # --- writing ---------------------------------------------------------------------------

    def write_events(self, events: Iterable[Any]) -> None:
        """Write each event (engine Events or mappings). Call it every frame, even with none:
        it is also when a failed disk is tried again."""
        lines = [
            self._line(e.to_json() if hasattr(e, "to_json") else dict(e), True) for e in events
        ]
        if lines:  # one write a frame: each write lets other threads in mid-frame
            self._deliver(b"".join(lines), len(lines))
        now = self._monotonic()
        if now >= self._next_clock_check:
            self._check_wall_clock(now)
        if self._heartbeat_interval and now - self._last_line >= self._heartbeat_interval:
            self.heartbeat()
        if self._failure is not None and now >= self._next_retry:
            self._retry()
        if self._sync_error is not None:
            error, self._sync_error = self._sync_error, None
            self._fail(error)

    def write(self, event: Any) -> None:
        data = event.to_json() if hasattr(event, "to_json") else dict(event)
        self._put(data, shift=True)

    def add(
        self,
        kind: str,
        *,
        session_time: float | None = None,
        play_time: float | None = None,
        shifted: bool = True,
        **data: Any,
    ) -> None:
        """An event of the app's own (warning, fault, ...). Without `session_time` it is
        stamped from the last engine event plus the time since."""
        if session_time is None:
            session_time = self._last_engine_time + (self._monotonic() - self._last_seen)
        event = {"event": kind, "session_time": round(session_time, 3)}
        if play_time is not None:
            event["play_time"] = round(play_time, 3)
        event.update(data)
        self._put(event, shift=shifted)

    def heartbeat(self) -> None:
        """A line that says the program was still running now (written by `write_events`
        when nothing else was written for `heartbeat_interval`), with the engine's times, so
        a crash's stop time and the time played are known to within that interval."""
        boot: dict[str, Any] = clocks.boot_facts()
        if self.times is not None:
            session_time, play_time = self.times()
            self.add(ev.Heartbeat.kind, session_time=session_time, play_time=play_time, **boot)
        else:
            self.add(ev.Heartbeat.kind, **boot)

    def _check_wall_clock(self, now: float) -> None:
        """Record a jump of the system clock (never applied: `wall` stays on the record's
        own clock, which the monotonic clock carries forward)."""
        self._next_clock_check = now + 1.0
        system = self._wall_clock()
        jump = system - (self._wall0 + (now - self._mono0))
        if abs(jump - self._known_jump) > clocks.JUMP_SECONDS:
            by = round(jump - self._known_jump, 3)
            self.add(ev.ClockJump.kind, by=by, system_wall=round(system, 3))
            self._known_jump = jump

    def warning(self, message: str, **data: Any) -> None:
        self.add(ev.AppWarning.kind, message=message, **data)

    def _put(self, data: dict[str, Any], shift: bool) -> None:
        self._deliver(self._line(data, shift), 1)

    def _line(self, data: dict[str, Any], shift: bool) -> bytes:
        if self._closed:
            raise RecordError("the record is closed")
        engine_time = data.get("session_time")
        if isinstance(engine_time, (int, float)):
            self._last_engine_time, self._last_seen = float(engine_time), self._monotonic()
        if shift and (self.session_offset or self.play_offset):
            _shift(data, self.session_offset, self.play_offset)
        return self._encode(data)

    def _deliver(self, lines: bytes, count: int) -> None:
        """Write `count` whole lines now, or hold them (in order) while the disk refuses."""
        if self._failure is None and not self._pending:
            self._send(lines, count)
        elif len(self._pending) + len(lines) > self._max_pending:
            self._dropped += count
        else:
            self._pending += lines
            self._pending_events += count

    def _encode(self, data: dict[str, Any]) -> bytes:
        now = self._monotonic()
        self._last_line = now
        record = {"seq": self._seq, **data, "wall": round(self._wall0 + (now - self._mono0), 3)}
        self._seq += 1
        try:
            text = json.dumps(
                record, ensure_ascii=False, separators=(",", ":"), default=_json_fallback
            )
        except (TypeError, ValueError) as exc:  # e.g. a circular structure: keep its trace
            text = json.dumps(
                {
                    "seq": record["seq"],
                    "event": ev.Unrecordable.kind,
                    "session_time": record.get("session_time"),
                    "wall": record["wall"],
                    "kind": str(data.get("event")),
                    "error": str(exc),
                }
            )
        try:
            return (text + "\n").encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate in some text: JSON escapes it, UTF-8 cannot
            return (
                json.dumps(record, ensure_ascii=True, separators=(",", ":"), default=_json_fallback)
                + "\n"
            ).encode("ascii")

    def _send(self, line: bytes, count: int) -> None:
        """Write lines now; what the disk refuses waits in memory, in order."""
        sink = self._sink
        if sink is None:
            self._pending += line
            self._pending_events += count
            return
        view = memoryview(line)
        while view:
            try:
                written = sink.write(view)
            except OSError as exc:
                self._pending += view
                self._pending_events += count  # a batch cut part-way counts as held whole
                self._fail(exc)
                return
            view = view[written:]
        self._dirty = True

    # --- faults and recovery -----------------------------------------------------------------

    def _fail(self, exc: OSError) -> None:
        reason = exc.strerror or str(exc)
        self._next_retry = self._monotonic() + self._retry_interval
        if self._failure != reason:
            self._failure = reason
            self._report(
                PART,
                False,
                f"the session record cannot be written ({reason}) at {self.folder}: "
                "keeping new events in memory and trying again",
            )

    def _retry(self) -> None:
        if self._sink is None and not self._try_open():
            return
        sink = self._sink
        assert sink is not None
        held = self._pending_events
        while self._pending:
            try:
                with memoryview(self._pending) as view:  # released before the buffer shrinks
                    written = sink.write(view)
            except OSError as exc:
                self._fail(exc)
                return
            self._pending_events -= self._pending[:written].count(b"\n")
            del self._pending[:written]
            self._dirty = True
        self._pending_events = 0
        self._failure = None
        lost, self._dropped = self._dropped, 0
        message = f"the session record is being written again at {self.folder}"
        if held:
            message += f"; the {held} events held in memory meanwhile are in it"
        if lost:
            self.add(ev.RecordLost.kind, events=lost)
            message += f"; {lost} events did not fit in memory and are lost"
        self._report(PART, True, message)

    def _try_open(self) -> bool:
        """Make the folder and files (again: each step can be repeated), take the record's
        lock and open events.jsonl."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True, mode=FOLDER_MODE)
            if self.lock is None:
                self.lock = RecordLock.acquire(self.folder, self._command)
            if not (self.folder / MARKER_FILE).exists():
                _write_private(self.folder / MARKER_FILE, MARKER_TEXT)
            if self._script_bytes is not None and self._script_name is not None:
                digest = hashlib.sha256(self._script_bytes).hexdigest()
                _write_private(self.folder / self._script_name, self._script_bytes)
                _write_private(
                    self.folder / HASH_FILE, f"{digest}  {self._script_name}\n".encode("ascii")
                )
            sink = self._open_sink(self.folder / EVENTS_FILE)
            if self._repair:  # a line torn by a crash: end it, so the next event starts clean
                self._repair = sink.write(b"\n") != 1
            sync_folder(self.folder)
        except OSError as exc:
            self._fail(exc)
            return False
        self._sink = sink
        if self._sync_interval:
            self._syncer = threading.Thread(
                target=self._sync_loop, name="record-fsync", daemon=True
            )
            self._syncer.start()
        return True

    def _sync_loop(self) -> None:
        assert self._sync_interval
        while not self._stop.wait(self._sync_interval):
            if self._dirty and self._sink is not None:
                self._dirty = False
                try:
                    self._sink.sync()
                except OSError as exc:  # reported on the frame thread, at the next write
                    self._sync_error = exc

    # --- state and closing ---------------------------------------------------------------------

    @property
    def id(self) -> str:
        return self.folder.name

    @property
    def events_path(self) -> Path:
        return self.folder / EVENTS_FILE

    @property
    def ok(self) -> bool:
        return self._failure is None

    @property
    def pending_events(self) -> int:
        return self._pending_events

    @property
    def dropped_events(self) -> int:
        return self._dropped

    def close(self, reason: str = "closed") -> Path | None:
        """Write `run_end`, flush and fsync. Returns the folder that holds the whole record:
        this one, or a fallback folder when this disk still refuses (see `saved_to`), or
        None when nothing could hold it."""
        if self._closed:
            return self.saved_to or self.folder
        self.add(ev.RunEnd.kind, reason=reason)
        if self._failure is not None:
            self._retry()
        self._closed = True
        self._stop.set()
        if self._syncer is not None:
            self._syncer.join()
        if self._sink is not None:
            try:
                if self._failure is None:
                    self._sink.sync()
            except OSError as exc:
                self._fail(exc)
            finally:
                self._sink.close()
        if self.lock is not None:
            self.lock.release()
        if self._failure is None:
            return self.folder
        self.saved_to = self._save_elsewhere()
        where = (
            f"saved to {self.saved_to}" if self.saved_to else "and no fallback folder could hold it"
        )
        self._report(
            PART, False, f"the session record could not be finished at {self.folder}; {where}"
        )
        return self.saved_to

    def _save_elsewhere(self) -> Path | None:
        """Everything already on the failing disk (if it can still be read) plus what is held
        in memory, written whole to the user's record folder or the temporary folder."""
        files = (
            {
                name: _read_or_none(self.folder / name)
                for name in os.listdir(self.folder)
                if name not in (EVENTS_FILE, LOCK_FILE)
            }
            if self.folder.is_dir()
            else {}
        )
        if self._script_bytes is not None and self._script_name:
            files[self._script_name] = self._script_bytes
        written = _read_or_none(self.folder / EVENTS_FILE) or b""
        joiner = b"\n" if written and not written.endswith(b"\n") else b""
        files[EVENTS_FILE] = written + joiner + bytes(self._pending)
        for root in (default_record_dir(), Path(tempfile.gettempdir()) / "companion-records"):
            if root.resolve() == self.folder.parent.resolve():
                continue
            try:
                folder = _unique_folder(root, self.folder.name)
                folder.mkdir(parents=True, mode=FOLDER_MODE)
                for name, data in files.items():
                    if data is not None:
                        _write_private(folder / name, data)
                sync_folder(folder)
                return folder
            except OSError:  # this one refuses too: try the next
                continue
        return None

    def __enter__(self) -> RecordWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close("closed" if exc[0] is None else "stopped by an error")


def _outage(record: Any, wall_clock: Callable[[], float]) -> tuple[float | None, str | None]:
    """How long the program was away, and a note when that cannot be trusted. On the same
    boot, from the uptime clock (immune to wall-clock changes); after a reboot, from the wall
    clock, trusted from 0 to clocks.MAX_OUTAGE."""
    anchor = record.clock_anchor
    if anchor is not None and anchor["boot"] == clocks.boot_id():
        stopped = anchor["uptime"] + (record.length - anchor["session_time"])
        return max(0.0, clocks.uptime() - stopped), None
    if record.last_wall is None:
        return None, "the record has no clock time to measure the time away from; not counted"
    away = wall_clock() - record.last_wall
    if 0.0 <= away <= clocks.MAX_OUTAGE:
        return away, None
    return None, (
        f"the computer's clock says {away:.0f} s passed since the record stopped, which "
        "cannot be true of a resumed session (its clock was changed); the time away is "
        "unknown and not counted"
    )


def _lock_for_resume(folder: Path) -> RecordLock | None:
    """The record's lock; RecordBusy when a live program holds it. A disk that refuses even
    the lock file is left to the writer's own fault handling (it reports and retries)."""
    try:
        return RecordLock.acquire(folder, "resume")
    except RecordBusy:
        raise
    except OSError:
        return None


def _write_private(path: Path, data: bytes) -> None:
    """Write a whole file readable by this account only (the record is clinical), synced."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, FILE_MODE)
    with os.fdopen(fd, "wb") as file:
        file.write(data)
        file.flush()
        os.fsync(file.fileno())


def _read_or_none(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:  # missing or unreadable on the failing disk
        return None


def _unique_folder(root: Path, name: str) -> Path:
    folder = root / name
    number = 2
    while folder.exists():
        folder = root / f"{name}-{number}"
        number += 1
    return folder


def _shift(data: dict[str, Any], session: float, play: float) -> None:
    for key in SESSION_TIME_FIELDS:
        value = data.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            data[key] = round(value + session, 3)
    for key in PLAY_TIME_FIELDS:
        value = data.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            data[key] = round(value + play, 3)


def _script_facts(script: Any) -> dict[str, Any]:
    """Title and scenes of a loaded script, so a report needs no script loader."""
    return {
        "title": script.title,
        "default_phase": script.phase,
        "safe_scene": script.safe_scene,
        "scenes": [
            {
                "id": scene.id,
                "title": scene.title or scene.id,
                "phase": script.scene_phase(scene),
                "environment": scene.environment,
                "steps": len(scene.steps),
                "then": scene.then,
            }
            for scene in script.scenes
        ],
    }


def _run_facts(
    display: Mapping[str, Any] | None, sound: Mapping[str, Any] | None
) -> dict[str, Any]:
    return {
        "versions": environment.versions(),
        "platform": environment.platform_facts(),
        "display": dict(display) if display else None,
        "sound": dict(sound) if sound else None,
    }


__all__ = ["RecordWriter", "RECORD_FORMAT", "PART"]
