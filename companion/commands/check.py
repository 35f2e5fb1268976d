"""`companion check PATH...`: every error and warning, at FILE:LINE:COLUMN."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from companion.commands import EXIT_FINDINGS, EXIT_OK

if TYPE_CHECKING:  # the script package loads only when a command runs
    from companion.script.findings import Severity
    from companion.script.loader import ExtraCheck
    from companion.script.models import Script
    from companion.script.yaml_source import Mark, Source


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "check", help="check scripts: errors and warnings at FILE:LINE:COLUMN"
    )
    parser.add_argument(
        "paths", nargs="+", metavar="PATH", help="script files or folders of scripts"
    )
    parser.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help="json: a list of {file, line, column, severity, message}",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="no summary line")
    parser.add_argument(
        "--patient",
        metavar="CODE",
        help="also list what the patient's profile would change (companion patients)",
    )
    parser.add_argument(
        "--record-dir", metavar="DIR", type=Path, help="where the records and profiles are kept"
    )
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="also a note for each sound file the scripts name: its length and loudness",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from companion.audio.voices import voice_check
    from companion.script import has_errors
    from companion.script.loader import load_script, script_files

    missing = [p for p in args.paths if not Path(p).exists()]
    voices = voice_check()
    findings = []
    for file in script_files(p for p in args.paths if Path(p).exists()):
        # the sound files are named relative to each script's own folder
        checks = [voices, media_files_check, sound_files_check(file.parent, args.verbose)]
        findings += load_script(file, checks=checks).findings
    if args.format == "json":
        print(json.dumps([f.to_json() for f in findings], indent=2))
    else:
        for finding in findings:
            print(finding)
    for path in missing:
        print(f"{path}: error: no such file or folder", file=sys.stderr)
    errors = sum(f.severity == "error" for f in findings)
    warnings = sum(f.severity == "warning" for f in findings)
    if args.format == "text" and not args.quiet:
        print(
            f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}",
            file=sys.stderr,
        )
    fitted = True
    if args.patient:
        from companion.patients.apply import check_fit

        fitted = check_fit(args.paths, args.patient, args.record_dir)
    return EXIT_FINDINGS if has_errors(findings) or missing or not fitted else EXIT_OK


def sound_files_check(folder: Path, verbose: bool) -> ExtraCheck:
    """Opens the sound files a script names (companion/audio/custom.py). Opening them takes
    numpy and libsndfile, so a script that names none checks without them."""

    def check(script: Script, source: Source) -> Iterator[tuple[Mark, Severity, str]]:
        from companion.script.sound_files import references

        if next(references(script, folder), None) is None:
            return
        from companion.audio.custom import sound_check

        yield from sound_check(folder, verbose)(script, source)

    return check


def media_files_check(script: Script, source: Source) -> Iterator[tuple[Mark, Severity, str]]:
    """Opens the media files a script names. Opening them takes the stage's decoders (Panda3D,
    numpy), so a script that names none checks in milliseconds, without them."""
    from companion.script import media

    if not any(media.is_media(scene.environment) for scene in script.scenes):
        return
    from companion.stage.media.inspect import media_check

    for mark, severity, message in media_check()(script, source):
        yield mark, _severity(severity), message


def _severity(name: str) -> Severity:
    """A media finding's severity, which the media check gives as a plain str."""
    if name == "error":
        return "error"
    if name == "note":
        return "note"
    return "warning"
