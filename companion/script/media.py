"""A clinic's own media as an environment: `environment: {panorama: FILE}`, `{film: FILE}`
or `{scene: FILE.glb}`.

The engine, the record and the panel know an environment by a name (a str). A media
environment's name is its key, `kind:FILE` with the file resolved against the script's
folder, and its options after a `?` (`panorama:/clinic/media/beach.jpg?stereo=top-bottom`),
so everything above the stage passes it on unchanged and the record says which file was
shown. This module knows no Panda3D or FFmpeg: the stage and `companion check` open files.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

KINDS = ("panorama", "film", "scene")
STEREO = ("mono", "top-bottom")
SUFFIXES = {
    "panorama": (".jpg", ".jpeg", ".png", ".webp", ".tif", ".tiff"),
    "film": (".mp4", ".m4v", ".mov", ".mkv", ".webm"),
    "scene": (".glb", ".gltf"),
}
OPTIONS = {"panorama": ("stereo",), "film": ("stereo",), "scene": ("view",)}
DESCRIPTIONS = {
    "panorama": "an equirectangular (2:1) photograph on a sphere around the viewer",
    "film": "an equirectangular (2:1) 360-degree film, looped",
    "scene": "a glTF 2.0 scene (.glb or .gltf); the viewer sits at the node `view` or the origin",
}


@dataclass(frozen=True)
class MediaSpec:
    kind: str  # panorama, film or scene
    file: str  # resolved against the script's folder when loaded
    stereo: str = "mono"  # top-bottom: the left eye's picture above the right eye's
    view: str | None = None  # scene: the node the viewer sits at

    @property
    def key(self) -> str:
        options = []
        if self.stereo != "mono":
            options.append(f"stereo={self.stereo}")
        if self.view:
            options.append(f"view={self.view}")
        return f"{self.kind}:{self.file}" + ("?" + "&".join(options) if options else "")

    @property
    def label(self) -> str:
        """Short, for people: `panorama beach.jpg`."""
        return f"{self.kind} {Path(self.file).name}"


def parse(name: str) -> MediaSpec | None:
    """The media an environment name stands for, or None for a built-in environment."""
    kind, sep, rest = name.partition(":")
    if not sep or kind not in KINDS or not rest:
        return None
    file, _, query = rest.partition("?")
    options = dict(part.partition("=")[::2] for part in query.split("&") if part)
    return MediaSpec(
        kind, file, stereo=options.get("stereo", "mono"), view=options.get("view") or None
    )


def is_media(name: object) -> bool:
    return isinstance(name, str) and parse(name) is not None
