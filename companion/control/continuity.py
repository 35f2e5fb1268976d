"""The panel's clocks after `companion resume`: the record's, not the new engine's.

A resumed run's engine starts again at zero; the record goes on from where the session
stopped (its writer adds the run's offset). The panel must show the record's times, or its
session clock restarts beside a dose clock that does not, and a note stamped 1:01 on the panel
is 2:53 in the report. Every session time in the snapshot is shifted the same way.
"""

from __future__ import annotations

from typing import Any


def on_record_clock(snapshot: dict[str, Any], offset: float) -> dict[str, Any]:
    """`snapshot` with its session times in the record's time (a new dict; nested ones that
    change are copied). With no offset it is returned as it is."""
    if not offset:
        return snapshot
    out = dict(snapshot)

    def shift(value: Any) -> Any:
        return round(value + offset, 3) if isinstance(value, (int, float)) else value

    out["session_time"] = shift(snapshot.get("session_time"))
    out["recent_notes"] = [
        {**note, "session_time": shift(note.get("session_time"))}
        for note in snapshot.get("recent_notes") or []
    ]
    dose = snapshot.get("dose")
    if isinstance(dose, dict):
        out["dose"] = {
            **dose,
            **{
                key: shift(dose.get(key))
                for key in ("given_at", "next_vitals", "vitals_due")
                if key in dose
            },
        }
    signal = snapshot.get("patient_signal")
    if isinstance(signal, dict):
        out["patient_signal"] = {**signal, "session_time": shift(signal.get("session_time"))}
    out["record_offset"] = round(offset, 3)
    return out
