"""The session report as one self-contained HTML page: styles inline, the timeline as inline
SVG, nothing fetched. It prints cleanly (A4 or Letter) for the clinical file."""

from __future__ import annotations

from html import escape
from typing import Any

from companion.record.report_clinical import STYLE as CLINICAL_STYLE
from companion.record.report_clinical import clinical_sections
from companion.record.report_rows import (
    Fact,
    Rows,
    dose_rows,
    music_rows,
    said_rows,
    session_facts,
    technical_facts,
)
from companion.record.summary import Summary, format_time
from companion.record.timeline_svg import timeline_svg

STYLE = """
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; color: #1d2329;
       margin: 2rem auto; max-width: 64rem; padding: 0 1.5rem; line-height: 1.45; }
h1 { font-size: 1.6rem; margin: 0 0 .2rem; }
h2 { font-size: 1.15rem; border-bottom: 1px solid #d5dbe0; padding-bottom: .2rem;
     margin-top: 1.8rem; }
.subtitle { color: #555; margin: 0 0 1rem; }
table { border-collapse: collapse; width: 100%; font-size: .92rem; }
th, td { text-align: left; vertical-align: top; padding: .25rem .5rem;
         border-bottom: 1px solid #e6eaee; }
th { background: #f3f5f7; font-weight: 600; }
table.facts th { width: 12rem; background: none; }
td.time, td.clock { white-space: nowrap; font-variant-numeric: tabular-nums; }
.refused { color: #a93226; }
.missed { color: #a93226; font-weight: 600; }
.fault { color: #a93226; }
.recovered { color: #1e7b45; }
.none { color: #777; font-style: italic; }
ol.notes li { margin-bottom: .35rem; }
td, li, p { overflow-wrap: anywhere; }  /* a 10,000-letter word wraps, not the page */
.status-ended { color: #1e7b45; font-weight: 600; }
.status-open { color: #a93226; font-weight: 600; }
svg.timeline { border: 1px solid #e6eaee; background: #fff; }
footer { margin-top: 2rem; color: #777; font-size: .8rem; }
.attest { margin-top: 1rem; }
.attest .line { border-bottom: 1px solid #1d2329; height: 2.2rem; }
.attest td { border: none; padding: .6rem .5rem 0 0; width: 33%; }
.appendix { font-size: .85rem; color: #333; }
.running { display: none; }
@page { size: auto; margin: 20mm 12mm 18mm; }
@media print {
  body { margin: 0; max-width: none; padding: 0; font-size: 9.5pt; }
  h2 { break-after: avoid; page-break-after: avoid; margin: .7rem 0 .3rem; font-size: 11.5pt; }
  section p { margin: .3rem 0; }
  th, td { padding: .12rem .4rem; }
  table { font-size: 8.5pt; }
  h1 { font-size: 16pt; }
  table.facts th { width: 9rem; }
  table.appendix { font-size: 8pt; }
  footer { margin-top: .8rem; font-size: 7.5pt; }
  tr, li, svg, .keep { break-inside: avoid; page-break-inside: avoid; }
  thead { display: table-header-group; }
  a { color: inherit; text-decoration: none; }
}
"""


def render_html(summary: Summary, record_id: str) -> str:
    title = f"{summary.title} — session record"
    start = summary.local_start
    subtitle = [f"Session record {record_id}"]
    if start:
        subtitle.append(f"{start.strftime('%A %d %B %Y, %H:%M')} ({summary.zone_label()})")
    if summary.patient:
        subtitle.append(f"patient {summary.patient}")
    if summary.clinician:
        subtitle.append(f"clinician {summary.clinician}")
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title>",
        f"<style>{STYLE}{CLINICAL_STYLE}{_page_boxes(summary, record_id)}</style></head><body>",
        "<header>"
        + (f'<p class="clinic">{escape(summary.clinic)}</p>' if summary.clinic else "")
        + f"<h1>{escape(summary.title)}</h1>",
        f'<p class="subtitle">{escape(" · ".join(subtitle))}</p></header>',
        _clinical(summary),
        _section("Session", _facts(summary)),
        _section("Timeline", '<div class="keep">' + timeline_svg(summary) + "</div>"),
        _section("Notes", _notes(summary)),
        _section("The therapist's actions", _actions(summary)),
        _section("Dose clock and vitals", _dose(summary)) if _dose(summary) else "",
        _section("Patient signals", _signals(summary)),
        _section("What the patient said", _rows(said_rows(summary)))
        if summary.said.sayings
        else "",
        _section("Adverse events", _closing(summary.adverse_events, "adverse events")),
        _section("Outcome", _closing(summary.outcome, "the outcome")),
        _section("Scenes", _scenes(summary)),
        _section("Music", _rows(music_rows(summary))) if summary.said.music else "",
        _section("Faults and warnings", _faults(summary)),
        _section("Attestation", _attestation(summary)),
        _section("Appendix: technical facts", _appendix(summary, record_id)),
        f"<footer>Times are session times (from the start, pauses included) and clock times in "
        f"the clinic's local time ({escape(summary.zone_label())}). Steps are counted from 1. "
        "Made by Companion from the session's record.</footer>",
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


