"""The command line. Subcommands live in companion/commands/, one module each."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence

from companion import __version__
from companion.commands import (
    EXIT_OK,
    EXIT_USAGE,
    check,
    library,
    music,
    narrate,
    new,
    patients,
    preview,
    records,
    report,
    run,
    schema,
    snapshot,
    voices,
)

SUBCOMMANDS = (
    run,
    check,
    schema,
    preview,
    snapshot,
    narrate,
    library,
    music,
    new,
    report,
    records,
    patients,
    voices,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="companion",
        description=(
            "Guided-session audio and VR companion. Write sessions in YAML, check and preview "
            "them, and play them with the therapist steering from a panel."
        ),
    )
    parser.add_argument("--version", action="version", version=f"companion {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in SUBCOMMANDS:
        module.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace], int] | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return EXIT_USAGE
    try:
        return handler(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK
