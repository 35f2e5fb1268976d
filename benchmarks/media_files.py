"""Media for benchmarks/render.py, made by code (nothing is downloaded): a 4096x2048
panorama, a 3840x1920 film at 30 frames a second, and a glTF scene of about 50,000
triangles. Kept in a cache folder between runs (making the film takes a minute). Written by
companion/stage/media/writing.py, as the tests' media are."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from companion.stage.media.writing import write_glb


def panorama(path: Path, size: tuple[int, int] = (4096, 2048)) -> Path:
    """A sky paling to the horizon over a field of soft light and shade, low hills between."""
    from PIL import Image

    if path.is_file():
        return path
    width, height = size
    v = np.linspace(1.0, 0.0, height)[:, None]
    u = np.linspace(0.0, 1.0, width)[None, :]
    hills = 0.5 + 0.012 * np.sin(u * 2 * np.pi * 5) + 0.006 * np.sin(u * 2 * np.pi * 17 + 1) + 0.006
    sky = np.stack([0.82 - 0.4 * v, 0.88 - 0.3 * v, 0.95 + 0.0 * v], -1) * np.ones((1, width, 1))
    # grass: soft waves of light and shade that shrink toward the horizon, as a field's do
    depth = np.clip(hills - v, 0.001, 1.0)
    noise = (
        0.5
        + 0.25 * np.sin(u * 2 * np.pi * 90 / (0.2 + depth)) * np.sin(v * 300 / (0.05 + depth))
        + 0.25 * np.sin(u * 2 * np.pi * 23 + v * 40)
    )
    ground = np.stack([0.25 + 0.1 * noise, 0.4 + 0.15 * noise, 0.2 + 0.05 * noise], -1)
    image = np.where((v < hills)[..., None], ground, sky)
    pixels = (np.clip(image, 0, 1) * 255).astype(np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(pixels, "RGB").save(path, quality=90)
    return path


def film(
    path: Path, size: tuple[int, int] = (3840, 1920), seconds: float = 6.0, fps: int = 30
) -> Path:
    """The panorama's picture with waves of light moving across it (H.264, as clinics' films
    are), each frame different (encoded by companion/stage/media/writing.py, as the tests'
    films are)."""
    from companion.stage.media.writing import encode_film

    if path.is_file():
        return path
    width, height = size
    still = _decode(panorama(path.with_suffix(".jpg"), size))
    path.parent.mkdir(parents=True, exist_ok=True)
    columns = np.arange(width)[None, :, None]
    partial = path.with_name(path.stem + ".partial" + path.suffix)

    def pictures():
        for index in range(round(seconds * fps)):
            light = 0.9 + 0.1 * np.sin(columns * (2 * np.pi / 640) - index * 0.2)
            yield (still * light).astype(np.uint8)

    encode_film(
        partial, pictures(), size, fps, "libx264", "yuv420p", "-preset", "ultrafast", "-crf", "23"
    )
    partial.replace(path)
    return path


def _decode(path: Path) -> np.ndarray:
    from PIL import Image

    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"))


def garden(path: Path, cells: int = 158) -> Path:
    """Rolling ground as a grid of cells x cells quads (2 triangles each: 50,000 at 158)
    with vertex colours, and a node `seat` at the origin."""
    if path.is_file():
        return path
    xs = np.linspace(-120, 120, cells + 1)
    gx, gz = np.meshgrid(xs, xs)
    gy = 1.5 * np.sin(gx * 0.08) * np.cos(gz * 0.06) + 0.02 * np.hypot(gx, gz)
    gy[np.hypot(gx, gz) < 6] = 0.0
    positions = np.stack([gx, gy, gz], -1).reshape(-1, 3).astype(np.float32)
    shade = (0.5 + 0.5 * np.sin(gx * 0.3) * np.cos(gz * 0.25)).reshape(-1)
    colors = np.stack(
        [0.2 + 0.1 * shade, 0.45 + 0.15 * shade, 0.18 + 0.05 * shade, np.ones_like(shade)], -1
    ).astype(np.float32)
    dx = np.gradient(gy, axis=1)
    dz = np.gradient(gy, axis=0)
    normals = np.stack([-dx, np.full_like(gy, xs[1] - xs[0]), -dz], -1).reshape(-1, 3)
    normals = (normals / np.linalg.norm(normals, axis=1, keepdims=True)).astype(np.float32)
    i, j = np.meshgrid(np.arange(cells), np.arange(cells))
    a = (j * (cells + 1) + i).reshape(-1)
    b, c, d = a + 1, a + cells + 1, a + cells + 2
    indices = np.stack([a, c, b, b, c, d], -1).reshape(-1).astype(np.uint32)
    write_glb(
        path,
        positions,
        normals,
        colors,
        indices,
        mesh_name="ground",
        view_node="seat",
        generator="companion benchmarks",
    )
    return path
