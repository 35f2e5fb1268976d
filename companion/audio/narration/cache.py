"""The narration cache: one normalised WAV per (text, language, voice, rate, engine).

An entry counts as cached only if it is whole: a file deleted, cut short or overwritten since
it was rendered is rendered again before the session (`has` checks the header, the length and
the level every line was made to)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
import wave
from pathlib import Path


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "companion" / "narration"


class NarrationCache:
    def __init__(self, root: Path | str | None = None) -> None:
        self.root = Path(root) if root is not None else default_cache_dir()

    @staticmethod
    def key(text: str, language: str, voice: str, rate: int, engine: str) -> str:
        blob = json.dumps([text, language, voice, rate, engine], ensure_ascii=False)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:32]

    def path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.wav"

    def has(self, key: str) -> bool:
        return self.problem(self.path(key)) is None

    @staticmethod
    def problem(path: Path) -> str | None:
        """Why a cached line cannot be used (missing, damaged), or None. Reads the file: a
        line is a few hundred kilobytes, a whole script's lines a few megabytes."""
        import numpy as np

        from companion.audio.library import NARRATION_PEAK_DBFS

        try:
            with wave.open(str(path), "rb") as w:
                if w.getnchannels() != 1 or w.getsampwidth() != 2:
                    return "not a line this cache wrote"
                frames = w.getnframes()
                data = w.readframes(frames)
        except FileNotFoundError:
            return "missing"
        except (OSError, EOFError, wave.Error) as exc:
            return f"unreadable ({exc})"
        if frames == 0 or len(data) < frames * 2:
            return "cut short"
        peak = int(np.max(np.abs(np.frombuffer(data, dtype="<i2").astype(np.int32))))
        if peak > 32768 * 10 ** ((NARRATION_PEAK_DBFS + 0.5) / 20):  # every line was limited
            return "louder than any line is made: overwritten"
        return None

    def store(self, key: str, samples: bytes, rate: int) -> Path:
        """Write 16-bit mono PCM atomically (a half-written file is never taken as cached)."""
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        with wave.open(str(tmp), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(rate)
            out.writeframes(samples)
        os.replace(tmp, path)
        return path


STALE_SECONDS = 3600.0  # a raw folder with no owner file this old is left over


def sweep_raw(root: Path) -> list[Path]:
    """Remove the raw-* folders an interrupted render left behind (a render killed mid-way
    never reached its clean-up: about 30 MB for a session's lines). A folder is still in use
    while the process named in its `owner` file runs; one without that file counts as left
    over once it is an hour old. Returns the folders removed."""
    removed = []
    for folder in root.glob("raw-*"):
        if not folder.is_dir() or _in_use(folder):
            continue
        shutil.rmtree(folder, ignore_errors=True)
        if not folder.exists():
            removed.append(folder)
    return removed


def _in_use(folder: Path) -> bool:
    try:
        pid = int((folder / "owner").read_text(encoding="utf-8").strip())
    except (OSError, ValueError):
        try:
            return time.time() - folder.stat().st_mtime < STALE_SECONDS
        except OSError:
            return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process: alive
    return True


def wav_seconds(path: Path) -> float:
    with wave.open(str(path), "rb") as w:
        return w.getnframes() / w.getframerate()
