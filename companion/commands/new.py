"""`companion new NAME`: a commented starter script that passes `check`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from companion.commands import EXIT_OK, EXIT_USAGE

SCHEMA_URL = "https://raw.githubusercontent.com/companion-therapy/companion/main/docs/script.schema.json"


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("new", help="write a commented starter script")
    parser.add_argument("name", metavar="NAME", help="a name or a file path (.yaml is added)")
    parser.add_argument("--force", action="store_true", help="overwrite an existing file")
    parser.add_argument("--schema", metavar="URL_OR_PATH",
                        help="the schema the editor header points at (default: docs/script.schema.json "
                             "of this installation)")
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
        path.write_text(starter_script(title, path.name, args.schema or _local_schema()), encoding="utf-8")
    except OSError as exc:
        print(f"companion new: cannot write {path}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_USAGE
    print(f"wrote {path}: check it with `companion check {path}`")
    return EXIT_OK


def _local_schema() -> str:
    """The schema file next to this installation when it is a checkout, else the published one."""
    local = Path(__file__).resolve().parents[2] / "docs" / "script.schema.json"
    return local.as_uri() if local.is_file() else SCHEMA_URL
