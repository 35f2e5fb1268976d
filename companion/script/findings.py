"""Findings: what `check` reports, each at a file, line and column."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Literal

Severity = Literal["error", "warning", "note"]  # a note: said with --verbose only


@dataclass(frozen=True, order=True)
class Finding:
    file: str
    line: int
    column: int
    severity: Severity
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.severity}: {self.message}"

    def to_json(self) -> dict[str, object]:
        return asdict(self)


def nearest(word: str, choices: Iterable[str]) -> str | None:
    """The closest known name to a misspelling, or None when nothing is close."""
    options = list(choices)
    match = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    if match:
        return match[0]
    lowered = {c.lower(): c for c in options}
    return lowered.get(word.lower())


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """A suffix like "; did you mean 'say'?" or an empty string."""
    guess = nearest(word, choices)
    return f"; did you mean '{guess}'?" if guess and guess != word else ""


def has_errors(findings: Iterable[Finding]) -> bool:
    return any(f.severity == "error" for f in findings)
