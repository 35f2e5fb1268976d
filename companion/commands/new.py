"""`companion new NAME`: a commented starter script that passes `check`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from companion.commands import EXIT_OK, EXIT_USAGE

SCHEMA_FILE = "script.schema.json"


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("new", help="write a commented starter script")
    parser.add_argument("name", metavar="NAME", help="a name or a file path (.yaml is added)")
    parser.add_argument("--force", action="store_true", help="overwrite an existing file")
    parser.add_argument(
        "--schema",
        metavar="URL_OR_PATH",
        help=f"the schema the editor header points at (default: {SCHEMA_FILE} beside "
        "the script, written there when missing)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from companion.script.starter import starter_script

    path = Path(args.name if args.name.endswith((".yaml", ".yml")) else args.name + ".yaml")
    if path.exists() and not args.force:
        print(f"companion new: {path} exists; use --force to overwrite it", file=sys.stderr)
        return EXIT_USAGE
    title = path.stem.replace("-", " ").replace("_", " ").strip().capitalize() or "A new session"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            starter_script(title, path.name, args.schema or SCHEMA_FILE), encoding="utf-8"
        )
        if args.schema is None:
            _write_schema_beside(path)
    except OSError as exc:
        print(f"companion new: cannot write {path}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_USAGE
    print(f"wrote {path}: check it with `companion check {path}`")
    return EXIT_OK


def _write_schema_beside(script: Path) -> None:
    """Editors read the schema from a file: keep one beside the scripts, offline."""
    from companion.script.schema import schema_json

    schema = script.parent / SCHEMA_FILE
    if not schema.exists():
        schema.write_text(schema_json(), encoding="utf-8")
        print(f"wrote {schema}: the editor header of the script points at it")
