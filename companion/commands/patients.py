"""`companion patients` lists the patients (by code); `patients edit | show | export | delete
CODE` and `patients questionnaire CODE` work on one (companion/patients/)."""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from companion.commands import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE


def _record_dir(parser: argparse.ArgumentParser, default: Any = None) -> None:
    parser.add_argument(
        "--record-dir",
        metavar="DIR",
        type=Path,
        default=default,
        help="where records (and the patients' store beside them) are kept",
    )


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "patients", help="patients' profiles, questionnaires and history, by code"
    )
    _record_dir(parser)
    parser.set_defaults(handler=run_list)
    actions = parser.add_subparsers(dest="patients_action", metavar="ACTION")
    for name, helptext, handler in (
        ("edit", "write or change a profile in $EDITOR (checked before it is kept)", run_edit),
        ("show", "the profile and the sessions of a code", run_show),
        ("export", "everything held about a code, records included, as one folder", run_export),
        ("delete", "remove everything about a code, records included (asks first)", run_delete),
    ):
        sub = actions.add_parser(name, help=helptext)
        sub.add_argument("code", metavar="CODE", help="the patient's code (never a name)")
        _record_dir(sub, argparse.SUPPRESS)
        sub.set_defaults(handler=handler)
        if name == "export":
            sub.add_argument("--out", metavar="DIR", type=Path, help="the folder to write")
        if name == "delete":
            sub.add_argument("-y", "--yes", action="store_true", help="do not ask")
    ask = actions.add_parser(
        "questionnaire", help="enter a PHQ-9 or GAD-7 for a code (asked item by item)"
    )
    ask.add_argument("code", metavar="CODE", help="the patient's code (never a name)")
    ask.add_argument("instrument", choices=("PHQ-9", "GAD-7"), help="which questionnaire")
    ask.add_argument(
        "--answers", metavar="N,N,...", help="every answer (0-3) at once, instead of asking"
    )
    _record_dir(ask, argparse.SUPPRESS)
    ask.set_defaults(handler=run_questionnaire)


def _code(args: argparse.Namespace, command: str) -> str | None:
    from companion.record.paths import check_patient_code

    problem = check_patient_code(args.code)
    if problem:
        print(f"companion patients {command}: {problem}", file=sys.stderr)
        return None
    return str(args.code)


def _open(command: str, record_dir: Path | None) -> Any:
    from companion.patients import open_store
    from companion.patients.store import StoreError

    try:
        return open_store(record_dir)
    except StoreError as exc:
        print(f"companion patients {command}: {exc}", file=sys.stderr)
        return None


def run_list(args: argparse.Namespace) -> int:
    from companion.patients.index import check_index

    store = _open("", args.record_dir)
    if store is None:
        return EXIT_FINDINGS
    try:
        check_index(store, args.record_dir)
        codes = store.patients()
        with_profile = set(store.profile_codes())
        rows = [("CODE", "PROFILE", "SESSIONS", "LAST")]
        for code in codes:
            sessions = store.indexed(code)
            last = max((s.date or "" for s in sessions), default="")[:10] or "-"
            rows.append((code, "yes" if code in with_profile else "no", str(len(sessions)), last))
    finally:
        store.close()
    if not codes:
        print("no patients yet (companion patients edit CODE writes a profile)", file=sys.stderr)
        return EXIT_OK
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    for row in rows:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    return EXIT_OK


def run_show(args: argparse.Namespace) -> int:
    from companion.patients.history import history
    from companion.record.summary import format_time

    code = _code(args, "show")
    store = _open("show", args.record_dir) if code else None
    if store is None or code is None:
        return EXIT_USAGE
    try:
        found = history(store, code, args.record_dir)
    finally:
        store.close()
    if found.profile_text is None and not found.sessions and not found.questionnaires:
        print(f"companion patients show: nothing is held about {code}", file=sys.stderr)
        return EXIT_FINDINGS
    print(f"# patient {code}")
    print(found.profile_text.rstrip() if found.profile_text else "# no profile")
    print(f"# {len(found.sessions)} session(s)")
    for s in found.sessions:
        state = "ended" if s.ended else "not ended"
        print(f"#   {(s.date or '?')[:16]}  {s.title}  {format_time(s.length)}  {state}  {s.id}")
    for q in found.questionnaires:
        print(f"#   {q.taken[:16]}  {q.instrument} {q.score}")
    return EXIT_OK


def _editor() -> list[str]:
    return shlex.split(os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi")


def run_edit(args: argparse.Namespace) -> int:
    from companion.patients.profile import load_profile_text, template

    code = _code(args, "edit")
    store = _open("edit", args.record_dir) if code else None
    if store is None or code is None:
        return EXIT_USAGE
    try:
        text = store.profile_text(code) or template(code)
        with tempfile.TemporaryDirectory(prefix="companion-profile-") as folder:
            path = Path(folder) / f"{code}.yaml"
            path.write_text(text, encoding="utf-8")
            os.chmod(path, 0o600)
            while True:
                before = path.read_text(encoding="utf-8")
                try:
                    subprocess.run([*_editor(), str(path)], check=False)
                except OSError as exc:
                    print(
                        f"companion patients edit: cannot start the editor: {exc}", file=sys.stderr
                    )
                    return EXIT_USAGE
                after = path.read_text(encoding="utf-8", errors="replace")
                loaded = load_profile_text(after, path.name)
                for finding in loaded.findings:
                    print(finding, file=sys.stderr)
                if loaded.ok:
                    store.save_profile(code, after)
                    print(f"kept the profile of {code}", file=sys.stderr)
                    return EXIT_OK
                if after == before:  # closed again without a change: give up, keep nothing
                    print(f"the profile of {code} was not kept (it has errors)", file=sys.stderr)
                    return EXIT_FINDINGS
                print("opening the profile again to mend it", file=sys.stderr)
    finally:
        store.close()


def run_export(args: argparse.Namespace) -> int:
    from companion.patients.history import history

    code = _code(args, "export")
    store = _open("export", args.record_dir) if code else None
    if store is None or code is None:
        return EXIT_USAGE
    try:
        found = history(store, code, args.record_dir)
    finally:
        store.close()
    out: Path = args.out or Path(f"{code}-export")
    if out.is_file() or (out.is_dir() and any(out.iterdir())):
        print(f"companion patients export: {out} exists and is not empty", file=sys.stderr)
        return EXIT_USAGE
    try:
        out.mkdir(parents=True, exist_ok=True, mode=0o700)
        if found.profile_text is not None:
            (out / "profile.yaml").write_text(found.profile_text, encoding="utf-8")
        (out / "questionnaires.json").write_text(
            json.dumps([q.__dict__ for q in found.questionnaires], indent=2), encoding="utf-8"
        )
        (out / "sessions.json").write_text(
            json.dumps([s.__dict__ for s in found.sessions], indent=2, default=list),
            encoding="utf-8",
        )
        for session in found.sessions:
            shutil.copytree(
                session.folder, out / "records" / session.id, ignore=shutil.ignore_patterns("lock")
            )
    except OSError as exc:
        print(f"companion patients export: cannot write {out}: {exc}", file=sys.stderr)
        return EXIT_FINDINGS
    print(
        f"wrote {out}: profile {'yes' if found.profile_text else 'none'}, "
        f"{len(found.sessions)} record(s), {len(found.questionnaires)} questionnaire(s)",
        file=sys.stderr,
    )
    return EXIT_OK


def run_delete(args: argparse.Namespace) -> int:
    from companion.patients.index import check_index
    from companion.record import RecordError, delete_record

    code = _code(args, "delete")
    store = _open("delete", args.record_dir) if code else None
    if store is None or code is None:
        return EXIT_USAGE
    try:
        check_index(store, args.record_dir)
        sessions = store.indexed(code)
        has_profile = store.profile_text(code) is not None
        count = len(store.questionnaires(code))
        if not sessions and not has_profile and not count:
            print(f"companion patients delete: nothing is held about {code}", file=sys.stderr)
            return EXIT_FINDINGS
        if not args.yes:
            print(
                f"Delete everything about {code} for good: "
                f"{'the profile, ' if has_profile else ''}{len(sessions)} session record(s) "
                f"and {count} questionnaire(s)? [y/N] ",
                end="",
                file=sys.stderr,
                flush=True,
            )
            answer = sys.stdin.readline().strip().lower()
            if answer not in ("y", "yes"):
                print("not deleted", file=sys.stderr)
                return EXIT_FINDINGS
        failed = []
        for session in sessions:
            try:
                delete_record(session.folder)
            except RecordError as exc:
                failed.append(str(exc))
        gone = store.forget_patient(code)
        check_index(store, args.record_dir)  # a record that could not be deleted comes back
    finally:
        store.close()
    for message in failed:
        print(f"companion patients delete: {message}", file=sys.stderr)
    print(
        f"deleted {code}: profile {'yes' if gone.profile else 'none'}, "
        f"{len(sessions) - len(failed)} record(s), {gone.questionnaires} questionnaire(s)",
        file=sys.stderr,
    )
    return EXIT_FINDINGS if failed else EXIT_OK


def run_questionnaire(args: argparse.Namespace) -> int:
    from companion.patients.questionnaire import ask, take

    code = _code(args, "questionnaire")
    if code is None:
        return EXIT_USAGE
    if args.answers is not None:
        try:
            answers = [int(part) for part in args.answers.replace(" ", "").split(",")]
        except ValueError:
            print(
                "companion patients questionnaire: answers are numbers 0-3, N,N,...",
                file=sys.stderr,
            )
            return EXIT_USAGE
    else:
        found = ask(args.instrument, sys.stdin, sys.stderr)
        if found is None:
            return EXIT_FINDINGS
        answers = found
    store = _open("questionnaire", args.record_dir)
    if store is None:
        return EXIT_FINDINGS
    try:
        result = take(store, code, args.instrument, answers)
    finally:
        store.close()
    if isinstance(result, str):
        print(f"companion patients questionnaire: {result}", file=sys.stderr)
        return EXIT_USAGE
    print(f"{code} {args.instrument} {result['score']} ({result['severity']}), {result['taken']}")
    if result.get("follow_up"):
        print(f"follow up: {result['follow_up']}")
    return EXIT_OK
