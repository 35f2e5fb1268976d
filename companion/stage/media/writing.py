"""Making media files from arrays: a glTF 2.0 binary (.glb) of one mesh, and a film encoded
from raw pictures. The tests (tests/stage/media_files.py) and the benchmarks
(benchmarks/media_files.py) make their panoramas, films and scenes with these, so nothing
is downloaded and both write the same formats the same way.

The film is encoded by the ffmpeg binary imageio-ffmpeg ships, run as a separate process
with the raw RGB pictures piped in: it is built with GPL parts, so it is run, never
imported (Companion is MIT)."""

from __future__ import annotations

import json
import struct
import subprocess
from collections.abc import Iterable
from pathlib import Path

import numpy as np

_FLOAT, _UINT16, _UINT32 = 5126, 5123, 5125  # glTF component types
_ARRAY_BUFFER, _ELEMENT_BUFFER = 34962, 34963  # glTF buffer view targets


def write_glb(
    path: Path,
    positions: np.ndarray,
    normals: np.ndarray,
    colors: np.ndarray,
    indices: np.ndarray,
    *,
    mesh_name: str = "mesh",
    view_node: str | None = None,
    generator: str = "companion",
    double_sided: bool = False,
) -> Path:
    """One mesh (glTF axes: Y up, -Z ahead) with vertex colours (RGBA) and a plain white
    material (`double_sided`: its faces seen from both sides), and optionally an empty node
    `view_node` at the origin to seat the viewer at. Indices are 16-bit when they fit, else
    32-bit."""
    positions = np.asarray(positions, np.float32)
    wide = len(positions) > 65535
    blobs = [
        positions.tobytes(),
        np.asarray(normals, np.float32).tobytes(),
        np.asarray(colors, np.float32).tobytes(),
        np.asarray(indices, np.uint32 if wide else np.uint16).tobytes(),
    ]
    offsets, binary = [], b""
    for blob in blobs:
        offsets.append(len(binary))
        binary += blob + b"\0" * (-len(blob) % 4)
    count = len(positions)
    gltf = {
        "asset": {"version": "2.0", "generator": generator},
        "scene": 0,
        "scenes": [{"nodes": [0] + ([1] if view_node else [])}],
        "nodes": [{"mesh": 0, "name": mesh_name}]
        + ([{"name": view_node, "translation": [0, 0, 0]}] if view_node else []),
        "meshes": [
            {
                "primitives": [
                    {
                        "attributes": {"POSITION": 0, "NORMAL": 1, "COLOR_0": 2},
                        "indices": 3,
                        "material": 0,
                    }
                ]
            }
        ],
        "materials": [
            {
                "pbrMetallicRoughness": {
                    "baseColorFactor": [1, 1, 1, 1],
                    "metallicFactor": 0,
                    "roughnessFactor": 1,
                },
                "doubleSided": double_sided,
            }
        ],
        "buffers": [{"byteLength": len(binary)}],
        "bufferViews": [
            {"buffer": 0, "byteOffset": offset, "byteLength": len(blob), "target": target}
            for offset, blob, target in zip(
                offsets, blobs, [_ARRAY_BUFFER] * 3 + [_ELEMENT_BUFFER], strict=True
            )
        ],
        "accessors": [
            {
                "bufferView": 0,
                "componentType": _FLOAT,
                "count": count,
                "type": "VEC3",
                "min": positions.min(0).tolist(),
                "max": positions.max(0).tolist(),
            },
            {"bufferView": 1, "componentType": _FLOAT, "count": count, "type": "VEC3"},
            {"bufferView": 2, "componentType": _FLOAT, "count": count, "type": "VEC4"},
            {
                "bufferView": 3,
                "componentType": _UINT32 if wide else _UINT16,
                "count": int(np.asarray(indices).size),
                "type": "SCALAR",
            },
        ],
    }
    text = json.dumps(gltf).encode()
    text += b" " * (-len(text) % 4)
    body = (
        struct.pack("<II", len(text), 0x4E4F534A)  # JSON chunk
        + text
        + struct.pack("<II", len(binary), 0x004E4942)  # BIN chunk
        + binary
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(struct.pack("<III", 0x46546C67, 2, 12 + len(body)) + body)
    return path


def encode_film(
    path: Path,
    pictures: Iterable[np.ndarray],
    size: tuple[int, int],
    fps: int = 30,
    codec: str = "libx264",
    pixels: str = "yuv420p",
    *options: str,
) -> Path:
    """H x W x 3 RGB pictures (uint8) piped into FFmpeg, encoded to `path` with `codec`
    (and any further output `options`, such as "-crf", "23"); raises RuntimeError with
    FFmpeg's own message if it fails."""
    from companion.stage.media.ffmpeg import binary

    path.parent.mkdir(parents=True, exist_ok=True)
    width, height = size
    command = [
        *(binary(), "-hide_banner", "-v", "error", "-y"),
        *("-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{width}x{height}", "-r", str(fps)),
        *("-i", "pipe:0", "-c:v", codec, "-pix_fmt", pixels, *options, str(path)),
    ]
    with subprocess.Popen(command, stdin=subprocess.PIPE, stderr=subprocess.PIPE) as process:
        assert process.stdin is not None and process.stderr is not None
        given = 0
        try:
            for picture in pictures:
                process.stdin.write(np.ascontiguousarray(picture, np.uint8).tobytes())
                given += 1
            process.stdin.close()
        except BrokenPipeError:  # FFmpeg stopped reading: its message below says why
            given = -given - 1
        error = process.stderr.read().decode(errors="replace").strip()
        if process.wait(timeout=120) != 0 or given < 0:
            raise RuntimeError(f"ffmpeg could not encode {path.name}: {error or 'it stopped'}")
    return path
