"""`companion report --patient CODE`: the story across sessions as one printable HTML page
(styles and charts inline, nothing fetched) or Markdown. Laid out from story.py's `Story`."""

from __future__ import annotations

from html import escape

from companion.patients.charts import before_after_svg, scores_svg
from companion.patients.story import SIGNS, SessionLine, Story, Verdict
from companion.record.report_html import STYLE
from companion.record.summary import format_time

EXTRA_STYLE = """
.suggestions li { margin-bottom: .3rem; }
.shown { color: #555; font-size: .9rem; }
.follow { color: #a93226; }
pre.profile { background: #f6f7f8; padding: .5rem .8rem; white-space: pre-wrap; }
@media print { pre.profile { font-size: 8pt; } }
"""


def _when(session: SessionLine) -> str:
    return f"{session.date:%Y-%m-%d %H:%M}" if session.date else "?"


def _ratings(session: SessionLine) -> str:
    parts = []
    for r in session.ratings:
        bits = [str(r.get("feeling") or ""), f"{r['resonance']}/10" if "resonance" in r else ""]
        parts.append(f"{r.get('name')}: {' '.join(b for b in bits if b)}")
    return "; ".join(parts)


def _mood(session: SessionLine) -> str:
    parts = []
    for name in ("mood", "anxiety"):
        before, after = session.before.get(name), session.after.get(name)
        if before is not None or after is not None:
            parts.append(f"{name} {_shown(before)} → {_shown(after)}")
    return ", ".join(parts)


def _shown(value: int | None) -> str:
    return "?" if value is None else str(value)


def _vitals(session: SessionLine) -> str:
    parts = []
    for sign, label in SIGNS:
        if sign in session.vitals:
            low, high = session.vitals[sign]
            parts.append(f"{label} {low:g}" + (f"–{high:g}" if high != low else ""))
    return ", ".join(parts)


def _protocol(session: SessionLine) -> str:
    return "; ".join(p for p in [session.protocol or "", *session.doses] if p)


def _verdict(v: Verdict) -> str:
    mean = f"resonance {v.mean:.1f}" if v.mean is not None else "no resonance given"
    return (
        f"{v.name} ({v.kind}): {mean}; {v.good} safe or pleasant, {v.bad} uneasy or "
        f"distressing; {len(v.sessions)} session(s)"
    )


def session_rows(story: Story) -> list[list[str]]:
    return [
        [
            str(n),
            _when(s),
            s.title,
            _protocol(s),
            format_time(s.length) + ("" if s.ended else " (not ended)"),
            _ratings(s),
            _mood(s),
            _vitals(s),
            " / ".join(s.notes),
        ]
        for n, s in enumerate(story.sessions, 1)
    ]


HEADERS = [
    "#",
    "Date",
    "Script",
    "Protocol and doses",
    "Length",
    "Ratings",
    "Mood and anxiety",
    "Vitals",
    "Notes",
]


