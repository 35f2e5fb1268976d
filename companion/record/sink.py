"""Where the record's bytes go: an append-only file, written with one write() per event.

One `os.write` on an O_APPEND descriptor hands the line to the kernel, so it survives the
process being killed (SIGKILL included) the moment the call returns; only a power cut can
still take it, which the writer's periodic fsync covers.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol

FILE_MODE = 0o600  # a clinical record: readable by the therapist's account only


class Sink(Protocol):
    def write(self, data: bytes | memoryview) -> int:
        """Write some of `data`; return how many bytes went (OSError when none can)."""
        ...

    def sync(self) -> None:
        """Make what was written survive a power cut (fsync)."""
        ...

    def close(self) -> None: ...


class FileSink:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, FILE_MODE)

    def write(self, data: bytes | memoryview) -> int:
        return os.write(self._fd, data)

    def sync(self) -> None:
        os.fsync(self._fd)

    def close(self) -> None:
        os.close(self._fd)


def ends_torn(path: Path) -> bool:
    """True when a non-empty file does not end with a line end (its writer died mid-line)."""
    try:
        with open(path, "rb") as file:
            file.seek(0, os.SEEK_END)
            if file.tell() == 0:
                return False
            file.seek(-1, os.SEEK_END)
            return file.read(1) != b"\n"
    except FileNotFoundError:
        return False


def sync_folder(folder: Path) -> None:
    """fsync a folder so the files just made in it survive a power cut (POSIX only)."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
