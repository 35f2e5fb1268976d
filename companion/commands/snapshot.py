"""`companion snapshot FILE --out DIR [--size WxH]`: a PNG of each scene, with no screen."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from companion.commands import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, load_or_report

_SIZE = re.compile(r"^\s*(\d{2,5})\s*[xX]\s*(\d{2,5})\s*$")


def parse_size(text: str) -> tuple[int, int]:
    match = _SIZE.match(text)
    if not match:
        raise argparse.ArgumentTypeError(f"'{text}' is not a size like 1280x720")
    width, height = int(match[1]), int(match[2])
    if not (16 <= width <= 8192 and 16 <= height <= 8192):
        raise argparse.ArgumentTypeError(f"'{text}': width and height are from 16 to 8192")
    return width, height


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "snapshot", help="render a PNG of each scene (and each look change) without a screen"
    )
    parser.add_argument("file", metavar="FILE")
    parser.add_argument("--out", metavar="DIR", required=True, help="folder for the pictures")
    parser.add_argument(
        "--size",
        metavar="WxH",
        type=parse_size,
        default=(1280, 720),
        help="picture size (default 1280x720)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    script = load_or_report(args.file)
    if script is None:
        return EXIT_FINDINGS
    from companion.stage.host import StageError
    from companion.stage.snapshot import snapshot_script

    try:
        snapshot_script(script, Path(args.out), args.size, on_file=lambda path: print(path))
    except StageError as exc:
        print(f"companion snapshot: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:
        print(
            f"companion snapshot: cannot write to {args.out}: {exc.strerror or exc}",
            file=sys.stderr,
        )
        return EXIT_USAGE
    return EXIT_OK
