"""Text from the panel, cleaned before it reaches the engine and the record.

A note is shown on the panel, written to the record, and printed by `report --format md` on a
terminal: a control character in it could move the cursor, clear the screen or colour the
terminal, and a right-to-left override turns the rest of a line around. Newline and tab stay
(a note may have lines); every other control character and the invisible direction marks
that reorder text are removed.
"""

from __future__ import annotations

import unicodedata
from typing import Any

KEPT = {"\n", "\t"}
# Bidirectional embeddings, overrides and isolates (Unicode category Cf): they reorder what
# follows them. Other Cf characters (zero-width joiners in emoji and Indic scripts) stay.
DIRECTION_MARKS = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
TEXT_ARGUMENTS = {
    "note": ("text",),
    "medicine": ("text",),
    "patient_signal": ("via",),
    "closing": ("adverse_events", "outcome"),
}


def clean_text(text: str) -> str:
    """`text` without control characters other than newline and tab (a CR LF becomes a
    newline), and without the marks that reorder text."""
    text = text.replace("\r\n", "\n")
    return "".join(
        c
        for c in text
        if c in KEPT or not (unicodedata.category(c) == "Cc" or c in DIRECTION_MARKS)
    )


def clean_arguments(name: str, args: dict[str, Any]) -> dict[str, Any]:
    """The command's arguments with its free text cleaned (see clean_text)."""
    keys = TEXT_ARGUMENTS.get(name, ())
    if not any(isinstance(args.get(key), str) for key in keys):
        return args
    return {
        key: clean_text(value) if key in keys and isinstance(value, str) else value
        for key, value in args.items()
    }
