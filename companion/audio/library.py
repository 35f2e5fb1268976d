"""The bundled sound library (audio/): where each sound is, its loudness target, and the
manifest written when the library is made. Imports nothing heavy; making it does.

The files are generated, not committed: scripts/make-library (run by scripts/setup-env)
makes them, and `ensure_library()` makes them when a session needs them and they are missing
or were made by an older synthesis.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from companion.script import catalog

ROOT = Path(__file__).resolve().parents[2] / "audio"
MANIFEST = "library.json"
FORMAT = 1

# Loudness targets (LUFS, integrated, BS.1770) per kind of file. The music layers are set so
# that the blend at the default intensity comes to about -21.5 LUFS before the music bus level.
MUSIC_LAYERS = ("base", "middle", "high")
TARGETS = {
    "music/base": -23.0,
    "music/middle": -26.0,
    "music/high": -29.0,
    "ambience": -24.0,
    "chime": -26.0,
    "breath": -24.0,
    "narration": -19.0,
}
NARRATION_PEAK_DBFS = -3.0  # speech peaks high for its loudness: room for the music under it
PEAK_CEILING_DBTP = -1.0
BREATH_TONE = "tone"
# Loops are stored with this many frames of the loop's own end before its start and of its
# start after its end (see `unpad`): a lossy codec is inexact at a file's edges, and its
# small errors differ between the loop's end and its start, which would leave a tiny step.
LOOP_PAD = 4096


@dataclass(frozen=True)
class LibraryFile:
    kind: str  # music, ambience, chime, breath
    name: str
    role: str  # music layer (base/middle/high), or "" for single files
    relpath: str

    @property
    def target(self) -> float:
        return TARGETS[f"music/{self.role}" if self.kind == "music" else self.kind]

    @property
    def loops(self) -> bool:
        return self.kind in ("music", "ambience", "breath")


def expected_files() -> list[LibraryFile]:
    """Every file the library must hold: exactly the catalog's names, and the breathing tone."""
    files = [
        LibraryFile("music", name, role, f"music/{name}/{role}.ogg")
        for name in catalog.MUSIC
        for role in MUSIC_LAYERS
    ]
    files += [
        LibraryFile("ambience", name, "", f"ambience/{name}.ogg") for name in catalog.AMBIENCE
    ]
    files += [LibraryFile("chime", name, "", f"chimes/{name}.ogg") for name in catalog.CHIMES]
    files.append(LibraryFile("breath", BREATH_TONE, "", "effects/breath-tone.ogg"))
    return files


def source_digest() -> str:
    """A digest of the code that makes the library: a change to it makes the library stale."""
    here = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted((here / "synth").glob("*.py")) + [here / "signal.py"]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    made = {kind: target for kind, target in TARGETS.items() if kind != "narration"}
    digest.update(json.dumps([catalog.MUSIC, catalog.AMBIENCE, catalog.CHIMES, made]).encode())
    return digest.hexdigest()[:16]


class Library:
    """The library at `root`: paths of sounds, and what the manifest says about them."""

    def __init__(self, root: Path | str = ROOT) -> None:
        self.root = Path(root)
        self._manifest: dict[str, Any] | None = None

    def manifest(self) -> dict[str, Any] | None:
        if self._manifest is None:
            try:
                self._manifest = json.loads((self.root / MANIFEST).read_text(encoding="utf-8"))
            except (OSError, ValueError):
                return None
        return self._manifest

    def problem(self) -> str | None:
        """Why the library cannot be used as it is (missing, stale, incomplete), or None."""
        manifest = self.manifest()
        if manifest is None:
            return f"the sound library has not been made yet ({self.root})"
        if manifest.get("format") != FORMAT or manifest.get("source") != source_digest():
            return "the sound library was made by an older version of the synthesis"
        missing = [f.relpath for f in expected_files() if not (self.root / f.relpath).is_file()]
        if missing:
            return f"the sound library is missing {len(missing)} file(s), e.g. {missing[0]}"
        return None

    def entries(self) -> list[dict[str, Any]]:
        """The manifest's record of each file: kind, name, role, file, seconds, loudness..."""
        manifest = self.manifest() or {}
        return list(manifest.get("files", []))

    def path(self, relpath: str) -> Path:
        return self.root / relpath

    def relpath(self, path: Path) -> str | None:
        """A file's path inside this library, or None for other files. The path as given is
        tried first: with the library's folders linked from elsewhere, resolving the file
        and the root leads to different places."""
        for file, root in ((path, self.root), (path.resolve(), self.root.resolve())):
            try:
                return file.relative_to(root).as_posix()
            except ValueError:
                continue
        return None

    def padding(self, path: Path) -> int:
        """Frames to drop at each end of a file of this library (0 for other files)."""
        relpath = self.relpath(path)
        if relpath is None:
            return 0
        return LOOP_PAD if any(f.relpath == relpath and f.loops for f in expected_files()) else 0

    def expected(self, path: Path) -> tuple[float | None, float | None]:
        """(seconds, true peak dBFS) the manifest records for a file of this library, so a
        file damaged since it was made is not played; (None, None) for other files."""
        relpath = self.relpath(path)
        for entry in self.entries() if relpath is not None else ():
            if entry.get("file") == relpath:
                return float(entry["seconds"]), float(entry["true_peak_dbtp"])
        return None, None

    def read(self, relpath: str):
        """A library file as float64 (frames, channels), padding removed; and its rate."""
        import soundfile

        audio, rate = soundfile.read(str(self.root / relpath), dtype="float64", always_2d=True)
        return unpad(audio, self.padding(self.root / relpath)), rate

    def music_layers(self, name: str) -> list[tuple[str, Path]]:
        return [(role, self.root / f"music/{name}/{role}.ogg") for role in MUSIC_LAYERS]

    def ambience(self, name: str) -> Path:
        return self.root / f"ambience/{name}.ogg"

    def chime(self, name: str) -> Path:
        return self.root / f"chimes/{name}.ogg"

    def breath_tone(self) -> Path:
        return self.root / "effects/breath-tone.ogg"

    def seconds(self, kind: str, name: str) -> float | None:
        """A sound's length from the manifest (None when unknown)."""
        for entry in self.entries():
            if entry.get("kind") == kind and entry.get("name") == name:
                return float(entry["seconds"])
        return None


def ensure_library(
    root: Path | str = ROOT, progress: Callable[[str], None] | None = None
) -> Library:
    """The library, made first if it is missing or stale (takes a minute on two cores)."""
    library = Library(root)
    if library.problem() is not None:
        from companion.audio.synth.build import build_library, building

        with building(Path(root)):
            library = Library(root)  # another process may have made it meanwhile
            if library.problem() is not None:
                build_library(Path(root), progress=progress)
                library = Library(root)
    return library


def unpad(audio, pad: int):
    """The loop from a padded file. The copy of the loop's start that follows its end was
    decoded in one piece with that end, so the loop's first frames glide from that copy into
    the main one: the seam (end -> start) is then as continuous as the file itself."""
    if not pad:
        return audio
    import numpy as np

    frames = audio.shape[0] - 2 * pad
    loop = audio[pad : pad + frames].copy()
    tail = audio[pad + frames : pad + frames + pad]
    weight = (0.5 + 0.5 * np.cos(np.linspace(0, np.pi, pad)))[:, None]
    loop[:pad] = weight * tail + (1 - weight) * loop[:pad]
    return loop