def render_html(story: Story, clinic: str | None = None) -> str:
    e = escape
    rows = "".join(
        "<tr>" + "".join(f"<td>{e(cell)}</td>" for cell in row) + "</tr>"
        for row in session_rows(story)
    )
    first = story.sessions[0].date if story.sessions and story.sessions[0].date else None
    last = story.sessions[-1].date if story.sessions and story.sessions[-1].date else None
    span = f"{first:%Y-%m-%d} to {last:%Y-%m-%d}" if first and last else "no dated sessions"
    scores = "".join(
        f"<tr><td>{s.date:%Y-%m-%d}</td><td>{e(s.instrument)}</td><td>{s.score}</td>"
        f"<td>{e(s.severity)}{_follow_html(s.follow_up)}</td><td>{e(s.where)}</td></tr>"
        if s.date
        else ""
        for s in story.scores
    )
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>Patient {e(story.code)}: sessions over time</title>",
        f"<style>{STYLE}{EXTRA_STYLE}</style></head><body>",
        f"<h1>Patient {e(story.code)}: sessions over time</h1>",
        f"<p class='subtitle'>{e(clinic + ' · ' if clinic else '')}{len(story.sessions)} "
        f"session(s), {e(span)}</p>",
        "<section><h2>Sessions</h2>",
        f"<table class='sessions'><thead><tr>{''.join(f'<th>{h}</th>' for h in HEADERS)}"
        f"</tr></thead><tbody>{rows}</tbody></table>"
        if story.sessions
        else "<p class='none'>No sessions recorded.</p>",
        "</section>",
        "<section class='keep'><h2>Questionnaires</h2>",
        scores_svg(story.scores)
        + (
            "<table><thead><tr><th>Date</th><th>Questionnaire</th><th>Score</th>"
            f"<th>Severity</th><th>Taken</th></tr></thead><tbody>{scores}</tbody></table>"
            if story.scores
            else "<p class='none'>No PHQ-9 or GAD-7 entered.</p>"
        ),
        "</section>",
        "<section class='keep'><h2>Mood and anxiety before and after</h2>",
        before_after_svg(story.sessions) or "<p class='none'>No before and after ratings.</p>",
        "</section>",
        "<section><h2>Rated well</h2>",
        _list([_verdict(v) for v in story.well]) or "<p class='none'>Nothing yet.</p>",
        "<h2>Rated badly</h2>",
        _list([_verdict(v) for v in story.badly]) or "<p class='none'>Nothing.</p>",
        "</section>",
        "<section><h2>Suggestions for next time</h2>",
        "<p class='shown'>From the ratings; shown for the therapist to weigh, never applied "
        "by themselves.</p>",
        _list(story.suggestions, "suggestions")
        or "<p class='none'>No suggestions: too few ratings.</p>",
        "</section>",
        "<section><h2>Profile</h2>",
        f"<pre class='profile'>{e(story.profile_text)}</pre>"
        if story.profile_text
        else "<p class='none'>No profile.</p>",
        "</section>",
        "<footer>Companion: patient report by code; no names.</footer></body></html>",
    ]
    return "".join(parts)


def _follow_html(text: str) -> str:
    return f"<br><strong class='follow'>Follow up: {escape(text)}</strong>" if text else ""


def _list(items: list[str], css: str = "") -> str:
    if not items:
        return ""
    return f"<ul class='{css}'>" + "".join(f"<li>{escape(i)}</li>" for i in items) + "</ul>"


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(story: Story, clinic: str | None = None) -> str:
    lines = [f"# Patient {story.code}: sessions over time", ""]
    if clinic:
        lines += [clinic, ""]
    lines += ["## Sessions", ""]
    if story.sessions:
        lines += ["| " + " | ".join(HEADERS) + " |", "|" + "---|" * len(HEADERS)]
        lines += ["| " + " | ".join(_md(c) for c in row) + " |" for row in session_rows(story)]
    else:
        lines.append("No sessions recorded.")
    lines += ["", "## Questionnaires", ""]
    lines += [
        f"- {s.date:%Y-%m-%d} {s.instrument} {s.score} ({s.severity}), {s.where}"
        + (f"; **follow up: {s.follow_up}**" if s.follow_up else "")
        for s in story.scores
        if s.date
    ] or ["No PHQ-9 or GAD-7 entered."]
    lines += ["", "## Mood and anxiety before and after", ""]
    lines += [f"- {_when(s)}: {_mood(s)}" for s in story.sessions if s.before or s.after] or [
        "No before and after ratings."
    ]
    lines += ["", "## Rated well", ""]
    lines += [f"- {_verdict(v)}" for v in story.well] or ["Nothing yet."]
    lines += ["", "## Rated badly", ""]
    lines += [f"- {_verdict(v)}" for v in story.badly] or ["Nothing."]
    lines += ["", "## Suggestions for next time (shown, never applied)", ""]
    lines += [f"- {s}" for s in story.suggestions] or ["No suggestions: too few ratings."]
    lines += ["", "## Profile", ""]
    lines += (
        ["```yaml", story.profile_text.rstrip(), "```"] if story.profile_text else ["No profile."]
    )
    return "\n".join(lines) + "\n"


def patient_report(code: str, record_dir: object, fmt: str) -> tuple[str | None, str]:
    """The report's text (None when nothing is held about `code`) and a message."""
    from pathlib import Path

    from companion.patients import open_store
    from companion.patients.history import history
    from companion.patients.story import story
    from companion.record.clinic import load_clinic

    store = open_store(Path(str(record_dir)) if record_dir else None)
    try:
        found = history(store, code, Path(str(record_dir)) if record_dir else None)
    finally:
        store.close()
    if found.profile_text is None and not found.sessions and not found.questionnaires:
        return None, f"nothing is held about {code}"
    told = story(found)
    clinic = load_clinic().name
    text = render_markdown(told, clinic) if fmt == "md" else render_html(told, clinic)
    return text, f"{len(told.sessions)} session(s)"
