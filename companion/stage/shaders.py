"""GLSL shaders of the stage, kept as files in assets/shaders, with `#include "x.glsl"`
lines replaced by that file's text (each file included once per shader)."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from panda3d.core import Shader

SHADER_DIR = Path(__file__).parent / "assets" / "shaders"
_INCLUDE = re.compile(r'^\s*#include\s+"([^"]+)"\s*$', re.MULTILINE)


class ShaderError(RuntimeError):
    """A shader file is missing or does not compile."""


def source(name: str) -> str:
    """The text of a shader file with its includes expanded."""
    seen: set[str] = set()

    def expand(file: str) -> str:
        if file in seen:
            return ""
        seen.add(file)
        path = SHADER_DIR / file
        if not path.is_file():
            raise ShaderError(f"shader file {path} is missing")
        text = path.read_text(encoding="utf-8")
        return _INCLUDE.sub(lambda m: expand(m.group(1)), text)

    return expand(name)


def _define(text: str, defines: tuple[tuple[str, int], ...]) -> str:
    if not defines:
        return text
    first, _, rest = text.partition("\n")
    return first + "\n" + "".join(f"#define {k} {v}\n" for k, v in defines) + rest


@cache
def load(vertex: str, fragment: str, defines: tuple[tuple[str, int], ...] = ()) -> Shader:
    """A compiled-on-first-use shader from two files, with `#define`s after the version line
    (cached: shaders are immutable)."""
    shader = Shader.make(
        Shader.SL_GLSL, vertex=source(vertex), fragment=_define(source(fragment), defines)
    )
    if shader is None:
        raise ShaderError(f"shader {vertex} + {fragment} could not be made")
    return shader
