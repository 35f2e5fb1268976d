"""`companion run FILE` and `companion resume RECORD`: a session for real, with the patient's
view, the sound, the therapist's panel and the record."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from companion.commands import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, load_or_report
from companion.commands.progress import narration_bar

if TYPE_CHECKING:  # at run time these load only when a session runs
    from companion.app import RunOptions
    from companion.protocols import Protocol
    from companion.script.models import Script

DISPLAYS = ("window", "fullscreen", "stereo", "vr", "none")


def _size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a size like 1280x720") from None
    if not (160 <= width <= 16384 and 120 <= height <= 16384):
        raise argparse.ArgumentTypeError(f"'{text}' is not a sensible window size")
    return width, height


def _speed(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number") from None
    if not 0.1 <= value <= 1000:
        raise argparse.ArgumentTypeError("the speed is from 0.1 to 1000")
    return value


def _clinician(text: str) -> str:
    name = " ".join(text.split())
    if not 0 < len(name) <= 120 or not name.isprintable():
        raise argparse.ArgumentTypeError(
            "a clinician's name is printable text of up to 120 characters"
        )
    return name


def _add_session_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--display",
        choices=DISPLAYS,
        default="window",
        help="window (default), fullscreen, stereo (side by side), vr (a headset through "
        "OpenXR), or none (sound only)",
    )
    parser.add_argument(
        "--monitor", type=int, metavar="N", help="the monitor for fullscreen (0 = primary)"
    )
    parser.add_argument(
        "--size", type=_size, default=(1280, 720), metavar="WxH", help="window size"
    )
    parser.add_argument(
        "--offscreen",
        action="store_true",
        help="draw without a screen, through EGL (servers and tests)",
    )
    parser.add_argument(
        "--panel-host",
        default=None,
        metavar="HOST",
        help="address the panel listens on (0.0.0.0 for a tablet on this network; "
        "run: 127.0.0.1 by default; resume: as the stopped run)",
    )
    parser.add_argument(
        "--panel-port",
        type=int,
        default=None,
        metavar="PORT",
        help="0 picks a free port (run: 8765 by default; resume: the stopped run's)",
    )
    parser.add_argument(
        "--panel-url-host",
        metavar="NAME",
        help="the host name in the panel's link (a name the clinic set up for this machine)",
    )
    parser.add_argument(
        "--panel-tls",
        action="store_true",
        help="serve the panel over HTTPS with a self-signed certificate, made once",
    )
    parser.add_argument(
        "--panel-cert", type=Path, metavar="FILE", help="the panel's TLS certificate (PEM)"
    )
    parser.add_argument(
        "--panel-key", type=Path, metavar="FILE", help="the key of --panel-cert (PEM)"
    )
    parser.add_argument(
        "--record-dir", type=Path, metavar="DIR", help="where session records are kept"
    )
    parser.add_argument(
        "--no-qr", dest="qr", action="store_false", help="do not print the panel's QR code"
    )
    parser.add_argument(
        "--clinician",
        type=_clinician,
        metavar="NAME",
        help="who runs the session, for the record and its report",
    )
    parser.add_argument(
        "--protocol",
        metavar="NAME|FILE",
        help="the dose protocol: esketamine-nasal, ketamine-im, ketamine-sublingual, "
        "ketamine-iv, or a clinic's own file (docs/clinic-setup.md)",
    )
    parser.add_argument(
        "--after-end",
        choices=("stay", "close"),
        default="stay",
        help="after the session's end: the panel stays for ratings, vitals and the closing "
        "entries until Close the session (stay, the default), or the program exits (close: "
        "unattended runs)",
    )
    parser.add_argument("--speed", type=_speed, default=1.0, help=argparse.SUPPRESS)


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    run_parser = commands.add_parser(
        "run", help="play a session: the patient's view, sound, panel and record"
    )
    run_parser.add_argument("file", metavar="FILE")
    _add_session_options(run_parser)
    run_parser.add_argument(
        "--patient", metavar="CODE", help="the patient's code for the record (no names)"
    )
    run_parser.add_argument(
        "--autostart", action="store_true", help="start at once, without the panel's Start"
    )
    run_parser.set_defaults(handler=run)

    resume_parser = commands.add_parser(
        "resume", help="continue a session that did not end, from its record"
    )
    resume_parser.add_argument(
        "record", metavar="RECORD", help="a record folder, or its id from `companion records`"
    )
    _add_session_options(resume_parser)
    resume_parser.set_defaults(handler=resume)


def _options(args: argparse.Namespace, **extra: Any) -> RunOptions:
    from companion.app import RunOptions

    port, host = args.panel_port, args.panel_host
    if "resume" not in extra:  # a resume serves the panel as the stopped run did (control/keep.py)
        port = 8765 if port is None else port
        host = host or "127.0.0.1"
    return RunOptions(
        display=args.display,
        monitor=args.monitor,
        size=args.size,
        offscreen=args.offscreen,
        panel_host=host,
        panel_port=port,
        record_dir=args.record_dir,
        panel_url_host=args.panel_url_host,
        panel_tls=args.panel_tls,
        panel_cert=args.panel_cert,
        panel_key=args.panel_key,
        qr=args.qr,
        speed=args.speed,
        after_end=args.after_end,
        progress=narration_bar(),
        clinician=args.clinician,
        protocol=_protocol(args),
        **extra,
    )


class _NoProtocol(Exception):
    pass


def _protocol(args: argparse.Namespace) -> Protocol | None:
    if not args.protocol:
        return None
    from companion.protocols import ProtocolError, resolve_protocol

    try:
        return resolve_protocol(args.protocol)
    except ProtocolError as exc:
        for finding in exc.findings:
            print(finding, file=sys.stderr)
        raise _NoProtocol from None


def run(args: argparse.Namespace) -> int:
    script = load_or_report(args.file)
    if script is None:
        return EXIT_FINDINGS
    fitting = None
    if args.patient:  # the patient's profile shapes the session (companion/patients/)
        from companion.patients.apply import fit_for_run

        fitted = fit_for_run(script, args.patient, args.record_dir, args.display)
        if fitted is None or fitted.script is None:
            return EXIT_FINDINGS
        script, args.display = fitted.script, fitted.display
        fitting = fitted.event(args.patient) if fitted.has_profile else None
    try:
        options = _options(args, patient=args.patient, autostart=args.autostart, fitting=fitting)
    except _NoProtocol:
        return EXIT_FINDINGS
    return _play(script, Path(args.file), options)


def resume(args: argparse.Namespace) -> int:
    from companion.record.lock import RecordLock
    from companion.record.paths import RecordError, resolve_record
    from companion.record.reader import load_record
    from companion.record.resume import collector, resume_point

    collected = collector()  # the resume point is found in the reader's one pass
    try:
        folder = resolve_record(args.record, args.record_dir)
        lock = RecordLock.acquire(folder, "resume")  # before reading: no other writer meanwhile
        record = load_record(folder, observe=collected)
    except (RecordError, OSError) as exc:
        print(f"companion resume: {exc}", file=sys.stderr)
        return EXIT_USAGE
    point = resume_point(record, collected)
    if not point.resumable:
        print(f"companion resume: cannot continue this session: {point.why_not}", file=sys.stderr)
        return EXIT_USAGE
    path, warning = point.script_to_play()
    if path is None:
        print(f"companion resume: {warning}", file=sys.stderr)
        return EXIT_USAGE
    if warning:
        print(f"companion resume: {warning}", file=sys.stderr)
    script = load_or_report(str(path))
    fitting = None
    patient = record.start.get("patient")
    if script is not None and isinstance(patient, str) and patient:
        from companion.patients.apply import fit_for_run  # fitted again, as the run was

        fitted = fit_for_run(script, patient, args.record_dir, args.display)
        script = fitted.script if fitted is not None else None
        if fitted is not None:
            args.display = fitted.display
            fitting = fitted.event(patient) if fitted.has_profile else None
    if script is None:
        lock.release()
        return EXIT_FINDINGS
    try:
        options = _options(
            args,
            resume=folder,
            resume_point=point,
            resume_lock=lock,
            resume_record=record,
            fitting=fitting,
        )
    except _NoProtocol:
        lock.release()
        return EXIT_FINDINGS
    return _play(script, path, options)


def _play(script: Script, path: Path, options: RunOptions) -> int:
    from companion.app import SessionApp, StartupError

    app = SessionApp(script, path, options)
    try:
        app.open()
    except StartupError as exc:
        app.close("could not start")
        print(f"companion: {exc}", file=sys.stderr)
        return EXIT_USAGE
    return app.run() or EXIT_OK
