"""`companion check` on a clinic's own media: each file a script names is opened here, as
the stage would open it, so a wrong file is found at the desk and not in the session.

- panorama: readable as a picture; 2:1 (or 1:1 for top-bottom stereo), since any other shape
  would stretch the sky; a warning past 8192 wide (most graphics cards' limit).
- film: its codec decodes here (the first picture is decoded); 2:1; a warning past
  4096x2048 (slow to decode and upload without a GPU); a warning when its first minutes
  hold flashes (sampled once, cached by file, size and date).
- scene: loads as glTF; the `view` node exists; a warning past MAX_TRIANGLES.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from companion.script import media
from companion.script.models import Script
from companion.script.yaml_source import Mark, Source

MAX_PICTURE_WIDTH = 8192
MAX_FILM = (4096, 2048)
MAX_TRIANGLES = 300_000
FLASH_SCAN_SECONDS = 120.0
FLASH_SCAN_SIZE = (96, 48)

Problem = tuple[str, str]  # (severity, message)


def media_check(
    cache_dir: Path | None = None,
) -> Callable[[Script, Source], Iterator[tuple[Mark, str, str]]]:
    """An ExtraCheck (companion.script.loader) that opens every media file a script names."""

    def check(script: Script, source: Source) -> Iterator[tuple[Mark, str, str]]:
        for index, scene in enumerate(script.scenes):
            spec = media.parse(scene.environment)
            if spec is None:
                continue
            mark = source.value_at(("scenes", index, "environment", spec.kind))
            for severity, message in inspect(spec, cache_dir):
                yield mark, severity, message

    return check


def inspect(spec: media.MediaSpec, cache_dir: Path | None = None) -> list[Problem]:
    """What is wrong with a media file, as (severity, message) pairs; none if it is fine."""
    path = Path(spec.file)
    try:
        with path.open("rb") as handle:
            handle.read(16)
    except OSError as exc:
        return [("error", f"cannot read {path.name}: {exc.strerror or exc}")]
    if spec.kind == "panorama":
        return _panorama(path, spec)
    if spec.kind == "film":
        return _film(path, spec, cache_dir)
    return _scene(path, spec)


def _panorama(path: Path, spec: media.MediaSpec) -> list[Problem]:
    from companion.stage.media.panorama import aspect_problem
    from companion.stage.media.picture import read_picture

    try:
        height, width, _ = read_picture(path).shape
    except Exception as exc:  # noqa: BLE001 - a check reports any failure to open a file
        return [
            (
                "error",
                f"{path.name} is not a picture this program can read (JPEG, PNG, TIFF or WebP): "
                f"{_reason(exc)}",
            )
        ]
    problems: list[Problem] = []
    if problem := aspect_problem(width, height, spec.stereo):
        problems.append(("error", f"{path.name}: {problem}"))
    if width > MAX_PICTURE_WIDTH:
        problems.append(
            (
                "warning",
                f"{path.name} is {width} pixels wide: more than most graphics cards take "
                f"({MAX_PICTURE_WIDTH}); it will be scaled down when loaded",
            )
        )
    return problems


def _film(path: Path, spec: media.MediaSpec, cache_dir: Path | None) -> list[Problem]:
    from companion.stage.media.decode import CodecError, probe
    from companion.stage.media.panorama import aspect_problem

    try:
        info = probe(path)
    except CodecError as exc:
        return [
            (
                "error",
                f"{path.name}: {exc}; convert it to H.264 (for example with ffmpeg -c:v libx264)",
            )
        ]
    except Exception as exc:  # noqa: BLE001 - a check reports any failure to open a file
        return [("error", f"{path.name} cannot be opened as a film: {_reason(exc)}")]
    try:
        first_picture(path, info.fps)
    except Exception as exc:  # noqa: BLE001 - a check reports any failure to open a file
        return [
            (
                "error",
                f"{path.name}: its video ({info.codec or 'unknown codec'}) cannot be decoded here: "
                f"{_reason(exc)}; convert it to H.264 (for example with ffmpeg -c:v libx264)",
            )
        ]
    problems: list[Problem] = []
    if problem := aspect_problem(info.width, info.height, spec.stereo):
        problems.append(("error", f"{path.name}: {problem}"))
    if info.width > MAX_FILM[0] or info.height > MAX_FILM[1]:
        problems.append(
            (
                "warning",
                f"{path.name} is {info.width}x{info.height}: larger than {MAX_FILM[0]}x"
                f"{MAX_FILM[1]} decodes too slowly on a machine with no GPU; 3840x1920 "
                "plays smoothly",
            )
        )
    if info.pixels != "yuv420p":
        problems.append(
            (
                "warning",
                f"{path.name} stores its pictures as {info.pixels}: each is converted as it "
                "plays, which is slow; export 8-bit 4:2:0 (ffmpeg -pix_fmt yuv420p)",
            )
        )
    try:
        flashes = flash_scan(path, cache_dir)
    except Exception as exc:  # noqa: BLE001 - a film damaged part-way: the check goes on, says so
        return problems + [("warning", f"{path.name}: could not scan for flashes: {_reason(exc)}")]
    if flashes:
        at, count = flashes
        problems.append(
            (
                "warning",
                f"{path.name} flashes at {int(at // 60)}:{int(at % 60):02d} ({count} flashes "
                "within a second): the comfort guard will hold and dim those pictures; "
                "a calmer film is better",
            )
        )
    return problems


def _scene(path: Path, spec: media.MediaSpec) -> list[Problem]:
    from companion.stage.media.model import count_triangles, load_gltf

    try:
        model = load_gltf(path)
    except Exception as exc:  # noqa: BLE001 - a check reports any failure to open a file
        return [("error", f"{path.name} cannot be loaded as a glTF 2.0 scene: {_reason(exc)}")]
    problems: list[Problem] = []
    if spec.view and model.find("**/" + spec.view).isEmpty():
        names = sorted({n.getName() for n in model.findAllMatches("**") if n.getName()})
        problems.append(
            (
                "error",
                f"{path.name} has no node named '{spec.view}' to seat the viewer at "
                f"(its nodes: {', '.join(names[:12]) or 'none'})",
            )
        )
    triangles = count_triangles(model)
    if triangles > MAX_TRIANGLES:
        problems.append(
            (
                "warning",
                f"{path.name} has {triangles:,} triangles: more than {MAX_TRIANGLES:,} "
                "draws slowly on a machine with no GPU",
            )
        )
    model.removeNode()
    return problems


def _reason(exc: Exception) -> str:
    text = (getattr(exc, "strerror", None) or str(exc)).strip() or type(exc).__name__
    return text.splitlines()[0][:200]


def first_picture(path: Path, fps: float = 30.0) -> None:
    """Decode one picture (FFmpeg, a separate process); raises when it cannot be decoded here."""
    from companion.stage.media.ffmpeg import Child

    child = Child(path, FLASH_SCAN_SIZE, fps)  # (damage later on is the flash scan's to find)
    try:
        for _ in child.frames():
            return
    finally:
        child.close()
    raise ValueError("no picture in it could be decoded")


def flash_scan(path: Path, cache_dir: Path | None = None) -> tuple[float, int] | None:
    """(when, how many) of the first second in the film's first minutes with more flashes
    than WCAG 2.3.1 allows, or None; read from the cache when the file is unchanged."""
    stat = path.stat()
    key = hashlib.sha1(f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}".encode()).hexdigest()
    cache = _cache_file(cache_dir)
    try:
        known = json.loads(cache.read_text()) if cache.is_file() else {}
    except (OSError, ValueError):
        known = {}
    if not isinstance(known, dict):  # not a cache this program wrote: start afresh
        known = {}
    entry = known.get(key, "missing")  # an entry of another shape is scanned again
    if entry is None:
        return None
    if (
        isinstance(entry, list)
        and len(entry) == 2
        and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in entry)
    ):
        return float(entry[0]), int(entry[1])
    found = _scan(path)
    known[key] = list(found) if found else None
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text(json.dumps(known))
    except OSError:
        pass  # a cache that cannot be written only costs the next check a rescan
    return found


def _cache_file(cache_dir: Path | None) -> Path:
    if cache_dir is None:
        from platformdirs import user_cache_dir

        cache_dir = Path(user_cache_dir("companion"))
    return cache_dir / "film-flashes.json"


def _scan(path: Path) -> tuple[float, int] | None:
    """The flash scan: the film's first FLASH_SCAN_SECONDS read from FFmpeg (a separate
    process) as small pictures, FLASH_SCAN_SIZE, the luma sampled as the guard samples it."""
    from companion.stage.comfort import GRID, MAX_FLASHES, _Transitions, region_means
    from companion.stage.media.decode import probe, thumbnail
    from companion.stage.media.ffmpeg import Child

    fps = probe(path).fps
    width, height = FLASH_SCAN_SIZE
    series = [_Transitions() for _ in range(1 + GRID * GRID)]
    child = Child(path, FLASH_SCAN_SIZE, fps, stop_on_error=True, seconds=FLASH_SCAN_SECONDS)
    try:
        for index, picture in enumerate(child.frames()):
            t = index / fps
            luma = np.frombuffer(picture, np.uint8, width * height).reshape(height, width)
            for transitions, value in zip(series, region_means(thumbnail(luma)), strict=True):
                flashes = max(0, transitions.observe(t, float(value)) - 1)
                if flashes > MAX_FLASHES:
                    return round(t, 1), flashes
    finally:
        child.close()
    return None
