"""`companion records [--record-dir DIR]` lists session records;
`companion records delete ID [--yes]` removes one; `companion records reindex` rebuilds the
patients' index of records from the records (companion/patients/index.py)."""

from __future__ import annotations

import argparse
import json
import sys

from companion.commands import EXIT_FINDINGS, EXIT_OK, add_record_dir


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("records", help="list session records, or delete one")
    add_record_dir(parser)
    parser.add_argument("--json", action="store_true", help="the list as JSON")
    parser.set_defaults(handler=run_list)
    actions = parser.add_subparsers(dest="records_action", metavar="ACTION")
    delete = actions.add_parser("delete", help="remove one record (asks first)")
    delete.add_argument("id", metavar="ID", help="the record's id (as listed) or its folder")
    delete.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation")
    add_record_dir(delete, default=argparse.SUPPRESS)
    delete.set_defaults(handler=run_delete)
    reindex = actions.add_parser(
        "reindex", help="rebuild the patients' index of records from the records"
    )
    reindex.add_argument(
        "--check",
        action="store_true",
        help="only bring the index in line: read the records that changed or are new",
    )
    add_record_dir(reindex, default=argparse.SUPPRESS)
    reindex.set_defaults(handler=run_reindex)


def run_list(args: argparse.Namespace) -> int:
    from companion.record import default_record_dir, format_time, list_records

    root = args.record_dir or default_record_dir()
    infos = list_records(root)
    if args.json:
        print(json.dumps([info.to_json() for info in infos], indent=2))
        return EXIT_OK
    if not infos:
        print(f"no records in {root}", file=sys.stderr)
        return EXIT_OK
    rows = [("ID", "DATE", "SCRIPT", "PATIENT", "LENGTH", "STATUS")]
    for info in infos:
        status = "ended" if info.ended else "not ended" if info.started else "never started"
        if info.running:
            status = "running"
        if info.why_unreadable:
            print(f"{info.id}: {info.why_unreadable}", file=sys.stderr)
        if info.problems:
            status += f" ({info.problems} problem{'s' * (info.problems != 1)})"
        rows.append(
            (
                info.id,
                info.date.strftime("%Y-%m-%d %H:%M") if info.date else "?",
                _clip(info.title, 32),
                info.patient or "-",
                format_time(info.length),
                status,
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )
    print(f"{len(infos)} record{'s' * (len(infos) != 1)} in {root}", file=sys.stderr)
    return EXIT_OK


def run_delete(args: argparse.Namespace) -> int:
    from companion.record import RecordError, delete_record, load_record, resolve_record
    from companion.record.listing import is_companion_record

    try:
        folder = resolve_record(args.id, args.record_dir)
    except RecordError as exc:
        print(f"companion records delete: {exc}", file=sys.stderr)
        return EXIT_FINDINGS
    try:
        start = load_record(folder).start
    except RecordError as exc:  # unreadable (a later format): still deletable if it is ours
        if not is_companion_record(folder):
            print(f"companion records delete: {exc}", file=sys.stderr)
            return EXIT_FINDINGS
        start = {}
    if not args.yes:
        what = (
            f"{folder.name} ({start.get('title') or start.get('script') or 'unknown script'}"
            f"{', patient ' + start['patient'] if start.get('patient') else ''})"
        )
        print(f"Delete the record {what} for good? [y/N] ", end="", file=sys.stderr, flush=True)
        answer = sys.stdin.readline().strip().lower()
        if answer not in ("y", "yes"):
            print(
                "not deleted"
                + ("" if answer else " (no answer; use --yes to delete without asking)"),
                file=sys.stderr,
            )
            return EXIT_FINDINGS
    try:
        folder = delete_record(str(folder))
    except RecordError as exc:
        print(f"companion records delete: {exc}", file=sys.stderr)
        return EXIT_FINDINGS
    print(f"deleted {folder}", file=sys.stderr)
    return EXIT_OK


def run_reindex(args: argparse.Namespace) -> int:
    from companion.patients.commands import reindex_command

    return reindex_command(args.record_dir, check=args.check)


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
