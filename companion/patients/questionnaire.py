"""PHQ-9 and GAD-7 taken outside a session (`companion patients questionnaire CODE NAME`):
asked item by item on the terminal, scored (companion/session/ratings.py), kept in the store
with the date and time."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TextIO

from companion.patients.store import PatientStore, Questionnaire
from companion.session.commands import Refused
from companion.session.ratings import INSTRUMENTS, questionnaire_fields


def ask(instrument: str, answers_in: TextIO, out: TextIO) -> list[int] | None:
    """Each item with its choices; an answer 0-3 per line. None when input ends early."""
    found = INSTRUMENTS[instrument]
    print(found.stem, file=out)
    print("  ".join(f"{n} {text}" for n, text in enumerate(found.choices)), file=out)
    answers: list[int] = []
    for number, item in enumerate(found.items, 1):
        while True:
            print(f"{number}. {item} [0-3]: ", end="", file=out, flush=True)
            line = answers_in.readline()
            if not line:
                print("\nnot kept (the answers ended early)", file=out)
                return None
            if line.strip() in ("0", "1", "2", "3"):
                answers.append(int(line.strip()))
                break
            print("  answer 0, 1, 2 or 3", file=out)
    return answers


def take(
    store: PatientStore,
    code: str,
    instrument: str,
    answers: list[int],
    when: datetime | None = None,
) -> dict[str, Any] | str:
    """Score and keep; the scored fields with `taken`, or why not (a message)."""
    try:
        fields = questionnaire_fields(instrument, answers)
    except Refused as exc:
        return str(exc)
    taken = (when or datetime.now().astimezone()).isoformat(timespec="seconds")
    store.add_questionnaire(Questionnaire(code, instrument, tuple(answers), fields["score"], taken))
    return {**fields, "taken": taken}
