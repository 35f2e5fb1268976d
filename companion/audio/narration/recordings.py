"""Recorded narration: the list of lines for a voice artist, and linking their recordings.

`--export lines.csv` writes id, scene, text and a suggested file name for every line.
`--import DIR` finds DIR/<id>.<wav|flac|ogg|mp3|aiff> for each line and records the links in
a file beside the script (<script>.recordings.json), which sessions read. A line with an
`id:` stays linked when its text is edited; a line without one is linked by its text too.
"""

from __future__ import annotations

import csv
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from companion.audio.narration.lines import Line

AUDIO_SUFFIXES = (".wav", ".flac", ".ogg", ".mp3", ".aiff", ".aif")


def sidecar_path(script_path: Path) -> Path:
    return script_path.with_name(script_path.stem + ".recordings.json")


def export_lines(lines: list[Line], out: Path) -> int:
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "scene", "text", "file"])
        for line in lines:
            writer.writerow([line.id, line.scene, line.text, f"{line.id}.wav"])
    return len(lines)


@dataclass
class ImportReport:
    linked: list[str] = field(default_factory=list)
    unrecorded: list[str] = field(default_factory=list)
    unreadable: dict[str, str] = field(default_factory=dict)
    unmatched: list[str] = field(default_factory=list)  # files in DIR that name no line
    sidecar: Path | None = None


def import_recordings(lines: list[Line], folder: Path, script_path: Path) -> ImportReport:
    import soundfile

    report = ImportReport()
    files = (
        {
            p.stem.lower(): p
            for p in sorted(folder.iterdir())
            if p.is_file() and p.suffix.lower() in AUDIO_SUFFIXES
        }
        if folder.is_dir()
        else {}
    )
    entries: list[dict[str, Any]] = []
    used: set[str] = set()
    for line in lines:
        if line.audio:  # the script already names its recording
            continue
        found = files.get(line.id.lower())
        if found is None:
            report.unrecorded.append(line.id)
            continue
        used.add(line.id.lower())
        try:
            seconds = soundfile.info(str(found)).duration
        except (RuntimeError, OSError) as exc:
            report.unreadable[found.name] = str(exc)
            report.unrecorded.append(line.id)
            continue
        entries.append(
            {
                "id": line.id,
                "scene": line.scene,
                "text": line.text,
                "file": _relative(found, script_path.parent),
                "seconds": round(seconds, 3),
            }
        )
        report.linked.append(line.id)
    report.unmatched = [p.name for stem, p in files.items() if stem not in used]
    sidecar = sidecar_path(script_path)
    tmp = sidecar.with_suffix(".tmp")
    tmp.write_text(
        json.dumps({"recordings": entries}, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    os.replace(tmp, sidecar)
    report.sidecar = sidecar
    return report


def _relative(path: Path, base: Path) -> str:
    try:
        return os.path.relpath(path.resolve(), base.resolve())
    except ValueError:  # another drive
        return str(path.resolve())


@dataclass
class Recordings:
    """Links read from the sidecar: by line id, and by text for lines without an id."""

    by_id: dict[str, Path] = field(default_factory=dict)
    by_text: dict[str, Path] = field(default_factory=dict)

    @classmethod
    def load(cls, script_path: Path | None) -> Recordings:
        found = cls()
        if script_path is None:
            return found
        try:
            data = json.loads(sidecar_path(script_path).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return found
        for entry in data.get("recordings", []):
            path = (script_path.parent / entry["file"]).resolve()
            if path.is_file():
                found.by_id[entry["id"]] = path
                found.by_text.setdefault(entry["text"], path)
        return found

    def find(self, text: str, line_id: str | None) -> Path | None:
        if line_id is not None and line_id in self.by_id:
            return self.by_id[line_id]
        return self.by_text.get(text)
