"""A clinic's photographs, decoded by Pillow (HPND licence, permissive; in-process).

Why not Panda3D's own reader: its JPEG reader ends the whole process on a damaged file, and
a photograph here is a clinic's file, not ours. Pillow raises an error instead (a truncated
or damaged file is not patched up: LOAD_TRUNCATED_IMAGES stays off), which the stage and
`companion check` turn into a plain message. Why not FFmpeg in-process (PyAV, used before):
PyAV's wheels carry an FFmpeg built with GPL parts, and Companion (MIT) imports no GPL code."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def read_picture(path: str | Path) -> np.ndarray:
    """A photograph as H x W x 3 bytes (BGR, Panda3D's order; top row first). Raises
    (OSError, ValueError, Pillow's errors) when the file is not a picture or is damaged."""
    from PIL import Image

    with Image.open(path) as image:
        image.load()  # decodes it all: damage anywhere raises here
        if image.width <= 0 or image.height <= 0:
            raise ValueError("it holds no picture")
        rgb = image if image.mode == "RGB" else image.convert("RGB")
        pixels = np.asarray(rgb, np.uint8)
    return np.ascontiguousarray(pixels[:, :, ::-1])


def picture_size(path: str | Path) -> tuple[int, int]:
    """Width and height of a photograph, from its header (raises when it is not one)."""
    from PIL import Image

    with Image.open(path) as image:
        return image.width, image.height
