"""The report's rows, built once from the summary: the session's facts, the dose clock and the
technical appendix. The HTML (report_html.py) and Markdown (report_md.py) reports only format
them: escaping, emphasis and tables are theirs, what a row says is decided here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from companion.record.summary import Summary, every_minutes, format_time


@dataclass(frozen=True)
class Fact:
    """One row of a facts table. `lead`, when given, is said first and stands out (the
    HTML's span of class `css`; Markdown bolds it when `stress`); `text` follows it."""

    label: str
    text: str
    lead: str = ""
    css: str = ""
    stress: bool = False
    code: bool = False  # a code to compare character by character (a hash)


def session_facts(summary: Summary, brief: bool = False) -> list[Fact]:
    """The Session table. `brief`: without the clinician, patient and session rows (the HTML
    report's clinical record above says them already)."""
    start = summary.local_start
    paused = sum(p.end - p.start for p in summary.pauses)
    rows = [Fact("Clinic", summary.clinic or "not named")]
    if not brief:
        rows += [
            Fact("Clinician", summary.clinician or "not named"),
            Fact("Patient code", summary.patient or "none given"),
            Fact("Session", summary.title),
        ]
    rows += [
        Fact(
            "Started", f"{start:%Y-%m-%d %H:%M:%S} ({summary.zone_label()})" if start else "unknown"
        ),
        Fact(
            "Length",
            f"{format_time(summary.length)} (played {format_time(summary.play_time)}, "
            f"paused {format_time(paused)})",
        ),
        _status(summary),
    ]
    if summary.gaps:
        away = sum(g.end - g.start for g in summary.gaps)
        rows.append(
            Fact(
                "Program stops",
                f"{len(summary.gaps)} (resumed each time; {format_time(away)} not recorded)",
            )
        )
    phases = "; ".join(
        f"{name} {format_time(first)}–{format_time(last)} ({format_time(total)})"
        for name, first, last, total in summary.phase_times()
    )
    rows.append(Fact("Phases", phases or "none"))
    return rows


def _after_end(summary: Summary) -> str:
    """The time after the end, when the panel stayed until the therapist closed the session:
    "; ended 10:42, closed 10:58 (16 min after the end)"."""
    if summary.after_end is None and summary.closed_wall is None:
        return ""
    ended, closed = summary.clock_at(summary.ended_wall), summary.clock_at(summary.closed_wall)
    after = f" ({format_time(summary.after_end)} after the end)" if summary.after_end else ""
    if ended and closed:
        return f"; ended {ended[:5]}, closed {closed[:5]}{after}"
    return f"; closed{after or ' after the end'}"


def _status(summary: Summary) -> Fact:
    if summary.ended:
        return Fact(
            "Status", f" ({summary.end_reason or ''}){_after_end(summary)}", "ended", "status-ended"
        )
    if not summary.session_started:
        return Fact("Status", ": nothing to resume", "never started", "status-open", True)
    where = (
        f" in scene {summary.stopped_in[0]}, step {summary.stopped_in[1] + 1}"
        if summary.stopped_in
        else ""
    )
    return Fact(
        "Status",
        f": stopped at {format_time(summary.length)}{where}; it can be resumed",
        "did not end",
        "status-open",
        True,
    )


def technical_facts(summary: Summary, record_id: str, brief: bool = False) -> list[Fact]:
    """The appendix: the record, the script and its hash, versions, display, sound, clock
    changes (`brief`: only when there were some)."""
    versions = ", ".join(f"{k} {v}" for k, v in summary.versions.items() if v)
    rows = [
        Fact("Record", record_id),
        Fact("Script", summary.script),
        Fact("Script SHA-256", summary.script_sha256 or "unknown", code=True),
        Fact("Versions", versions or "unknown"),
        Fact("Display", describe_display(summary.display)),
        Fact("Sound", describe_sound(summary.sound)),
    ]
    if summary.clock_jumps or not brief:
        rows.append(
            Fact("Clock changes", str(summary.clock_jumps) if summary.clock_jumps else "none")
        )
    return rows


@dataclass(frozen=True)
class DoseRow:
    time: str
    clock: str
    label: str


@dataclass(frozen=True)
class CheckRow:
    due: str
    since: str  # "15 min after the medicine"
    checked: str | None  # None: not checked
    late: str


@dataclass(frozen=True)
class DoseRows:
    doses: list[DoseRow]
    intervals: list[str]  # "From 1:30: vitals every 5 minutes"
    checks: list[CheckRow]
    missed: int

    @property
    def empty(self) -> bool:
        return not self.doses and not self.intervals and not self.checks


def dose_rows(summary: Summary) -> DoseRows:
    """The dose clock: the medicine given, the vitals interval's changes, each check due."""
    dose = summary.dose
    first = dose.doses[0].time if dose.doses else 0.0
    return DoseRows(
        [DoseRow(format_time(d.time), summary.clock_at(d.wall), d.label) for d in dose.doses],
        [
            f"From {format_time(at)}: vitals {every_minutes(minutes)}"
            for at, minutes in dose.interval_changes
        ],
        [
            CheckRow(
                format_time(c.due),
                f"{(c.due - first) / 60:.0f} min after the medicine",
                None if c.acknowledged is None else format_time(c.acknowledged),
                "" if c.late is None else format_time(c.late),
            )
            for c in dose.checks
        ],
        len(dose.missed),
    )


@dataclass(frozen=True)
class Rows:
    """A table both formats show alike: `concerns` has, per row, what must stand out after
    its last cell ("" for none); `after` is a sentence under the table."""

    headers: list[str]
    rows: list[list[str]]
    concerns: list[str]
    after: str = ""


def said_rows(summary: Summary) -> Rows:
    """What the patient said: ratings of scenes and music, mood and anxiety, questionnaires."""
    sayings = summary.said.sayings
    return Rows(
        ["Time", "Clock", "About", "Said"],
        [[format_time(s.time), summary.clock_at(s.wall), s.about, s.said] for s in sayings],
        [s.concern or "" for s in sayings],
    )


def music_rows(summary: Summary) -> Rows:
    """The composer's pieces with their seeds, and the command that makes each again: for as
    long as it played, at the energy it started at."""
    music = summary.said.music
    ends = [p.time for p in music[1:]] + [summary.length]
    rows = []
    for played, end in zip(music, ends, strict=True):
        minutes = max(1, math.ceil((end - played.time) / 60))
        again = (
            f"companion music render {played.piece} --seed {played.seed} "
            f"--energy {played.energy:g} --minutes {minutes} --out {played.piece}.ogg"
        )
        rows.append(
            [format_time(played.time), played.piece, str(played.seed), f"{played.energy:g}", again]
        )
    after = (
        f"The session's music seed was {music[0].music_seed}. A piece made again begins as it "
        "began here; the glides between scenes and the intensity changes are not replayed."
        if music
        else ""
    )
    return Rows(
        ["Started", "Piece", "Seed", "Energy", "To make it again"], rows, [""] * len(rows), after
    )


DISPLAYS = {
    "window": "a window",
    "fullscreen": "full screen",
    "stereo": "side-by-side stereo",
    "vr": "a headset",
    "none": "none (sound only)",
}


def describe_display(value: Any) -> str:
    """'full screen on monitor 1' (not the record's fields and their None and False)."""
    if not isinstance(value, dict) or not value:
        return "not recorded"
    mode = value.get("mode")
    text = DISPLAYS.get(mode, str(mode)) if mode else "not recorded"
    if isinstance(value.get("monitor"), int) and not isinstance(value.get("monitor"), bool):
        text += f" on monitor {value['monitor']}"
    if value.get("offscreen") is True:
        text += ", drawn without a screen"
    return text


def describe_sound(value: Any) -> str:
    if not isinstance(value, dict) or not value:
        return "not recorded"
    if value.get("device") is True or value.get("ok") is True:
        return "played on the sound device"
    if value.get("device") is False or value.get("ok") is False:
        return "no sound device: silent"
    return "not recorded"


__all__ = [
    "CheckRow",
    "DoseRow",
    "DoseRows",
    "Fact",
    "Rows",
    "describe_display",
    "describe_sound",
    "dose_rows",
    "music_rows",
    "said_rows",
    "session_facts",
    "technical_facts",
]
