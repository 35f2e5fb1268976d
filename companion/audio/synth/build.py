"""Making the library: synthesise, normalise to each target, check peaks, encode, write the
manifest. Run by scripts/make-library; deterministic (fixed seeds, no outside input)."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from companion.audio import library as lib
from companion.audio.loudness import integrated_loudness
from companion.audio.signal import SAMPLE_RATE, db, true_peak

WRITE_BLOCK = 32768  # libvorbis (via libsndfile) crashes on very large single writes


def synthesise(kind: str, name: str) -> dict[str, np.ndarray]:
    """relpath -> audio for one sound (music gives three layers)."""
    from companion.audio.synth import ambience, chimes, music

    if kind == "music":
        layers = music.compose(music.PIECES[name])
        return {f"music/{name}/{role}.ogg": layers[role] for role in lib.MUSIC_LAYERS}
    if kind == "ambience":
        return {f"ambience/{name}.ogg": ambience.make(name)}
    if kind == "chime":
        return {f"chimes/{name}.ogg": chimes.bell(name)}
    return {"effects/breath-tone.ogg": chimes.breath_tone()}


def _normalise(audio: np.ndarray, target: float) -> np.ndarray:
    """Scale to the target loudness. Each sound is designed with enough headroom; a peak
    over the ceiling is a design fault and fails the build rather than being squashed."""
    gain = 10 ** ((target - integrated_loudness(audio, SAMPLE_RATE)) / 20)
    out = audio * gain
    peak = db(true_peak(out))
    if peak > lib.PEAK_CEILING_DBTP:
        raise RuntimeError(
            f"true peak {peak:.1f} dBTP over {lib.PEAK_CEILING_DBTP} at {target} LUFS"
        )
    return out


def _write(path: Path, audio: np.ndarray, pad: int) -> None:
    import soundfile

    if pad:  # the loop's end before it and its start after it: see library.LOOP_PAD
        audio = np.concatenate([audio[-pad:], audio, audio[:pad]])
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp.ogg")
    with soundfile.SoundFile(
        tmp, "w", SAMPLE_RATE, audio.shape[1], format="OGG", subtype="VORBIS"
    ) as out:
        for start in range(0, audio.shape[0], WRITE_BLOCK):
            out.write(audio[start : start + WRITE_BLOCK].astype(np.float32))
    os.replace(tmp, path)


def make_sound(root: str, kind: str, name: str) -> list[dict[str, Any]]:
    """Make one sound's files; returns their manifest entries (measured after encoding)."""
    by_path = {f.relpath: f for f in lib.expected_files()}
    library = lib.Library(root)
    entries = []
    for relpath, audio in synthesise(kind, name).items():
        spec = by_path[relpath]
        path = Path(root) / relpath
        _write(path, _normalise(audio, spec.target), lib.LOOP_PAD if spec.loops else 0)
        decoded, rate = library.read(relpath)
        entries.append(
            {
                "kind": spec.kind,
                "name": spec.name,
                "role": spec.role,
                "file": relpath,
                "seconds": round(decoded.shape[0] / rate, 3),
                "loop": spec.loops,
                "target_lufs": spec.target,
                "loudness_lufs": round(integrated_loudness(decoded, rate), 2),
                "true_peak_dbtp": round(db(true_peak(decoded)), 2),
            }
        )
    return entries


def build_library(
    root: Path = lib.ROOT, progress: Callable[[str], None] | None = None, workers: int | None = None
) -> dict[str, Any]:
    """Make every file and the manifest. Callers hold `building(root)`."""
    root.mkdir(parents=True, exist_ok=True)
    (root / lib.MANIFEST).unlink(missing_ok=True)  # no manifest until every file is made
    jobs = sorted(
        {(f.kind, f.name) for f in lib.expected_files()},
        key=lambda job: (job[0] != "music", job[0] != "ambience", job),
    )  # longest first
    started = time.perf_counter()
    entries: list[dict[str, Any]] = []
    workers = workers or min(2, os.cpu_count() or 1)
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = {
            pool.submit(make_sound, str(root), kind, name): (kind, name) for kind, name in jobs
        }
        for done, future in enumerate(futures, 1):
            entries += future.result()
            kind, name = futures[future]
            if progress:
                progress(f"[{done}/{len(jobs)}] {kind} {name}")
    order = {f.relpath: i for i, f in enumerate(lib.expected_files())}
    entries.sort(key=lambda e: order[e["file"]])
    manifest = {
        "format": lib.FORMAT,
        "source": lib.source_digest(),
        "sample_rate": SAMPLE_RATE,
        "seconds_to_make": round(time.perf_counter() - started, 1),
        "files": entries,
    }
    tmp = root / (lib.MANIFEST + ".tmp")
    tmp.write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, root / lib.MANIFEST)
    return manifest


class building:
    """An exclusive lock on making the library at `root` (set-up and a session may both try):
    the second waits, then finds the library made."""

    def __init__(self, root: Path) -> None:
        self.path = Path(root) / ".making"
        self._handle: Any = None

    def __enter__(self) -> building:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._handle = open(self.path, "w")
        try:
            import fcntl

            fcntl.flock(self._handle, fcntl.LOCK_EX)
        except ImportError:  # not on a Unix: no lock, as before
            pass
        return self

    def __exit__(self, *exc: object) -> None:
        self._handle.close()
