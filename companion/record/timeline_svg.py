"""The session drawn as one inline SVG: scenes as bands coloured by phase, pauses and gaps
under them, and lanes of marks (notes, ground and return; medicine, vitals, signals; faults).
Plain SVG 1.1 with no scripts, fonts or images from outside, so it prints anywhere."""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from companion.record.summary import Mark, Summary, format_time

WIDTH = 1000
LEFT, RIGHT = 96, 16
AXIS_Y = 22
SCENE_Y, SCENE_H = 30, 40
PAUSE_Y, PAUSE_H = 76, 12
LANE_Y, LANE_H = 100, 26
LANES = (
    ("Therapist", ("note", "ground", "return")),
    ("Clinic", ("medicine", "vitals_due", "vitals_ack", "signal", "signal_ack")),
    ("Faults", ("fault", "gap")),
)
PHASE_COLOURS = {
    "preparation": "#9cc3e6",
    "journey": "#c3b1e1",
    "integration": "#a8d5a2",
    "grounding": "#ffd29a",
}
OTHER_COLOUR = "#d5dbe0"
MARK_SPACING = 15
MAX_NUDGE = 3 * MARK_SPACING  # how far a mark may move aside from its moment
TICK_MINUTES = (1, 2, 5, 10, 15, 20, 30, 60, 120)
LEGEND = (
    ("note", "note"),
    ("ground", "ground"),
    ("return", "return"),
    ("medicine", "medicine"),
    ("vitals_due", "vitals due"),
    ("vitals_ack", "vitals checked"),
    ("signal", "patient signal"),
    ("fault", "fault"),
    ("gap", "program stopped"),
)


def timeline_svg(summary: Summary) -> str:
    length = max(summary.length, 1.0)
    plot = WIDTH - LEFT - RIGHT
    bottom = LANE_Y + LANE_H * len(LANES)
    height = bottom + 52

    def x(seconds: float) -> float:
        return round(LEFT + min(max(seconds, 0.0), length) / length * plot, 2)

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="timeline" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" role="img" aria-labelledby="timeline-title">',
        f'<title id="timeline-title">Timeline of {escape(summary.title)}, '
        f"{format_time(summary.length)}</title>",
        '<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="6" height="6" fill="#fbe3e3"/>'
        '<line x1="0" y1="0" x2="0" y2="6" stroke="#c0392b" stroke-width="2"/></pattern></defs>',
        '<g class="labels" font-size="11" fill="#333">',
        f'<text x="4" y="{SCENE_Y + 24}">Scenes</text>',
        f'<text x="4" y="{PAUSE_Y + 10}">Paused</text>',
    ]
    out += [
        f'<text x="4" y="{LANE_Y + i * LANE_H + 17}">{name}</text>'
        for i, (name, _) in enumerate(LANES)
    ]
    out.append("</g>")
    out += _axis(length, x, bottom)
    for span in summary.scenes:
        left, right = x(span.start), x(span.end)
        width = max(right - left, 0.5)
        colour = PHASE_COLOURS.get(span.phase or "grounding", OTHER_COLOUR)
        tip = (
            f"{span.title} ({span.scene}), {span.phase or 'grounding'}: "
            f"{format_time(span.start)} to {format_time(span.end)}"
        )
        out.append(
            f'<g class="scene" data-scene={quoteattr(span.scene)}><title>{escape(tip)}</title>'
            f'<rect x="{left}" y="{SCENE_Y}" width="{round(width, 2)}" height="{SCENE_H}" '
            f'fill="{colour}" stroke="#fff" stroke-width="1"/>'
        )
        label = _fit(span.title, width)
        if label:
            out.append(
                f'<text x="{round(left + 4, 2)}" y="{SCENE_Y + 24}" font-size="11" fill="#222">'
                f"{escape(label)}</text>"
            )
        out.append("</g>")
    for interval in summary.intervals:
        left, right = x(interval.start), x(interval.end)
        fill = "#8a8f94" if interval.kind == "pause" else "url(#hatch)"
        tip = (
            "paused" if interval.kind == "pause" else "the program stopped (not recorded)"
        ) + f": {format_time(interval.start)} to {format_time(interval.end)}"
        out.append(
            f'<g class="{interval.kind}"><title>{escape(tip)}</title>'
            f'<rect x="{left}" y="{PAUSE_Y}" width="{round(max(right - left, 1.5), 2)}" '
            f'height="{PAUSE_H}" fill="{fill}"/></g>'
        )
    note_number = 0
    lane_right = [float("-inf")] * len(LANES)  # marks at the same moment sit side by side
    for mark in summary.marks:
        lane = next((i for i, (_, kinds) in enumerate(LANES) if mark.kind in kinds), None)
        if lane is None:
            continue
        if mark.kind == "note":
            note_number += 1
        at = x(mark.time)
        cx = max(at, lane_right[lane] + MARK_SPACING)
        if cx - at > MAX_NUDGE or cx > WIDTH - RIGHT:  # a crowd: stay on its moment, overlapping
            cx = at
        lane_right[lane] = cx
        cy = LANE_Y + lane * LANE_H + LANE_H / 2
        tip = f"{format_time(mark.time)} {mark.label}"
        out.append(
            f'<g class="mark {mark.kind.replace("_", "-")}"><title>{escape(tip)}</title>'
            f"{_glyph(mark, round(cx, 2), cy, note_number)}</g>"
        )
    out += _legend(bottom + 22)
    out.append("</svg>")
    return "\n".join(out)


