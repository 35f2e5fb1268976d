"""`companion preview FILE [--at M:SS]`: the timeline as text, no sound and no pictures."""

from __future__ import annotations

import argparse
import sys

from companion.commands import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, load_or_report


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("preview", help="print a script's timeline (no sound, no pictures)")
    parser.add_argument("file", metavar="FILE")
    parser.add_argument("--at", metavar="M:SS", help="show what is playing at this moment")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from companion.script.durations import DurationError, parse_duration
    from companion.session.preview import at_moment, timeline

    script = load_or_report(args.file)
    if script is None:
        return EXIT_FINDINGS
    if args.at is None:
        print("\n".join(timeline(script)))
        return EXIT_OK
    try:
        seconds = 0.0 if args.at.strip() in ("0", "0:00") else parse_duration(args.at)
    except DurationError as exc:
        print(f"companion preview: --at {args.at}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    print("\n".join(at_moment(script, seconds)))
    return EXIT_OK
