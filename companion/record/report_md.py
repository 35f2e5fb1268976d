"""The session report as Markdown (for pasting into notes or a clinic system). The same
sections as the HTML report; the timeline is the scene table and the marks in order."""

from __future__ import annotations

from companion.record import report_rows as rows_of
from companion.record.report_clinical import clinical_markdown
from companion.record.report_rows import Fact, dose_rows, session_facts, technical_facts
from companion.record.summary import Summary, format_time

MARK_NAMES = {"note": "note", "medicine": "medicine", "fault": "fault"}
PREFIXED = tuple(MARK_NAMES)  # marks whose label is free text, so the kind goes first


def render_markdown(summary: Summary, record_id: str) -> str:
    out = _heading(summary, record_id)
    out += clinical_markdown(summary, _text, _table)  # the clinical document first, if any
    for heading, section in (
        ("Session", _facts),
        ("Timeline", _timeline),
        ("Notes", _notes),
        ("The therapist's actions", _actions),
        ("Dose clock and vitals", _dose),
        ("Patient signals", _signals),
    ):
        out += ([] if heading == "Session" else [""]) + [f"## {heading}", ""] + section(summary)
    if summary.said.sayings:  # a section only when there is something (the print's pages)
        out += ["", "## What the patient said", ""] + _rows(rows_of.said_rows(summary))
    out += _ending(summary, record_id)
    out += ["", "## Scenes", ""] + _scenes(summary)
    if summary.said.music:
        out += ["", "## Music", ""] + _rows(rows_of.music_rows(summary))
    out += ["", "## Faults and warnings", ""] + _faults(summary)
    out += _signature(summary, record_id)
    return "\n".join(out) + "\n"


def _heading(summary: Summary, record_id: str) -> list[str]:
    out = [_text(summary.clinic), ""] if summary.clinic else []
    out += [f"# {_text(summary.title)}", ""]
    subtitle = f"Session record {record_id}"
    start = summary.local_start
    if start:
        subtitle += f" · {start.strftime('%A %d %B %Y, %H:%M')} ({summary.zone_label()})"
    if summary.patient:
        subtitle += f" · patient {summary.patient}"
    if summary.clinician:
        subtitle += f" · clinician {summary.clinician}"
    return out + [_text(subtitle), ""]


def _timeline(summary: Summary) -> list[str]:
    events = [
        (
            i.start,
            f"paused until {format_time(i.end)}"
            if i.kind == "pause"
            else f"program stopped until {format_time(i.end)}",
        )
        for i in summary.intervals
    ]
    events += [
        (s.start, f"scene **{_text(s.title)}** ({s.phase or 'grounding'})") for s in summary.scenes
    ]
    events += [
        (m.time, (f"{MARK_NAMES[m.kind]}: " if m.kind in PREFIXED else "") + _text(m.label))
        for m in summary.marks
        if m.kind != "hold"
    ]
    return _table(
        ["Time", "What"], [[format_time(t), what] for t, what in sorted(events, key=lambda e: e[0])]
    )


def _notes(summary: Summary) -> list[str]:
    if not summary.notes:
        return ["_No notes were written._"]
    return [
        f"{n}. {format_time(m.time)} ({summary.clock_at(m.wall)}"
        f"{', ' + m.scene if m.scene else ''}): "
        f"{_text(m.label)}"
        for n, m in enumerate(summary.notes, 1)
    ]


def _actions(summary: Summary) -> list[str]:
    if not summary.actions:
        return ["_No commands were given._"]
    return _table(
        ["Time", "Clock", "Action", "Detail", "From", "Result"],
        [
            [
                format_time(a.time),
                summary.clock_at(a.wall),
                a.command,
                _text(a.detail)
                + (f" ({a.count} moves to {format_time(a.until)})" if a.count > 1 else ""),
                a.source,  # who gave it: a panel's name, never its address
                "done" if a.ok else f"refused: {_text(a.reason or '')}",
            ]
            for a in summary.actions
        ],
    )


def _signals(summary: Summary) -> list[str]:
    if not summary.signals:
        return ["_The patient did not signal._"]
    return _table(
        ["Time", "Clock", "What"],
        [[format_time(m.time), summary.clock_at(m.wall), _text(m.label)] for m in summary.signals],
    )


