"""`companion report RECORD [--format html|md|csv|fhir] [--out FILE]`: a readable, printable report
of one session from its record."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from companion.commands import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, add_record_dir


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "report", help="a session's report (HTML or Markdown) from its record"
    )
    parser.add_argument(
        "record",
        metavar="RECORD",
        nargs="?",
        help="a record's folder, its events.jsonl, or an id that `companion records` lists",
    )
    parser.add_argument(
        "--patient",
        metavar="CODE",
        help="instead of one record: every session of a patient code, over time (html or md)",
    )
    parser.add_argument(
        "--format",
        choices=("html", "md", "csv", "fhir"),
        default="html",
        help="html (default: one printable page, timeline included), md (Markdown), csv (one "
        "row per vitals check) or fhir (the vitals as an HL7 FHIR R4 Bundle of Observations)",
    )
    parser.add_argument(
        "--out", metavar="FILE", help="write the report to FILE instead of printing it"
    )
    add_record_dir(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if args.patient is not None or args.record is None:
        return _patient(args)
    from companion.record import RecordError, load_record, render_report
    from companion.record.clinic import load_clinic
    from companion.record.summary import collector

    collected = collector()  # the summary is built in the reader's one pass
    try:
        record = load_record(args.record, args.record_dir, observe=collected)
    except RecordError as exc:
        print(f"companion report: {exc}", file=sys.stderr)
        return EXIT_FINDINGS
    for problem in record.problems:
        print(f"{record.folder}: warning: {problem}", file=sys.stderr)
    clinic = load_clinic()
    if clinic.warning:
        print(f"companion report: warning: {clinic.warning}", file=sys.stderr)
    text = render_report(record, args.format, clinic, collected)
    if args.out is None:
        sys.stdout.write(text)
        return EXIT_OK
    try:
        Path(args.out).write_text(text, encoding="utf-8")
    except OSError as exc:
        print(f"companion report: cannot write {args.out}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_FINDINGS
    print(f"wrote {args.out}", file=sys.stderr)
    return EXIT_OK


def _patient(args: argparse.Namespace) -> int:
    """`companion report --patient CODE` (companion/patients/report.py)."""
    from companion.patients.report import patient_report
    from companion.patients.store import StoreError
    from companion.record.paths import check_patient_code

    if args.record is not None or args.patient is None:
        print("companion report: give a RECORD or --patient CODE (one of them)", file=sys.stderr)
        return EXIT_USAGE
    problem = check_patient_code(args.patient)
    if problem or args.format not in ("html", "md"):
        print(f"companion report: {problem or '--patient reports are html or md'}", file=sys.stderr)
        return EXIT_USAGE
    try:
        text, message = patient_report(args.patient, args.record_dir, args.format)
    except StoreError as exc:
        print(f"companion report: {exc}", file=sys.stderr)
        return EXIT_FINDINGS
    if text is None:
        print(f"companion report: {message}", file=sys.stderr)
        return EXIT_FINDINGS
    return _write(text, args.out)


def _write(text: str, out: str | None) -> int:
    if out is None:
        sys.stdout.write(text)
        return EXIT_OK
    try:
        Path(out).write_text(text, encoding="utf-8")
    except OSError as exc:
        print(f"companion report: cannot write {out}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_FINDINGS
    print(f"wrote {out}", file=sys.stderr)
    return EXIT_OK
