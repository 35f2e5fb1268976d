"""`companion schema`: the JSON Schema of the script format, for editors."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from companion.commands import EXIT_OK


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "schema", help="print the JSON Schema (draft 2020-12) of the script format"
    )
    parser.add_argument("--out", metavar="FILE", help="write it to FILE instead")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from companion.script.schema import schema_json

    text = schema_json()
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return EXIT_OK
