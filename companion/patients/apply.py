"""The profile applied where a session is checked or run: `companion check --patient` lists
what would change, `companion run --patient` fits the script before it plays."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path

from companion.patients.fitting import Fitted, fit
from companion.patients.history import load_profile
from companion.patients.profile import Profile
from companion.script import models


class NoProfile(Exception):
    """There is no usable profile for the code; the message says why."""


def profile_for(code: str, record_dir: Path | None) -> Profile | None:
    """The stored profile of `code`, None when there is none. NoProfile when the store cannot
    be opened or the stored profile no longer passes its check."""
    from companion.patients import open_store
    from companion.patients.store import StoreError

    try:
        store = open_store(record_dir)
    except StoreError as exc:
        raise NoProfile(str(exc)) from None
    try:
        profile, problems = load_profile(store, code)
    finally:
        store.close()
    if problems:
        raise NoProfile(
            f"the profile of {code} has errors (companion patients edit {code}):\n"
            + "\n".join(problems)
        )
    return profile


def check_fit(paths: Iterable[str], code: str, record_dir: Path | None) -> bool:
    """Print, for each script, what fitting it to `code` changes; False on a script that
    cannot be fitted (an error at the scene's environment) or when there is no profile."""
    from companion.script import load_script
    from companion.script.loader import script_files

    try:
        profile = profile_for(code, record_dir)
    except NoProfile as exc:
        print(f"companion check: {exc}", file=sys.stderr)
        return False
    if profile is None:
        print(
            f"companion check: no profile for {code} (companion patients edit {code})",
            file=sys.stderr,
        )
        return False
    fine = True
    for path in script_files([p for p in paths if Path(p).exists()]):
        loaded = load_script(path)
        if loaded.script is None or loaded.source is None:
            continue  # its errors were printed by the check itself
        fitted = fit(loaded.script, profile)
        for problem in fitted.problems:
            mark = loaded.source.value_at(("scenes", problem.index, "environment"))
            print(
                f"{path}:{mark.line}:{mark.column}: error: scene '{problem.scene}' cannot be "
                f"fitted to {code}: {problem.message}"
            )
            fine = False
        for line in describe(fitted):
            print(f"{path}: fitted to {code}: {line}")
    return fine


def describe(fitted: Fitted) -> list[str]:
    return [str(s) for s in fitted.substitutions] + [f"note: {w}" for w in fitted.warnings]


def fit_for_run(
    script: models.Script, code: str, record_dir: Path | None, display: str
) -> Fitted | None:
    """The fitted script for `companion run --patient CODE` (printing what changed), the
    script as it is when the code has no profile, or None when it cannot be played."""
    from companion.record.paths import check_patient_code

    if check_patient_code(code):  # the record refuses it, with the reason
        return Fitted(script, display=display, has_profile=False)
    try:
        profile = profile_for(code, record_dir)
    except NoProfile as exc:
        print(f"companion run: {exc}", file=sys.stderr)
        return None
    if profile is None:
        print(f"profile of {code}: none (companion patients edit {code} writes one)")
        return Fitted(script, display=display, has_profile=False)
    fitted = fit(script, profile, display)
    for problem in fitted.problems:
        print(f"companion run: cannot fit the script to {code}: {problem}", file=sys.stderr)
    if fitted.script is None:
        return None
    lines = describe(fitted)
    print(f"profile of {code}: " + ("no changes" if not lines else f"{len(lines)} change(s)"))
    for line in lines:
        print(f"  {line}")
    if fitted.notes.strip():
        print(f"notes: {fitted.notes.strip()}")
    return fitted
