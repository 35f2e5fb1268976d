"""The sound files a script names, and where it names them: pure, on the script model.

Kept apart from companion/audio/custom.py (which opens and levels the files with numpy and
libsndfile) so that `companion check` finds out whether a script names any sound file at all
without loading the sound stack: a script that names none checks in milliseconds."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from companion.script.models import (
    AmbienceStep,
    MusicStep,
    SayStep,
    Script,
    folder_tracks,
    is_file_reference,
)
from companion.script.yaml_source import Mark, Source


@dataclass(frozen=True)
class Reference:
    """One sound file a script names."""

    bus: str  # music, ambience, narration (a recorded line)
    name: str  # as written, relative to the script
    where: tuple[str | int, ...]  # the value's path in the YAML document (see `mark_of`)
    index: int | None = None  # its place in a playlist


def mark_of(source: Source, ref: Reference) -> Mark:
    """Where the file is named: `music: x.ogg`, `music: [a, b]`, `music: {track: x.ogg}` and
    `music: {track: [a, b]}` each keep the file's name at a different place."""
    if ref.index is not None:
        for where in (
            (*ref.where, ref.index),
            (*ref.where, "track", ref.index),
            (*ref.where, "track"),
        ):
            if where in source.values:
                return source.values[where]
    return source.value_at(ref.where)


def references(script: Script, folder: Path | None = None) -> Iterator[Reference]:
    """Every sound file the script names, with where it is named; a folder's files (a
    playlist `calm/`) at the folder's place, when the script's `folder` is given."""
    for i, scene in enumerate(script.scenes):
        specs: list[tuple[str, object, tuple[str | int, ...]]] = [
            ("music", scene.music, ("scenes", i, "music")),
            ("ambience", scene.ambience, ("scenes", i, "ambience")),
        ]
        for k, step in enumerate(scene.steps):
            at: tuple[str | int, ...] = ("scenes", i, "steps", k)
            if isinstance(step, MusicStep):
                specs.append(("music", getattr(step, "music", None), (*at, "music")))
            elif isinstance(step, AmbienceStep):
                specs.append(("ambience", getattr(step, "ambience", None), (*at, "ambience")))
            elif isinstance(step, SayStep) and (audio := getattr(step, "audio", None)):
                yield Reference("narration", audio, (*at, "audio"))
        for bus, spec, base in specs:
            tracks: tuple[str, ...] = getattr(spec, "track", ()) if spec is not None else ()
            for index, name in enumerate(tracks):
                if name.endswith(("/", "\\")):
                    if folder is not None and (folder / name).is_dir():
                        for file in folder_tracks(folder / name):
                            yield Reference(bus, str(Path(name) / file.name), base, index)
                elif is_file_reference(name):
                    yield Reference(bus, name, base, index)
