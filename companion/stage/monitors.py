"""Which monitors there are and where, so fullscreen can go to the patient's screen.

Panda3D 1.10 opens fullscreen on the primary monitor only; for another monitor the stage
opens a borderless window exactly covering it. Monitor geometry comes from the desktop:
`xrandr --listmonitors` on X11, EnumDisplayMonitors on Windows; elsewhere only the primary
monitor is known.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Monitor:
    index: int
    x: int
    y: int
    width: int
    height: int
    name: str = ""


_XRANDR = re.compile(
    r"^\s*(\d+):\s+\S+\s+(\d+)/\d+x(\d+)/\d+\+(-?\d+)\+(-?\d+)\s+(\S+)", re.MULTILINE
)


def parse_xrandr(text: str) -> list[Monitor]:
    """Monitors from `xrandr --listmonitors` output, in its order (0 is listed first)."""
    return [
        Monitor(int(m[0]), int(m[3]), int(m[4]), int(m[1]), int(m[2]), m[5])
        for m in _XRANDR.findall(text)
    ]


def list_monitors() -> list[Monitor]:
    """The monitors this desktop reports; empty when it cannot tell."""
    if sys.platform == "win32":
        return _windows_monitors()
    xrandr = shutil.which("xrandr")
    if xrandr is None:
        return []
    try:
        out = subprocess.run(
            [xrandr, "--listmonitors"], capture_output=True, text=True, timeout=5, check=False
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return parse_xrandr(out)


def _windows_monitors() -> list[Monitor]:  # pragma: no cover - only on Windows
    if sys.platform != "win32":  # also tells a type checker that ctypes.windll exists below
        return []
    import ctypes
    from ctypes import wintypes

    found: list[Monitor] = []
    proc = ctypes.WINFUNCTYPE(
        ctypes.c_int,
        wintypes.HMONITOR,
        wintypes.HDC,
        ctypes.POINTER(wintypes.RECT),
        wintypes.LPARAM,
    )

    def callback(_monitor: object, _dc: object, rect: Any, _data: object) -> int:
        r = rect.contents
        found.append(Monitor(len(found), r.left, r.top, r.right - r.left, r.bottom - r.top))
        return 1

    ctypes.windll.user32.EnumDisplayMonitors(None, None, proc(callback), 0)
    return found
