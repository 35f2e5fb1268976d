"""`companion preview FILE`: the timeline as text (no sound, no pictures), or with `--window`
the stage and the sound, reloading as the file is edited."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from companion.commands import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, load_or_report

if TYPE_CHECKING:
    from companion.script.models import Script


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from companion.commands.run import _size

    parser = commands.add_parser(
        "preview",
        help="a script's timeline as text, or --window to see and hear it, reloading as you edit",
    )
    parser.add_argument("file", metavar="FILE")
    parser.add_argument("--at", metavar="M:SS", help="(text) show what is playing at this moment")
    window = parser.add_argument_group("the preview window")
    window.add_argument(
        "--window",
        action="store_true",
        help="open the stage with sound; keys move around; edits reload within a second",
    )
    window.add_argument(
        "--display", choices=("window", "fullscreen", "stereo", "vr"), default="window"
    )
    window.add_argument("--size", type=_size, default=(1280, 720), metavar="WxH")
    window.add_argument("--offscreen", action="store_true", help="draw through EGL with no screen")
    window.add_argument(
        "--speed", type=float, choices=(1.0, 2.0, 4.0), default=1.0, help="1, 2 or 4"
    )
    window.add_argument("--scene", metavar="ID", help="begin at this scene")
    window.add_argument("--release-holds", action="store_true", help="continue every hold at once")
    window.add_argument("--quit-at-end", action="store_true", help="close when the script ends")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    script = load_or_report(args.file)
    if script is None:
        return EXIT_FINDINGS
    if args.window:
        return _window(script, args)
    from companion.script.durations import DurationError, parse_duration
    from companion.session.preview import at_moment, timeline

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


def _window(script: Script, args: argparse.Namespace) -> int:
    from companion.commands.progress import narration_bar
    from companion.preview_app import PreviewApp, PreviewOptions
    from companion.wiring import StartupError

    if args.scene and script.scene_index(args.scene) is None:
        print(f"companion preview: no scene '{args.scene}'", file=sys.stderr)
        return EXIT_USAGE
    options = PreviewOptions(
        display=args.display,
        size=args.size,
        offscreen=args.offscreen,
        speed=args.speed,
        scene=args.scene,
        release_holds=args.release_holds,
        quit_at_end=args.quit_at_end,
        out=lambda line: print(line, flush=True),
        progress=narration_bar(),
    )
    app = PreviewApp(Path(args.file), script, options)
    try:
        app.open()
    except StartupError as exc:
        app.close()
        print(f"companion preview: {exc}", file=sys.stderr)
        return EXIT_USAGE
    return app.run()
