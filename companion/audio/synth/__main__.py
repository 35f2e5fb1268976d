"""python -m companion.audio.synth [--force] [--quiet]: make the sound library (audio/)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from companion.audio import library as lib


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make-library", description=__doc__)
    parser.add_argument("--force", action="store_true", help="make it even when it is up to date")
    parser.add_argument("--quiet", action="store_true", help="print only problems")
    parser.add_argument(
        "--root", type=Path, default=lib.ROOT, help="where to write (default: audio/)"
    )
    args = parser.parse_args(argv)
    library = lib.Library(args.root)
    problem = library.problem()
    if problem is None and not args.force:
        if not args.quiet:
            print(f"the sound library is up to date ({args.root})")
        return 0
    from companion.audio.synth.build import build_library, building

    say = (lambda line: None) if args.quiet else (lambda line: print(line, flush=True))
    with building(args.root):
        problem = lib.Library(args.root).problem()
        if problem is None and not args.force:
            say("the sound library was made meanwhile")
            return 0
        say(f"making the sound library in {args.root} ({problem or 'forced'})")
        manifest = build_library(args.root, progress=say)
    say(f"made {len(manifest['files'])} files in {manifest['seconds_to_make']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