def _rows(table: rows_of.Rows) -> list[str]:
    """A table of report_rows.Rows: each concern stressed after its row's last cell."""
    rows = []
    for cells, concern in zip(table.rows, table.concerns, strict=True):
        text = [_text(c) for c in cells]
        if concern:
            text[-1] += f" **{_text(concern)}**"
        rows.append(text)
    return _table(table.headers, rows) + (["", _text(table.after)] if table.after else [])


def _scenes(summary: Summary) -> list[str]:
    if not summary.scenes:
        return ["_No scene was played._"]
    return _table(
        ["Scene", "Phase", "From", "To", "Length"],
        [
            [
                _text(s.title),
                s.phase or "grounding",
                format_time(s.start),
                format_time(s.end),
                format_time(s.length),
            ]
            for s in summary.scenes
        ],
    )


def _faults(summary: Summary) -> list[str]:
    out: list[str] = []
    if summary.faults:
        out += _table(
            ["Time", "Clock", "Kind", "What"],
            [
                [format_time(f.time), summary.clock_at(f.wall), f.kind, _text(f.label)]
                for f in summary.faults
            ],
        )
    if summary.problems:
        out += ["", "The record itself:", ""] + [f"- {_text(p)}" for p in summary.problems]
    if not summary.faults and not summary.problems:
        out.append("_No faults or warnings._")
    return out


def _facts(summary: Summary) -> list[str]:
    return _fact_table(session_facts(summary))


def _fact_table(facts: list[Fact]) -> list[str]:
    return _table(["", ""], [[f"**{f.label}**", _fact(f)] for f in facts])


def _fact(fact: Fact) -> str:
    lead = _text(fact.lead)
    return (f"**{lead}**" if fact.stress else lead) + _text(fact.text, keep_edges=True)


def _ending(summary: Summary, record_id: str) -> list[str]:
    """Adverse events, outcome, the attestation and the technical appendix."""
    out: list[str] = []
    for heading, text, what in (
        ("Adverse events", summary.adverse_events, "adverse events"),
        ("Outcome", summary.outcome, "the outcome"),
    ):
        out += ["", f"## {heading}", ""]
        lines = [_text(line) for line in (text or "").splitlines() if line.strip()]
        out += lines or [f"_Not recorded: the therapist enters {what} at the end of the session._"]
    return out


def _signature(summary: Summary, record_id: str) -> list[str]:
    out = [
        "",
        "## Attestation",
        "",
        "I attest that this report is a true account of the session, made from its record, "
        "and that I have read it.",
        "",
        f"Clinician: {_text(summary.clinician) if summary.clinician else '_' * 20}",
        "",
        "Signature: ____________________      Date: ____________",
        "",
        "## Appendix: technical facts",
        "",
    ]
    out += _fact_table(technical_facts(summary, record_id))
    out += [
        "",
        f"Times are session times (from the start, pauses included) and clock times in the "
        f"clinic's local time ({summary.zone_label()}). Steps are counted from 1.",
    ]
    return out


def _dose(summary: Summary) -> list[str]:
    dose = dose_rows(summary)
    if dose.empty:
        return ["_No medicine was recorded._"]
    out = [f"- Medicine at {d.time} ({d.clock}): {_text(d.label)}" for d in dose.doses]
    out += [f"- {line}" for line in dose.intervals]
    if dose.checks:
        out += [""] + _table(
            ["Vitals due", "Dose clock", "Checked at", "Late by"],
            [
                [c.due, c.since, "**not checked**" if c.checked is None else c.checked, c.late]
                for c in dose.checks
            ],
        )
    return out


def _table(headers: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join(" --- " for _ in headers) + "|"]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return lines


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _text(text: str, keep_edges: bool = False) -> str:
    """One line of plain text: no line breaks, and Markdown's markup characters escaped.
    `keep_edges`: a space at either end stays (text that follows a lead)."""
    flat = " ".join(str(text).split())
    if keep_edges and flat:
        flat = (" " if str(text)[0].isspace() else "") + flat
        flat += " " if str(text)[-1].isspace() else ""
    for char in ("\\", "*", "_", "`", "[", "]", "<", ">", "#"):
        flat = flat.replace(char, "\\" + char)
    return flat
