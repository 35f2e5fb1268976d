"""`companion narrate FILE...`: render every line that is not in the narration cache yet.

Also: `--export lines.csv` (the lines for a voice artist) and `--import DIR` (link their
recordings to lines by id, and list the lines still unrecorded)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from companion.commands import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, load_or_report
from companion.commands.progress import ProgressBar


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "narrate", help="render narration ahead of time; export or import recordings"
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help="session scripts")
    parser.add_argument(
        "--cache", metavar="DIR", help="narration cache (default: ~/.cache/companion/narration)"
    )
    parser.add_argument(
        "--export",
        metavar="CSV",
        help="write every line (id, scene, text, file) for a voice artist",
    )
    parser.add_argument(
        "--import",
        dest="import_dir",
        metavar="DIR",
        help="link recordings named <line id>.wav (or .flac, .ogg...) in DIR to the lines",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if (args.export or args.import_dir) and len(args.files) != 1:
        print("companion narrate: --export and --import take one script", file=sys.stderr)
        return EXIT_USAGE
    status = EXIT_OK
    for file in args.files:
        script = load_or_report(file)
        if script is None:
            status = EXIT_FINDINGS
            continue
        if args.export:
            status = max(status, _export(script, Path(args.export)))
        elif args.import_dir:
            status = max(status, _import(script, Path(file), Path(args.import_dir)))
        else:
            status = max(status, _render(script, Path(file), args))
    return status


def _render(script, path: Path, args: argparse.Namespace) -> int:
    from companion.audio.narration.cache import NarrationCache
    from companion.audio.narration.prepare import prepare_narration

    bar = None if args.quiet or not sys.stderr.isatty() else ProgressBar(path.name)
    narration = prepare_narration(
        script, path, cache=NarrationCache(args.cache) if args.cache else None, progress=bar
    )
    if bar:
        bar.close()
    print(
        f"{path}: {narration.rendered} rendered, {narration.reused} reused"
        + (f", {narration.recorded} recorded" if narration.recorded else "")
        + f" ({narration.speech_seconds:.1f} s of speech) in {narration.seconds_taken:.2f} s"
        + (f"; voice: {narration.speaker.label}" if narration.speaker else "")
    )
    if narration.speaker is not None and narration.speaker.note:
        print(f"{path}: {narration.speaker.note}", file=sys.stderr)
    if narration.problem:
        print(f"{path}: {narration.problem}", file=sys.stderr)
    for text, why in narration.failed.items():
        print(f'{path}: could not render "{_short(text)}": {why}', file=sys.stderr)
    missing = narration.missing
    if missing:
        print(
            f"{path}: {len(missing)} line(s) have no sound and will show as captions only",
            file=sys.stderr,
        )
        return EXIT_FINDINGS
    return EXIT_OK


def _export(script, out: Path) -> int:
    from companion.audio.narration.lines import script_lines
    from companion.audio.narration.recordings import export_lines

    lines = script_lines(script)
    try:
        count = export_lines(lines, out)
    except OSError as exc:
        print(f"companion narrate: cannot write {out}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_FINDINGS
    without_id = sum(not line.explicit_id for line in lines)
    print(f"wrote {count} line(s) to {out}")
    if without_id:
        print(
            f"{without_id} line(s) have no `id:` and were named by scene and position; "
            "give them an id so their recordings stay linked when the script changes",
            file=sys.stderr,
        )
    return EXIT_OK


def _import(script, path: Path, folder: Path) -> int:
    from companion.audio.narration.lines import script_lines
    from companion.audio.narration.recordings import import_recordings

    if not folder.is_dir():
        print(f"companion narrate: no such folder: {folder}", file=sys.stderr)
        return EXIT_FINDINGS
    try:
        report = import_recordings(script_lines(script), folder, path)
    except OSError as exc:
        print(
            f"companion narrate: cannot write the recordings list: {exc.strerror or exc}",
            file=sys.stderr,
        )
        return EXIT_FINDINGS
    print(
        f"linked {len(report.linked)} recording(s) to lines of {path} (listed in {report.sidecar})"
    )
    for name, why in report.unreadable.items():
        print(f"cannot read {name}: {why}", file=sys.stderr)
    for name in report.unmatched:
        print(f"{name} matches no line id", file=sys.stderr)
    if report.unrecorded:
        print(
            f"{len(report.unrecorded)} line(s) still unrecorded (synthesised voice): "
            f"{', '.join(report.unrecorded)}"
        )
    return EXIT_OK


def _short(text: str, limit: int = 50) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
