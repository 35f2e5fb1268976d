"""A patient's history: the profile, the sessions (from the index, checked against the
records first) and the questionnaires, read together for `show`, `export`, `report`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from companion.patients.index import check_index
from companion.patients.profile import EMPTY, Profile, load_profile_text
from companion.patients.store import IndexedRecord, PatientStore, Questionnaire


@dataclass(frozen=True)
class History:
    code: str
    profile_text: str | None
    profile: Profile  # EMPTY when there is none (or it no longer passes its check)
    sessions: list[IndexedRecord]
    questionnaires: list[Questionnaire]  # taken outside a session


def history(store: PatientStore, code: str, record_dir: Path | None = None) -> History:
    check_index(store, record_dir)
    text = store.profile_text(code)
    loaded = load_profile_text(text, f"{code}.yaml") if text is not None else None
    profile = loaded.profile if loaded is not None and loaded.profile is not None else EMPTY
    return History(code, text, profile, store.indexed(code), store.questionnaires(code))


def load_profile(store: PatientStore, code: str) -> tuple[Profile | None, list[str]]:
    """The stored profile of `code` (None when there is none) and what is wrong with it."""
    text = store.profile_text(code)
    if text is None:
        return None, []
    loaded = load_profile_text(text, f"{code}.yaml")
    return loaded.profile, [str(f) for f in loaded.findings]
