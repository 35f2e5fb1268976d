"""One writer per record: a `lock` file in the record's folder, held with an OS lock for as
long as a `companion run` or `companion resume` writes the record.

The OS lock (flock on POSIX, msvcrt's byte lock on Windows) goes away with the process that
holds it, however it ends (SIGKILL and power loss included), so a lock left by a killed
program is recognised as stale at once and taken over: there is no pid guessing and no race
between two programs that start together. The file also says who holds it (process id,
host, command, since when), for the message that refuses a second writer.
"""

from __future__ import annotations

import json
import os
import socket
import time
from pathlib import Path
from typing import Any

from companion.record.paths import LOCK_FILE, RecordError

try:  # POSIX
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]
    import msvcrt


class RecordBusy(RecordError):
    """Another live program writes this record."""

    def __init__(self, message: str, holder: dict[str, Any]) -> None:
        super().__init__(message)
        self.holder = holder


def _try_lock(fd: int) -> bool:
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        else:  # pragma: no cover - Windows
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
    except OSError:
        return False
    return True


def _read_holder(path: Path) -> dict[str, Any]:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def describe(holder: dict[str, Any]) -> str:
    """'process 1234 (companion resume) on host, since 14:03:22'."""
    pid = holder.get("pid")
    text = f"process {pid}" if isinstance(pid, int) else "another program"
    if isinstance(holder.get("command"), str):
        text += f" (companion {holder['command']})"
    if isinstance(holder.get("host"), str):
        text += f" on {holder['host']}"
    since = holder.get("since")
    if isinstance(since, (int, float)) and 0 < since < 1e11:
        text += time.strftime(", since %H:%M:%S", time.localtime(since))
    return text


LOOK_TRIES, LOOK_WAIT = 5, 0.025  # s


class RecordLock:
    """Held while a program writes one record. `RecordLock.acquire(folder, "run")`."""

    def __init__(self, path: Path, fd: int, took_over: dict[str, Any] | None) -> None:
        self.path = path
        self._fd: int | None = fd
        self.took_over = took_over  # the holder of a stale lock this one replaced, if any

    @classmethod
    def acquire(cls, folder: Path, command: str) -> RecordLock:
        """Lock `folder`'s record for this process. RecordBusy names the live holder."""
        path = folder / LOCK_FILE
        fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o600)
        # `live_holder` (records, delete) looks with a shared lock held for a moment: a few
        # tries over a tenth of a second tell that look from a program that writes the record.
        for _ in range(LOOK_TRIES):
            if _try_lock(fd):
                break
            time.sleep(LOOK_WAIT)
        else:
            os.close(fd)
            holder = _read_holder(path)
            raise RecordBusy(
                f"the record {folder.name} is being written by {describe(holder)}: "
                "one program at a time plays a session; stop that one first "
                "(its panel's End, or Ctrl+C in its terminal)",
                holder,
            )
        previous = _read_holder(path)
        info = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "command": command,
            "since": round(time.time(), 3),
        }
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, json.dumps(info).encode("utf-8"))
        return cls(path, fd, previous or None)

    @property
    def held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        """Let another program write the record (safe to call twice). The file stays, empty:
        removing it would let a program that opened it a moment ago lock a deleted file."""
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            os.ftruncate(fd, 0)
        finally:
            os.close(fd)  # closing the descriptor drops the OS lock


def live_holder(folder: Path) -> dict[str, Any] | None:
    """Who writes `folder`'s record now (what its lock file says), or None when no live
    program holds the lock (none ever did, or the one that did has stopped)."""
    path = folder / LOCK_FILE
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return None
    try:
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except OSError:
                return _read_holder(path) or {}
            fcntl.flock(fd, fcntl.LOCK_UN)
            return None
        return None if _try_lock(fd) else (_read_holder(path) or {})  # pragma: no cover
    finally:
        os.close(fd)


__all__ = ["RecordBusy", "RecordLock", "describe", "live_holder"]