def _axis(length: float, x, bottom: int) -> list[str]:
    minutes = next((m for m in TICK_MINUTES if length / (m * 60) <= 12), TICK_MINUTES[-1])
    step = minutes * 60
    out = [
        '<g class="axis" font-size="10" fill="#555" stroke="#ccc">',
        f'<line x1="{LEFT}" y1="{AXIS_Y + 4}" x2="{WIDTH - RIGHT}" y2="{AXIS_Y + 4}"/>',
    ]
    tick = 0.0
    while tick <= length + 1e-6:
        at = x(tick)
        out.append(
            f'<line x1="{at}" y1="{AXIS_Y + 4}" x2="{at}" y2="{bottom}" stroke-dasharray="2,3"/>'
        )
        out.append(
            f'<text x="{at}" y="{AXIS_Y}" text-anchor="middle" stroke="none">'
            f"{format_time(tick)}</text>"
        )
        tick += step
    out.append("</g>")
    return out


def _glyph(mark: Mark, cx: float, cy: float, note_number: int) -> str:
    kind = mark.kind
    if kind == "note":
        return (
            f'<circle cx="{cx}" cy="{cy}" r="8" fill="#2f6fb3"/>'
            f'<text x="{cx}" y="{cy + 3.5}" text-anchor="middle" font-size="9" fill="#fff">'
            f"{note_number}</text>"
        )
    if kind == "ground":
        return _polygon(((cx - 7, cy - 6), (cx + 7, cy - 6), (cx, cy + 7)), "#e67e22")
    if kind == "return":
        return _polygon(((cx - 7, cy + 6), (cx + 7, cy + 6), (cx, cy - 7)), "#27ae60")
    if kind == "medicine":
        return _polygon(((cx, cy - 8), (cx + 7, cy), (cx, cy + 8), (cx - 7, cy)), "#16a085")
    if kind == "vitals_due":
        return (
            f'<rect x="{cx - 5}" y="{cy - 5}" width="10" height="10" fill="#fff" '
            'stroke="#8e44ad" stroke-width="2"/>'
        )
    if kind == "vitals_ack":
        return f'<rect x="{cx - 5}" y="{cy - 5}" width="10" height="10" fill="#8e44ad"/>'
    if kind == "signal":
        return f'<circle cx="{cx}" cy="{cy}" r="7" fill="#fff" stroke="#c0392b" stroke-width="3"/>'
    if kind == "signal_ack":
        return f'<circle cx="{cx}" cy="{cy}" r="4" fill="#c0392b"/>'
    if kind == "gap":
        return (
            f'<line x1="{cx}" y1="{cy - 9}" x2="{cx}" y2="{cy + 9}" '
            'stroke="#c0392b" stroke-width="3"/>'
        )
    return (
        f'<path d="M{cx - 6} {cy - 6} L{cx + 6} {cy + 6} M{cx + 6} {cy - 6} L{cx - 6} {cy + 6}" '
        f'stroke="#c0392b" stroke-width="3"/>'
    )  # fault


def _polygon(points: tuple[tuple[float, float], ...], fill: str) -> str:
    text = " ".join(f"{round(px, 2)},{round(py, 2)}" for px, py in points)
    return f'<polygon points="{text}" fill="{fill}"/>'


def _legend(y: float) -> list[str]:
    out = ['<g class="legend" font-size="10" fill="#333">']
    cx = float(LEFT)
    for kind, label in LEGEND:
        mark = Mark(kind, 0.0, label)
        out.append(
            f'<g class="key">{_glyph(mark, cx + 8, y - 4, 1)}'
            f'<text x="{cx + 20}" y="{y}">{escape(label)}</text></g>'
        )
        cx += 24 + 6.2 * len(label)
    cx, y = float(LEFT), y + 18
    for phase, colour in PHASE_COLOURS.items():
        out.append(
            f'<rect x="{cx}" y="{y - 9}" width="12" height="12" fill="{colour}"/>'
            f'<text x="{cx + 16}" y="{y}">{phase}</text>'
        )
        cx += 24 + 6.2 * len(phase)
    out.append("</g>")
    return out


def _fit(text: str, width: float) -> str:
    room = int((width - 8) / 6.3)
    if room < 3:
        return ""
    return text if len(text) <= room else text[: room - 1] + "…"