def _clinical(summary: Summary) -> str:
    """The clinical document (report_clinical.py), first: empty without monitoring."""
    sections = clinical_sections(summary)
    if not sections:
        return ""
    return '<div class="clinical">' + "\n".join(_section(h, b) for h, b in sections) + "</div>"


def _css_string(text: str) -> str:
    """Text as a CSS string literal (for the printed header and footer)."""
    flat = " ".join(text.split())[:160]
    safe = " -.,:·/()"
    return '"' + "".join(c if c.isalnum() or c in safe else f"\\{ord(c):x} " for c in flat) + '"'


def _page_boxes(summary: Summary, record_id: str) -> str:
    """The header and footer of every printed page: the clinic, the patient code and the
    date at the top; the record and "Page x of y" at the bottom (CSS paged media)."""
    start = summary.local_start
    left = summary.clinic or "Session record"
    right = " · ".join(
        part
        for part in (
            f"Patient {summary.patient}" if summary.patient else "No patient code",
            start.strftime("%Y-%m-%d") if start else "",
        )
        if part
    )
    bottom = f"{summary.title} · record {record_id}"
    box = "font: 8pt system-ui, sans-serif; color: #555;"
    return (
        f"\n@page {{ @top-left {{ content: {_css_string(left)}; {box} }}"
        f" @top-right {{ content: {_css_string(right)}; {box} }}"
        f" @bottom-left {{ content: {_css_string(bottom)}; {box} }}"
        f' @bottom-right {{ content: "Page " counter(page) " of " counter(pages); {box} }} }}\n'
    )


def _closing(text: str | None, what: str) -> str:
    if not text:
        return _none(f"Not recorded: the therapist enters {what} at the end of the session.")
    return "".join(f"<p>{escape(line)}</p>" for line in text.splitlines() if line.strip())


def _attestation(summary: Summary) -> str:
    who = escape(summary.clinician) if summary.clinician else "&nbsp;"
    return (
        '<div class="attest keep"><p>I attest that this report is a true account of the '
        "session, made from its record, and that I have read it.</p>"
        "<table><tbody><tr><td>Clinician</td><td>Signature</td><td>Date</td></tr>"
        f'<tr><td class="line">{who}</td><td class="line"></td><td class="line"></td></tr>'
        "</tbody></table></div>"
    )


def _appendix(summary: Summary, record_id: str) -> str:
    return _fact_table(technical_facts(summary, record_id, brief=True), "facts appendix")


def _fact_table(facts: list[Fact], css: str) -> str:
    body = "\n".join(f"<tr><th>{escape(f.label)}</th><td>{_fact(f)}</td></tr>" for f in facts)
    return f'<table class="{css}"><tbody>\n{body}\n</tbody></table>'


def _fact(fact: Fact) -> str:
    text = escape(fact.text)
    if fact.code:
        text = f"<code>{text}</code>"
    if fact.lead:
        return f'<span class="{fact.css}">{escape(fact.lead)}</span>{text}'
    return text


def _section(heading: str, body: str) -> str:
    slug = heading.lower().replace("'", "").replace(" ", "-")
    return f'<section id="{slug}"><h2>{escape(heading)}</h2>\n{body}\n</section>'


def _none(text: str) -> str:
    return f'<p class="none">{escape(text)}</p>'


def _table(headers: list[str], rows: list[list[str]], css: str = "") -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "\n".join("<tr>" + "".join(rows_cells) + "</tr>" for rows_cells in rows)
    return f'<table class="{css}"><thead><tr>{head}</tr></thead><tbody>\n{body}\n</tbody></table>'


def _td(text: Any, css: str = "") -> str:
    cls = f' class="{css}"' if css else ""
    return f"<td{cls}>{escape(str(text))}</td>"


def _facts(summary: Summary) -> str:
    # without the rows the clinical record above says already
    return _fact_table(session_facts(summary, brief=summary.clinical.monitored), "facts")


