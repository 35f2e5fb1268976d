"""Media the tests make themselves: an equirectangular picture with known marks, a short
film (one with a flashing section) and a small glTF scene, written by
companion/stage/media/writing.py (which benchmarks/media_files.py uses too)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np

from companion.stage.media import writing
from companion.stage.media.writing import encode_film

# marks on the test panorama (column as a share of the width, row as a share of the height)
AHEAD = (0.5, 0.5)  # red: straight ahead
RIGHT = (0.75, 0.5)  # green: a quarter turn to the right
GREY = 80


ABOVE = (0.5, 0.39)  # blue: ahead, 20 degrees up


def panorama_pixels(width: int = 512, height: int = 256) -> np.ndarray:
    """Grey, a red square ahead, a green one to the right, a blue one above the red."""
    image = np.full((height, width, 3), GREY, np.uint8)
    half = max(2, width // 48)
    for (u, v), color in ((AHEAD, (230, 20, 20)), (RIGHT, (20, 220, 20)), (ABOVE, (30, 60, 230))):
        x, y = int(u * width), int(v * height)
        image[y - half : y + half, x - half : x + half] = color
    return image


def write_png(path: Path, pixels: np.ndarray) -> Path:
    from panda3d.core import PNMImage

    height, width, _ = pixels.shape
    image = PNMImage(width, height)
    for y in range(height):  # PNMImage rows run top down, like the array
        for x in range(width):
            r, g, b = pixels[y, x]
            image.setXelVal(x, y, int(r), int(g), int(b))
    path.parent.mkdir(parents=True, exist_ok=True)
    assert image.write(str(path))
    return path


def write_picture(path: Path, pixels: np.ndarray) -> Path:
    """PNG or JPEG (by the file's suffix) through Pillow, fast for any size."""
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.ascontiguousarray(pixels), "RGB").save(path, quality=92)
    return path


def write_film(
    path: Path,
    seconds: float = 3.0,
    size: tuple[int, int] = (256, 128),
    fps: int = 30,
    flash: tuple[float, float] | None = None,
    codec: str = "libx264",
    still: bool = False,
    *options: str,
) -> Path:
    """The test panorama (red ahead, still) with a yellow mark below the horizon moving right
    one column a frame, so a jump in the film (as at a loop without a blend) shows.
    `flash`: (from, to) seconds in which the whole picture alternates black and white at 10 Hz."""
    width, height = size
    base = panorama_pixels(width, height)

    def pictures() -> Iterable[np.ndarray]:
        for index in range(round(seconds * fps)):
            t = index / fps
            pixels = base.copy()
            if not still:  # `still`: every picture the same, a film that loops by itself
                x = index % width
                pixels[int(height * 0.7) : int(height * 0.8), x : x + width // 24] = (240, 220, 40)
            if flash and flash[0] <= t < flash[1]:
                pixels = np.full_like(base, 250 if int(t * 20) % 2 == 0 else 5)
            yield pixels

    return encode_film(path, pictures(), size, fps, codec, "yuv420p", *options)


def write_glb(path: Path, *, view_node: str | None = "seat", double_sided: bool = False) -> Path:
    """A small glTF 2.0 binary: a red box 4 m ahead of the origin (glTF: -Z ahead, Y up),
    a green ground plane, and (optionally) an empty node `view_node` at the origin."""
    positions, normals, colors, indices = [], [], [], []

    def quad(corners, normal, color):
        start = len(positions)
        positions.extend(corners)
        normals.extend([normal] * 4)
        colors.extend([color] * 4)
        indices.extend([start, start + 1, start + 2, start, start + 2, start + 3])

    red, green = (0.9, 0.1, 0.1, 1.0), (0.2, 0.6, 0.2, 1.0)
    # box from x -1..1, y 0..2, z -5..-3 (faces toward the viewer at z=-3)
    quad([(-1, 0, -3), (1, 0, -3), (1, 2, -3), (-1, 2, -3)], (0, 0, 1), red)
    quad([(1, 0, -3), (1, 0, -5), (1, 2, -5), (1, 2, -3)], (1, 0, 0), red)
    quad([(-1, 0, -5), (-1, 0, -3), (-1, 2, -3), (-1, 2, -5)], (-1, 0, 0), red)
    quad([(-1, 2, -3), (1, 2, -3), (1, 2, -5), (-1, 2, -5)], (0, 1, 0), red)
    quad([(-50, 0, 50), (50, 0, 50), (50, 0, -50), (-50, 0, -50)], (0, 1, 0), green)
    return writing.write_glb(
        path,
        np.array(positions),
        np.array(normals),
        np.array(colors),
        np.array(indices),
        mesh_name="garden",
        view_node=view_node,
        generator="companion tests",
        double_sided=double_sided,
    )


def damaged_film(path: Path, seconds: float = 4.0) -> Path:
    """A film that opens (its index first: +faststart) but whose pictures from the middle on
    are garbage: FFmpeg opens it, then fails decoding part-way."""
    write_film(path, seconds, (256, 128), 30, None, "libx264", False, "-movflags", "+faststart")
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 3000] = (
        np.random.default_rng(1).integers(0, 256, 3000, dtype=np.uint8).tobytes()
    )
    path.write_bytes(bytes(data))
    return path
