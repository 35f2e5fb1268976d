"""The report's clinical document: the monitoring a clinic files, first in the report.

The facts a clinician looks for (patient code, date, clinician, script, protocol, each dose),
the vitals table with flags, the chart on the dose clock, the checkpoints met, late or missed,
the sedation and dissociation course, ready to leave and the monitoring time; then a summary
in the shape of the esketamine REMS monitoring form, labelled as a summary for copying. Words
a clinician reads throughout: no field names, no None or True.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING

from companion.record.clinical import Check, Clinical
from companion.record.summary import format_time
from companion.record.vitals_svg import vitals_svg

if TYPE_CHECKING:
    from companion.record.summary import Summary

STYLE = """
table.vitals td, table.vitals th { padding: .15rem .35rem; font-variant-numeric: tabular-nums; }
table.vitals td.flag { font-weight: 700; white-space: nowrap; }
table.vitals td.flag::after { content: " *"; }
.status-late { font-weight: 600; }
.status-missed { font-weight: 700; text-decoration: underline; }
.copy-summary { border: 1.5px dashed #1d2329; padding: .4rem .8rem .6rem; }
.copy-summary .label { font-size: .85rem; font-style: italic; margin: 0 0 .3rem; }
svg.vitals-chart { display: block; }
.chart-and-checks { display: grid; grid-template-columns: 1fr 1fr; gap: 0 .8rem;
                    align-items: start; }
.chart-and-checks table { font-size: .8rem; }
.course { margin: .2rem 0; }
.clinical table.facts th { width: 9rem; }
.clinical table.facts th, .clinical table.facts td { padding: .1rem .4rem; }
.clinical table { font-size: .88rem; }
.clinical h2 { margin-top: 1.1rem; }
.two-columns { display: grid; grid-template-columns: 1fr 1fr; gap: 0 1.2rem; }
@media print {
  .clinical table { font-size: 8.5pt; }
  .clinical h2 { margin-top: .7rem; }
  .clinical p { margin: .3rem 0; }
}
"""

SHORT = {
    "systolic": "systolic",
    "diastolic": "diastolic",
    "heart_rate": "HR",
    "spo2": "SpO2",
    "respiratory_rate": "RR",
}
STATUS_WORDS = {
    "met": "met",
    "met late": "late",
    "missed": "missed",
    "due": "due at the end",
    "late": "missed",
    "not reached": "not reached (the session ended before)",
    "pending": "not reached (the session ended before)",
}


def clinical_sections(summary: Summary) -> list[tuple[str, str]]:
    """(heading, HTML) of the clinical document, or nothing for a session with no monitoring."""
    clinical = summary.clinical
    if not clinical.monitored:
        return []
    return [
        ("Clinical record", _facts(summary)),
        # the chart first: at a glance, and the table can then run on to the next page
        (
            "Vitals chart",
            f'<div class="keep">{vitals_svg(clinical)}</div>'
            if clinical.checks
            else _none("No vitals were entered."),
        ),
        ("Vitals", _vitals(summary)),
        (
            "Checkpoints, sedation and discharge",
            '<div class="chart-and-checks">'
            f"<div>{_checkpoints(summary)}</div><div>{_course(clinical)}{_discharge(summary)}"
            "</div></div>",
        ),
        ("Monitoring summary for copying", _rems(summary)),
    ]


def _none(text: str) -> str:
    return f'<p class="none">{escape(text)}</p>'


def _rows(rows: list[tuple[str, str]], columns: int = 1) -> str:
    """A table of label and value, in `columns` side by side (to save paper)."""
    per = -(-len(rows) // columns)
    tables = []
    for start in range(0, len(rows), per):
        body = "\n".join(
            f"<tr><th>{escape(a)}</th><td>{b}</td></tr>" for a, b in rows[start : start + per]
        )
        tables.append(f'<table class="facts"><tbody>\n{body}\n</tbody></table>')
    if columns == 1:
        return tables[0]
    return '<div class="two-columns">' + "".join(tables) + "</div>"


def _clock(summary: Summary, wall: float | None) -> str:
    return summary.clock_at(wall)[:5] if wall is not None else ""


def _facts(summary: Summary) -> str:
    clinical = summary.clinical
    start = summary.local_start
    protocol = clinical.protocol
    rows = [
        ("Patient code", escape(summary.patient or "none given")),
        ("Date", escape(f"{start:%d %B %Y}") if start else "unknown"),
        ("Clinician", escape(summary.clinician or "not named")),
        ("Session script", escape(f"{summary.title} ({summary.script})")),
        ("Protocol", escape(clinical.protocol_name or "none (vitals without a protocol)")),
    ]
    if protocol is not None:
        rows.append(("Route", escape(protocol.route)))
        limits = "; ".join(f"{SHORT[s]} {lim.describe()}" for s, lim in protocol.limits.items())
        rows.append(("Limits", escape(limits or "none")))
        rows.append(
            ("Observation", f"at least {protocol.observation:g} minutes after the last dose")
        )
    if clinical.doses:
        doses = "<br>".join(
            f"{escape(d.describe())} at {escape(_clock(summary, d.wall))} "
            f"(session {format_time(d.time)})"
            for d in clinical.doses
        )
        rows.append(("Dose" if len(clinical.doses) == 1 else "Doses", doses))
    else:
        rows.append(("Dose", "no medicine recorded"))
    return _rows(rows, 2)


def _value(check: Check, sign: str) -> tuple[str, bool]:
    value = check.get(sign)
    if value is None:
        return "", False
    return f"{value:g}", sign in check.flags


def _vitals(summary: Summary) -> str:
    clinical = summary.clinical
    if not clinical.checks:
        return _none("No vitals were entered.")
    headers = [
        "Clock",
        "Dose",
        "BP",
        "HR",
        "SpO2",
        "RR",
        "Sedation",
        "Dissociation",
        "Check",
        "Comment",
    ]
    rows = []
    for check in clinical.checks:
        cells = [
            _clock(summary, check.wall),
            clinical.dose_clock(check.time) or format_time(check.time),
        ]
        row = "".join(f'<td class="time">{escape(c)}</td>' for c in cells)
        systolic, s_flag = _value(check, "systolic")
        diastolic, d_flag = _value(check, "diastolic")
        bp = f"{systolic}/{diastolic}" if systolic else ""
        row += f'<td class="{"flag" if s_flag or d_flag else ""}">{escape(bp)}</td>'
        for sign in ("heart_rate", "spo2", "respiratory_rate"):
            text, flagged = _value(check, sign)
            row += f'<td class="{"flag" if flagged else ""}">{escape(text)}</td>'
        sedation = check.get("sedation")
        row += f"<td>{'' if sedation is None else sedation}</td>"
        row += f"<td>{escape(str(check.get('dissociation') or ''))}</td>"
        met = ""
        if check.checkpoint:
            met = check.checkpoint + ("" if check.on_time is not False else " (late)")
        row += f'<td class="time">{escape(met)}</td><td>{escape(check.comment)}</td>'
        rows.append(f"<tr>{row}</tr>")
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    note = ""
    if any(c.flags for c in clinical.checks):
        note = "<p>* outside the protocol's limits. " + escape(_alerts(summary)) + "</p>"
    scale = clinical.sedation
    key = (
        f"sedation 0 ({scale.levels[0]}) to {len(scale.levels) - 1} ({scale.levels[-1]}); "
        "dose: time after the first dose"
    )
    return (
        f'<table class="vitals"><thead><tr>{head}</tr></thead><tbody>\n'
        + "\n".join(rows)
        + f"\n</tbody></table>{note}"
        f'<p class="appendix">BP in mmHg, HR and RR per minute, SpO2 in %; '
        f"{escape(key)}.</p>"
    )


def _alerts(summary: Summary) -> str:
    clinical = summary.clinical
    parts = []
    for at, alert_id, message in clinical.alerts:
        seen = clinical.acknowledged.get(alert_id)
        when = clinical.dose_clock(at) or format_time(at)
        parts.append(
            f"Alert at {when}: {message}; "
            + (
                f"acknowledged at {clinical.dose_clock(seen) or format_time(seen)}"
                if seen is not None
                else "never acknowledged"
            )
            + "."
        )
    return " ".join(parts)


def _checkpoints(summary: Summary) -> str:
    clinical = summary.clinical
    states = clinical.final_statuses(summary.ended)
    if not states:
        return _none(
            "No checkpoints: the session had no protocol."
            if clinical.protocol is None
            else "No checkpoint was recorded."
        )
    rows = []
    for state in states:
        status = STATUS_WORDS.get(state.status, state.status)
        taken = clinical.dose_clock(state.at) if state.at is not None else ""
        css = {"late": "status-late", "missed": "status-missed"}.get(status, "")
        rows.append(
            f"<tr><td>{escape(state.clock)}</td><td>{escape(state.name)}</td>"
            f'<td class="{css}">{escape(status)}</td><td class="time">{escape(taken)}'
            "</td></tr>"
        )
    counts = {
        w: sum(1 for s in states if STATUS_WORDS.get(s.status) == w)
        for w in ("met", "late", "missed")
    }
    line = f"<p>{counts['met']} met, {counts['late']} late, {counts['missed']} missed.</p>"
    return (
        "<table><thead><tr><th>When</th><th>Checkpoint</th><th>Status</th>"
        "<th>Taken</th></tr></thead><tbody>\n" + "\n".join(rows) + "\n</tbody></table>" + line
    )


def course_text(clinical: Clinical, sign: str) -> str:
    """'5 before the dose; lowest 3 at +10:00; back to 5 from +1:07:00' and the like."""
    points = [(c.time, c.get(sign)) for c in clinical.checks if c.get(sign) is not None]
    if not points:
        return "not recorded"

    def label(value: object) -> str:  # the scale's words are under the vitals table
        return str(value)

    parts = [
        " → ".join(
            f"{label(v)} at {clinical.dose_clock(t) or format_time(t)}" for t, v in _changes(points)
        )
    ]
    unresolved = [t for t, v in points if clinical.unresolved(sign, v)]
    if unresolved:
        after = [t for t, v in points if t > unresolved[-1]]
        parts.append(
            f"resolved from {clinical.dose_clock(after[0]) or format_time(after[0])}"
            if after
            else "not resolved at the last check"
        )
    else:
        parts.append("none at any check")
    return "; ".join(parts)


def _changes(points: list[tuple[float, object]]) -> list[tuple[float, object]]:
    out: list[tuple[float, object]] = []
    for time, value in points:
        if not out or out[-1][1] != value:
            out.append((time, value))
    return out


def _course(clinical: Clinical) -> str:
    return (
        f'<p class="course"><strong>Sedation:</strong> '
        f"{escape(course_text(clinical, 'sedation'))}</p>"
        f'<p class="course"><strong>Dissociation:</strong> '
        f"{escape(course_text(clinical, 'dissociation'))}</p>"
    )


@dataclass(frozen=True)
class Rems:
    """The figures of the REMS-shaped summary."""

    pre_dose: Check | None
    at_40: Check | None
    discharge: Check | None
    sedation: bool
    dissociation: bool
    respiratory_depression: bool
    monitoring_minutes: float | None
    ready_at: float | None


def rems_figures(summary: Summary) -> Rems:
    clinical = summary.clinical
    given = clinical.dose_time
    checks = [c for c in clinical.checks if "systolic" in c.values and "diastolic" in c.values]
    pre = [c for c in checks if given is not None and c.time <= given]
    after = [c for c in checks if given is not None and c.time > given]
    at_40 = (
        min(after, key=lambda c: abs((c.time - given) / 60 - 40), default=None)
        if given is not None
        else None
    )
    end = clinical.ready_at
    before_leaving = [c for c in after if end is None or c.time <= end]
    later = [c for c in clinical.checks if given is not None and c.time > given]
    sedation = any(
        clinical.unresolved("sedation", c.get("sedation"))
        for c in later
        if c.get("sedation") is not None
    )
    dissociation = any(
        clinical.unresolved("dissociation", c.get("dissociation"))
        for c in later
        if c.get("dissociation") is not None
    )
    depression = any(c.flags.get(s) == "low" for c in later for s in ("spo2", "respiratory_rate"))
    stop = end if end is not None else summary.length
    minutes = (stop - given) / 60 if given is not None else None
    return Rems(
        pre[-1] if pre else None,
        at_40,
        before_leaving[-1] if before_leaving else None,
        sedation,
        dissociation,
        depression,
        minutes,
        end,
    )


def _bp(clinical: Clinical, check: Check | None) -> str:
    if check is None:
        return "not taken"
    return (
        f"{check.get('systolic'):g}/{check.get('diastolic'):g} mmHg at "
        f"{clinical.dose_clock(check.time)}"
    )


def _rems(summary: Summary) -> str:
    clinical = summary.clinical
    figures = rems_figures(summary)
    yes = {True: "yes", False: "no"}
    ready = "not recorded"
    if figures.ready_at is not None:
        ready = f"{_clock(summary, clinical.ready_wall)} ({clinical.dose_clock(figures.ready_at)})"
    minutes = (
        "no dose recorded"
        if figures.monitoring_minutes is None
        else f"{figures.monitoring_minutes:.0f} min after the dose"
        + ("" if figures.ready_at is not None else " (to the end of the session)")
    )
    rows = [
        ("BP before the dose", escape(_bp(clinical, figures.pre_dose))),
        ("BP at about 40 min", escape(_bp(clinical, figures.at_40))),
        ("BP before discharge", escape(_bp(clinical, figures.discharge))),
        ("Sedation", yes[figures.sedation]),
        ("Dissociation", yes[figures.dissociation]),
        ("Respiratory depression", yes[figures.respiratory_depression]),
        ("Monitoring", escape(minutes)),
        ("Ready to leave", escape(ready)),
    ]
    return (
        '<div class="copy-summary keep"><p class="label">A summary for copying into the '
        "monitoring form; it is not the official REMS form. Sedation, dissociation and "
        "respiratory depression (SpO2 or breathing rate below the limit): after the dose."
        "</p>" + _rows(rows, 2) + "</div>"
    )


def _discharge(summary: Summary) -> str:
    clinical = summary.clinical
    given = clinical.dose_time
    rows = []
    if clinical.ready_at is not None:
        rows.append(
            (
                "Ready to leave",
                escape(
                    f"{_clock(summary, clinical.ready_wall)}, "
                    f"{clinical.dose_clock(clinical.ready_at)} after the dose"
                ),
            )
        )
    else:
        rows.append(("Ready to leave", "not recorded"))
    first = min(
        [c.time for c in clinical.checks] + ([given] if given is not None else []), default=None
    )
    if first is not None:
        stop = clinical.ready_at if clinical.ready_at is not None else summary.length
        rows.append(
            (
                "Total monitoring time",
                escape(
                    f"{format_time(stop - first)} (from the first check or dose to "
                    + (
                        "ready to leave)"
                        if clinical.ready_at is not None
                        else "the end of the session)"
                    )
                ),
            )
        )
    return _rows(rows)


def clinical_markdown(
    summary: Summary,
    text: Callable[[str], str],
    table: Callable[[list[str], list[list[str]]], list[str]],
) -> list[str]:
    """The clinical document as Markdown lines (the chart is in the HTML report only);
    `text` and `table` are the Markdown report's own escaping and table helpers."""
    clinical = summary.clinical
    if not clinical.monitored:
        return []
    start = summary.local_start
    protocol = clinical.protocol
    facts = [
        ("Patient code", summary.patient or "none given"),
        ("Date", f"{start:%d %B %Y}" if start else "unknown"),
        ("Clinician", summary.clinician or "not named"),
        ("Session script", summary.title),
        ("Protocol", clinical.protocol_name or "none (vitals without a protocol)"),
    ]
    if protocol is not None:
        facts += [
            ("Route", protocol.route),
            (
                "Limits",
                "; ".join(f"{SHORT[s]} {lim.describe()}" for s, lim in protocol.limits.items())
                or "none",
            ),
            ("Observation", f"at least {protocol.observation:g} minutes after the last dose"),
        ]
    for dose in clinical.doses:
        facts.append(
            (
                "Dose",
                f"{dose.describe()} at {_clock(summary, dose.wall)} "
                f"(session {format_time(dose.time)})",
            )
        )
    out = ["## Clinical record", ""] + [f"- **{label}:** {text(value)}" for label, value in facts]
    rows = []
    for check in clinical.checks:
        systolic, s_flag = _value(check, "systolic")
        diastolic, d_flag = _value(check, "diastolic")
        bp = f"{systolic}/{diastolic}{' *' if s_flag or d_flag else ''}" if systolic else ""
        cells = [_clock(summary, check.wall), clinical.dose_clock(check.time), bp]
        for sign in ("heart_rate", "spo2", "respiratory_rate"):
            value, flagged = _value(check, sign)
            cells.append(value + (" *" if flagged else ""))
        sedation = check.get("sedation")
        met = (check.checkpoint or "") + (
            " (late)" if check.checkpoint and check.on_time is False else ""
        )
        cells += [
            "" if sedation is None else str(sedation),
            text(str(check.get("dissociation") or "")),
            met,
            text(check.comment),
        ]
        rows.append(cells)
    out += ["", "## Vitals", ""]
    if rows:
        out += table(
            [
                "Clock",
                "Dose",
                "BP",
                "HR",
                "SpO2",
                "RR",
                "Sedation",
                "Dissociation",
                "Check",
                "Comment",
            ],
            rows,
        )
        out += [
            "",
            "BP in mmHg, HR and RR per minute, SpO2 in %; * outside the protocol's "
            "limits. " + text(_alerts(summary)),
        ]
    else:
        out.append("No vitals were entered.")
    states = clinical.final_statuses(summary.ended)
    if states:
        out += ["", "## Checkpoints", ""]
        out += table(
            ["When", "Checkpoint", "Status", "Taken"],
            [
                [
                    s.clock,
                    text(s.name),
                    STATUS_WORDS.get(s.status, s.status),
                    clinical.dose_clock(s.at) if s.at is not None else "",
                ]
                for s in states
            ],
        )
    out += [
        "",
        "## Sedation, dissociation and discharge",
        "",
        f"- **Sedation:** {text(course_text(clinical, 'sedation'))}",
        f"- **Dissociation:** {text(course_text(clinical, 'dissociation'))}",
    ]
    ready = (
        "not recorded"
        if clinical.ready_at is None
        else (
            f"{_clock(summary, clinical.ready_wall)}, {clinical.dose_clock(clinical.ready_at)} "
            "after the dose"
        )
    )
    out.append(f"- **Ready to leave:** {ready}")
    figures = rems_figures(summary)
    yes = {True: "yes", False: "no"}
    minutes = (
        "no dose recorded"
        if figures.monitoring_minutes is None
        else f"{figures.monitoring_minutes:.0f} min after the dose"
    )
    out += [
        "",
        "## Monitoring summary for copying",
        "",
        "_A summary for copying into the monitoring form; it is not the official REMS form._",
        "",
        f"- **BP before the dose:** {_bp(clinical, figures.pre_dose)}",
        f"- **BP at about 40 min:** {_bp(clinical, figures.at_40)}",
        f"- **BP before discharge:** {_bp(clinical, figures.discharge)}",
        f"- **Sedation:** {yes[figures.sedation]}",
        f"- **Dissociation:** {yes[figures.dissociation]}",
        f"- **Respiratory depression:** {yes[figures.respiratory_depression]}",
        f"- **Monitoring:** {minutes}",
        "",
    ]
    return out


__all__ = ["STYLE", "clinical_markdown", "clinical_sections", "course_text", "rems_figures"]