def _notes(summary: Summary) -> str:
    if not summary.notes:
        return _none("No notes were written.")
    items = []
    for note in summary.notes:
        items.append(
            f'<li><span class="time">{format_time(note.time)}</span> '
            f"<small>({escape(summary.clock_at(note.wall))}"
            f"{', ' + escape(note.scene) if note.scene else ''})</small>"
            f"<br>{escape(note.label)}</li>"
        )
    return '<ol class="notes">\n' + "\n".join(items) + "\n</ol>"


def _actions(summary: Summary) -> str:
    entered = len(summary.clinical.checks)
    also = f"<p>The {entered} vitals entries are in the vitals table.</p>" if entered else ""
    if not summary.actions:
        return _none("No commands were given.") + also
    rows = []
    for action in summary.actions:
        result = "done" if action.ok else f"refused: {action.reason}"
        rows.append(
            [
                _td(format_time(action.time), "time"),
                _td(summary.clock_at(action.wall), "clock"),
                _td(action.command),
                _td(
                    action.detail
                    + (
                        f" ({action.count} moves to {format_time(action.until)})"
                        if action.count > 1
                        else ""
                    )
                ),
                _td(action.source),
                _td(result, "" if action.ok else "refused"),
            ]
        )
    return _table(["Time", "Clock", "Action", "Detail", "From", "Result"], rows) + also


def _dose(summary: Summary) -> str:
    dose = dose_rows(summary)
    if dose.empty:
        return _none("No medicine was recorded.")
    if summary.clinical.monitored and not dose.checks and not dose.intervals:
        return ""  # the doses and vitals are in the clinical record above
    parts = []
    if dose.doses:
        rows = [[_td(d.time, "time"), _td(d.clock, "clock"), _td(d.label)] for d in dose.doses]
        parts.append(_table(["Given at", "Clock", "Medicine"], rows))
    parts += [f"<p>{escape(line)}.</p>" for line in dose.intervals]
    if dose.checks:
        rows = [
            [
                _td(c.due, "time"),
                _td(c.since),
                _td("not checked", "missed") if c.checked is None else _td(c.checked, "time"),
                _td("" if c.checked is None else c.late or "0:00"),
            ]
            for c in dose.checks
        ]
        parts.append(_table(["Vitals due", "Dose clock", "Checked at", "Late by"], rows))
        if dose.missed:
            parts.append(
                f'<p class="missed">{dose.missed} vitals check(s) due but not acknowledged.</p>'
            )
    return "\n".join(parts)


def _signals(summary: Summary) -> str:
    if not summary.signals:
        return _none("The patient did not signal.")
    rows = [
        [_td(format_time(m.time), "time"), _td(summary.clock_at(m.wall), "clock"), _td(m.label)]
        for m in summary.signals
    ]
    return _table(["Time", "Clock", "What"], rows)


def _rows(table: Rows) -> str:
    """A table of report_rows.Rows: times in the time style, each concern stressed."""
    rows = []
    for cells, concern in zip(table.rows, table.concerns, strict=True):
        tds = [
            _td(c, "time" if h in ("Time", "Started") else "")
            for h, c in zip(table.headers, cells, strict=True)
        ]
        if concern:
            tds[-1] = (
                f'<td>{escape(cells[-1])}<br><strong class="missed">{escape(concern)}</strong></td>'
            )
        rows.append(tds)
    after = f"<p>{escape(table.after)}</p>" if table.after else ""
    return _table(table.headers, rows) + after


def _scenes(summary: Summary) -> str:
    if not summary.scenes:
        return _none("No scene was played.")
    rows = [
        [
            _td(s.title + (f" ({s.scene})" if s.title != s.scene else "")),
            _td(s.phase or "grounding"),
            _td(format_time(s.start), "time"),
            _td(format_time(s.end), "time"),
            _td(format_time(s.length), "time"),
        ]
        for s in summary.scenes
    ]
    return _table(["Scene", "Phase", "From", "To", "Length"], rows)


def _faults(summary: Summary) -> str:
    parts = []
    if summary.faults:
        rows = [
            [
                _td(format_time(f.time), "time"),
                _td(summary.clock_at(f.wall), "clock"),
                _td(f.kind),
                _td(f.label, "fault" if f.kind == "fault" else f.kind),
            ]
            for f in summary.faults
        ]
        parts.append(_table(["Time", "Clock", "Kind", "What"], rows))
    if summary.problems:
        parts.append(
            "<p>The record itself:</p><ul>"
            + "".join(f"<li>{escape(p)}</li>" for p in summary.problems)
            + "</ul>"
        )
    return "\n".join(parts) or _none("No faults or warnings.")
