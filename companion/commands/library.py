"""`companion library`: every bundled sound with its length and loudness (`--json` too)."""

from __future__ import annotations

import argparse
import json
import sys

from companion.commands import EXIT_FINDINGS, EXIT_OK


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("library", help="list the bundled sounds with length and loudness")
    parser.add_argument("--json", action="store_true", help="a JSON list of every file")
    parser.add_argument(
        "--measure",
        action="store_true",
        help="measure each file now instead of reading the manifest",
    )
    parser.add_argument(
        "--make", action="store_true", help="make the library first if it is missing or stale"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from companion.audio.library import Library, ensure_library

    if args.make:
        library = ensure_library(progress=lambda line: print(line, file=sys.stderr))
    else:
        library = Library()
    problem = library.problem()
    if problem:
        print(
            f"companion library: {problem}; make it with scripts/make-library "
            "(or companion library --make)",
            file=sys.stderr,
        )
        return EXIT_FINDINGS
    entries = library.entries()
    if args.measure:
        entries = [_measure(library, entry) for entry in entries]
    if args.json:
        print(json.dumps(entries, indent=2))
        return EXIT_OK
    print(
        f"{'kind':9} {'name':12} {'layer':7} {'length':>8} "
        f"{'loudness':>10} {'target':>7} {'peak':>9}"
    )
    for e in entries:
        print(
            f"{e['kind']:9} {e['name']:12} {e['role'] or '-':7} {_length(e['seconds']):>8} "
            f"{e['loudness_lufs']:>6.1f} LUFS {e['target_lufs']:>7.1f} "
            f"{e['true_peak_dbtp']:>5.1f} dBTP"
        )
    print(f"{len(entries)} files in {library.root}", file=sys.stderr)
    return EXIT_OK


def _length(seconds: float) -> str:
    minutes, rest = divmod(seconds, 60)
    return f"{int(minutes)}:{rest:04.1f}"


def _measure(library, entry: dict) -> dict:
    from companion.audio.loudness import integrated_loudness
    from companion.audio.signal import db, true_peak

    audio, rate = library.read(entry["file"])  # as it plays: a loop without its padding
    return {
        **entry,
        "seconds": round(audio.shape[0] / rate, 3),
        "loudness_lufs": round(integrated_loudness(audio, rate), 2),
        "true_peak_dbtp": round(db(true_peak(audio)), 2),
    }
