"""`companion report ID --format csv`: one row per vitals check, for a spreadsheet or the
clinic's own system. Headers and values in a clinician's words; an empty cell is a value not
taken."""

from __future__ import annotations

import csv
import io
from datetime import datetime

from companion.protocols.model import VITALS
from companion.record.summary import Summary, format_time

HEADERS = [
    "Record",
    "Patient code",
    "Date and time",
    "Session time",
    "Minutes after dose",
    "Systolic (mmHg)",
    "Diastolic (mmHg)",
    "Heart rate (/min)",
    "SpO2 (%)",
    "Respiratory rate (/min)",
    "Sedation",
    "Dissociation",
    "Outside limits",
    "Checkpoint",
    "On time",
    "Comment",
]
SIGNS = ("systolic", "diastolic", "heart_rate", "spo2", "respiratory_rate")


def render_csv(summary: Summary) -> str:
    clinical = summary.clinical
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")  # RFC 4180, as spreadsheets expect
    writer.writerow(HEADERS)
    given = clinical.dose_time
    for check in clinical.checks:
        when = (
            datetime.fromtimestamp(check.wall, summary.zone).isoformat(timespec="seconds")
            if check.wall is not None
            else ""
        )
        outside = "; ".join(
            f"{VITALS[s][0]} {'low' if side == 'low' else 'high'}"
            for s, side in check.flags.items()
        )
        on_time = "" if check.on_time is None else ("yes" if check.on_time else "late")
        row = [
            summary.record_id,
            summary.patient or "",
            when,
            format_time(check.time),
            "" if given is None else f"{(check.time - given) / 60:.1f}",
        ]
        row += [_number(check.get(sign)) for sign in SIGNS]
        sedation = check.get("sedation")
        row += [
            "" if sedation is None else str(sedation),
            str(check.get("dissociation") or ""),
            outside,
            check.checkpoint or "",
            on_time,
            _safe(check.comment),
        ]
        writer.writerow(row)
    return out.getvalue()


def _number(value: object) -> str:
    return f"{value:g}" if isinstance(value, (int, float)) and not isinstance(value, bool) else ""


def _safe(cell: str) -> str:
    """Free text a spreadsheet will not run as a formula (a comment starting with '=')."""
    return "'" + cell if cell[:1] in ("=", "+", "-", "@") and not _is_number(cell) else cell


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
