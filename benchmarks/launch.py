"""`companion run` started the way the benchmarks start it: one definition for soak.py and
startup.py (the block was written twice).

Sound goes to SDL's disk driver (the file given), there is no X display, the session starts
and closes on its own (--autostart, --after-end close), the panel takes any free port and
prints no QR code, and the record goes to the folder given.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path


def start_run(
    script: Path,
    display: Sequence[str],
    heard: Path,
    records: Path,
    *extra: str,
    stderr: int | None = subprocess.DEVNULL,
) -> subprocess.Popen[str]:
    """Start `companion run SCRIPT` (with `extra` arguments); its standard output is a pipe
    of text lines, its standard error `stderr` (a pipe, or thrown away)."""
    env = {**os.environ, "SDL_AUDIODRIVER": "disk", "SDL_DISKAUDIOFILE": str(heard)}
    env.pop("DISPLAY", None)
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "companion",
            "run",
            str(script),
            *display,
            "--autostart",
            "--after-end",
            "close",
            *extra,
            "--panel-port",
            "0",
            "--no-qr",
            "--record-dir",
            str(records),
        ],
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
        env=env,
    )
