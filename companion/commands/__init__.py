"""One module per `companion` subcommand. Each has `register(subparsers)`, which adds its
parser and sets `handler`; handlers import heavy parts (Panda3D, pygame) only when they run."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


def load_or_report(path: str, **kwargs: Any):  # -> Script | None
    """Load a script to play it; print its findings to stderr; None when it has errors."""
    from companion.script import load_script

    loaded = load_script(path, **kwargs)
    for finding in loaded.findings:
        print(finding, file=sys.stderr)
    return loaded.script if loaded.ok else None


def add_record_dir(parser: argparse.ArgumentParser, **extra: Any) -> None:
    """The `--record-dir DIR` of the commands that read records (records, report)."""
    parser.add_argument(
        "--record-dir",
        metavar="DIR",
        type=Path,
        help="where records are kept (default: the user's data folder)",
        **extra,
    )
