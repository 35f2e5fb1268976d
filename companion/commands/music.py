"""`companion music list | render PIECE`: the composer's pieces, and rendering one to a file
(for authors, for tests, and for a patient to take the session's music home)."""

from __future__ import annotations

import argparse
import difflib
import sys
import time
from pathlib import Path

from companion.commands import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE

MAX_MINUTES = 600.0


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("music", help="list the composer's pieces or render one to a file")
    actions = parser.add_subparsers(dest="music_command", metavar="ACTION")
    listing = actions.add_parser("list", help="the pieces, with what each is for")
    listing.set_defaults(handler=run_list)
    render = actions.add_parser("render", help="render a piece to a WAV, OGG or FLAC file")
    render.add_argument("piece", metavar="PIECE", help="a piece's name (companion music list)")
    render.add_argument("--minutes", type=float, required=True, help="how long (up to 600)")
    render.add_argument(
        "--energy", type=float, default=0.5, help="0 (sparse, soft) .. 1 (full); default 0.5"
    )
    render.add_argument(
        "--tone", type=float, default=0.0, help="-1 (darker) .. 1 (brighter); default 0"
    )
    render.add_argument("--seed", type=int, default=0, help="the same seed gives the same music")
    render.add_argument(
        "--out", required=True, metavar="FILE", help="FILE.wav, FILE.ogg or FILE.flac"
    )
    render.add_argument("-q", "--quiet", action="store_true", help="no progress")
    render.set_defaults(handler=run_render)
    parser.set_defaults(handler=lambda args: _usage(parser))


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return EXIT_USAGE


def run_list(args: argparse.Namespace) -> int:
    from companion.audio.composer.recipes import RECIPES

    for recipe in RECIPES.values():
        print(f"{recipe.name:12} {recipe.purpose}")
    return EXIT_OK


def run_render(args: argparse.Namespace) -> int:
    from companion.audio.composer.offline import FORMATS
    from companion.audio.composer.recipes import RECIPES

    def fail(message: str) -> int:
        print(f"companion music render: {message}", file=sys.stderr)
        return EXIT_USAGE

    if args.piece not in RECIPES:
        near = difflib.get_close_matches(args.piece, list(RECIPES), n=1)
        hint = f" (did you mean {near[0]}?)" if near else f"; the pieces: {', '.join(RECIPES)}"
        return fail(f"no piece named {args.piece!r}{hint}")
    if not 0 < args.minutes <= MAX_MINUTES:
        return fail(f"--minutes must be more than 0 and at most {MAX_MINUTES:g}")
    if not 0 <= args.energy <= 1:
        return fail("--energy must be from 0 to 1")
    if not -1 <= args.tone <= 1:
        return fail("--tone must be from -1 to 1")
    out = Path(args.out)
    if out.suffix.lower() not in FORMATS:
        return fail(f"--out must end in {', '.join(FORMATS)} (not {out.name!r})")
    if not out.parent.is_dir():
        return fail(f"no folder {str(out.parent)!r} to write {out.name!r} in")
    from companion.audio.composer.offline import render_to_file

    show = not args.quiet and sys.stderr.isatty()
    started = time.perf_counter()
    progress = (
        (lambda part: print(f"\r{args.piece}: {part:4.0%}", end="", file=sys.stderr))
        if show
        else None
    )
    try:
        render_to_file(
            args.piece,
            args.minutes * 60,
            out,
            seed=args.seed,
            energy=args.energy,
            tone=args.tone,
            progress=progress,
        )
    except (OSError, RuntimeError) as error:  # soundfile's errors are RuntimeErrors
        print(f"\ncompanion music render: could not write {out}: {error}", file=sys.stderr)
        return EXIT_FINDINGS
    took = time.perf_counter() - started
    if show:
        print(file=sys.stderr)
    print(
        f"{out}: {args.minutes:g} min of {args.piece} (seed {args.seed}, energy {args.energy:g}) "
        f"in {took:.1f} s"
    )
    return EXIT_OK
