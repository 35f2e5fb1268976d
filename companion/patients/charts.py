"""The patient report's charts as inline SVG, drawn for a black-and-white printer: every
series has its own mark and line style, and no colour carries meaning.

- questionnaire scores over time (PHQ-9 a solid line with dots, GAD-7 a dashed line with
  squares), on a date axis;
- mood and anxiety before and after each session (0-10): a hollow mark before, a filled one
  after, joined by a line, one column per session.
"""

from __future__ import annotations

from html import escape

from companion.patients.story import Score, SessionLine

WIDTH, LEFT, RIGHT, TOP, HEIGHT, AXIS = 640, 40, 16, 14, 150, 34
INK, GREY = "#000", "#888"
STYLES = {"PHQ-9": ("", "circle"), "GAD-7": ("5 3", "square")}


def _open(label: str, height: int) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" font-family="sans-serif" font-size="10" aria-label="{escape(label)}">'
    ]


def _mark(shape: str, x: float, y: float, filled: bool = True) -> str:
    fill = INK if filled else "#fff"
    if shape == "square":
        return (
            f'<rect x="{x - 3.5:.1f}" y="{y - 3.5:.1f}" width="7" height="7" fill="{fill}" '
            f'stroke="{INK}"/>'
        )
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{fill}" stroke="{INK}"/>'


def _frame(out: list[str], top: float, high: float, step: float, label: str) -> None:
    inner = WIDTH - LEFT - RIGHT
    out.append(
        f'<rect x="{LEFT}" y="{top}" width="{inner}" height="{HEIGHT}" fill="none" '
        f'stroke="{INK}" stroke-width="0.8"/>'
    )
    value = 0.0
    while value <= high + 1e-9:
        y = top + HEIGHT * (1 - value / high)
        out.append(
            f'<line x1="{LEFT}" x2="{LEFT + inner}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GREY}" '
            f'stroke-width="0.3"/><text x="{LEFT - 4}" y="{y + 3:.1f}" text-anchor="end">'
            f"{value:g}</text>"
        )
        value += step
    out.append(f'<text x="{LEFT}" y="{top - 3}" font-weight="bold">{escape(label)}</text>')


def scores_svg(scores: list[Score]) -> str:
    """PHQ-9 and GAD-7 over time; empty when there are none."""
    dated = [s for s in scores if s.date is not None and s.instrument in STYLES]
    if not dated:
        return ""
    times = [s.date.timestamp() for s in dated if s.date]
    low, high = min(times), max(times)
    span = high - low or 1.0
    inner = WIDTH - LEFT - RIGHT - 20
    height = TOP + HEIGHT + AXIS + 14
    out = _open("Questionnaire scores over time", height)
    _frame(out, TOP, 27, 5, "Score")

    def x(t: float) -> float:
        return LEFT + 10 + (t - low) / span * inner if high > low else LEFT + 10 + inner / 2

    def y(v: float) -> float:
        return TOP + HEIGHT * (1 - v / 27)

    for instrument, (dash, shape) in STYLES.items():
        points = [
            (x(s.date.timestamp()), y(s.score))
            for s in dated
            if s.instrument == instrument and s.date
        ]
        if len(points) > 1:
            path = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
            out.append(
                f'<polyline points="{path}" fill="none" stroke="{INK}" stroke-width="1.2"'
                + (f' stroke-dasharray="{dash}"' if dash else "")
                + "/>"
            )
        out += [_mark(shape, px, py) for px, py in points]
    last_label = -1e9
    for s in dated:  # a date close to the one before is not labelled again (no overlap)
        if s.date and x(s.date.timestamp()) - last_label >= 70:
            last_label = x(s.date.timestamp())
            out.append(
                f'<text x="{last_label:.1f}" y="{TOP + HEIGHT + 13}" '
                f'text-anchor="middle">{s.date:%Y-%m-%d}</text>'
            )
    legend = TOP + HEIGHT + AXIS
    out.append(
        f'{_mark("circle", LEFT + 6, legend)}<text x="{LEFT + 14}" y="{legend + 3}">PHQ-9 '
        f'(solid)</text>{_mark("square", LEFT + 120, legend)}<text x="{LEFT + 128}" '
        f'y="{legend + 3}">GAD-7 (dashed)</text>'
    )
    out.append("</svg>")
    return "".join(out)


def before_after_svg(sessions: list[SessionLine]) -> str:
    """Mood and anxiety before (hollow) and after (filled) each session; empty when none."""
    rated = [s for s in sessions if s.before or s.after]
    if not rated:
        return ""
    panels = (("mood", "Mood (0-10)", "circle"), ("anxiety", "Anxiety (0-10)", "square"))
    height = TOP + 2 * (HEIGHT + AXIS) + 20
    out = _open("Mood and anxiety before and after each session", height)
    inner = WIDTH - LEFT - RIGHT
    column = inner / len(rated)
    for row, (name, label, shape) in enumerate(panels):
        top = TOP + row * (HEIGHT + AXIS)
        _frame(out, top, 10, 2, label)
        for i, session in enumerate(rated):
            cx = LEFT + column * (i + 0.5)
            before, after = session.before.get(name), session.after.get(name)
            ys = {
                k: top + HEIGHT * (1 - v / 10)
                for k, v in (("b", before), ("a", after))
                if v is not None
            }
            if len(ys) == 2:
                out.append(
                    f'<line x1="{cx - 6:.1f}" x2="{cx + 6:.1f}" y1="{ys["b"]:.1f}" '
                    f'y2="{ys["a"]:.1f}" stroke="{INK}" stroke-width="1"/>'
                )
            if "b" in ys:
                out.append(_mark(shape, cx - 6, ys["b"], filled=False))
            if "a" in ys:
                out.append(_mark(shape, cx + 6, ys["a"], filled=True))
            when = f"{session.date:%Y-%m-%d}" if session.date else session.id[:10]
            out.append(
                f'<text x="{cx:.1f}" y="{top + HEIGHT + 13}" text-anchor="middle">{when}</text>'
            )
    legend = TOP + 2 * (HEIGHT + AXIS) + 4
    out.append(
        f'{_mark("circle", LEFT + 6, legend, filled=False)}<text x="{LEFT + 14}" '
        f'y="{legend + 3}">before</text>{_mark("circle", LEFT + 70, legend)}'
        f'<text x="{LEFT + 78}" y="{legend + 3}">after</text>'
    )
    out.append("</svg>")
    return "".join(out)
