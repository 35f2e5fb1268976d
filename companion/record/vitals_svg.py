"""The vitals chart: blood pressure, heart rate and SpO2 on the dose clock, as inline SVG.

Drawn for a black-and-white printer: every series has its own mark and line style (blood
pressure as a bar from diastolic ▲ to systolic ▼, heart rate a solid line with dots, SpO2 a
dashed line with squares in its own band below), the protocol's limits dotted, a value out
of limits circled. No colour carries meaning.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from html import escape

from companion.protocols.model import Protocol
from companion.record.clinical import Check, Clinical

WIDTH, LEFT, RIGHT = 1000, 52, 16
TOP, MAIN_H, GAP, SPO2_H, AXIS_H = 16, 125, 20, 42, 30
MAIN_RANGE = (40.0, 200.0)  # mmHg and beats per minute share one scale
SPO2_RANGE = (85.0, 100.0)
INK, GREY = "#000", "#777"
INNER = WIDTH - LEFT - RIGHT
SPO2_TOP = TOP + MAIN_H + GAP
HEIGHT = TOP + MAIN_H + GAP + SPO2_H + AXIS_H + 16  # and a legend


def vitals_svg(clinical: Clinical) -> str:
    checks = [
        c for c in clinical.checks if any(k in c.values for k in ("systolic", "heart_rate", "spo2"))
    ]
    if not checks:
        return ""
    origin = clinical.dose_time if clinical.dose_time is not None else checks[0].time
    minutes = [(c.time - origin) / 60 for c in checks]
    low = min(0.0, min(minutes))
    high = max(max(minutes), (clinical.protocol.observation if clinical.protocol else 0.0), 10.0)
    if clinical.ready_at is not None:
        high = max(high, (clinical.ready_at - origin) / 60)
    scale = _Scale(low, high)
    marks = list(zip(minutes, checks, strict=True))
    out = [
        f'<svg class="vitals-chart" xmlns="http://www.w3.org/2000/svg" role="img" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" font-family="sans-serif" '
        f'font-size="10" aria-label="Blood pressure, heart rate and SpO2 on the dose clock">'
    ]
    out += _grid()
    out += _time_axis(scale)
    if clinical.protocol is not None:  # the protocol's limits, dotted
        out += _limits(clinical.protocol)
    out += _series(scale, marks)
    out += _pressure(scale, marks)
    out += _out_of_limits(scale, marks)
    out.append(_LEGEND)
    out.append("</svg>")
    return "".join(out)


_LEGEND = (
    f'<g transform="translate({LEFT},{HEIGHT - 2})">'
    f'<path d="M0,-8 h8 l-4,6 z"/><text x="11" y="-2">systolic</text>'
    f'<path d="M62,-2 h8 l-4,-6 z"/><text x="73" y="-2">diastolic</text>'
    f'<circle cx="132" cy="-5" r="2.4"/><line x1="124" x2="140" y1="-5" y2="-5" '
    f'stroke="{INK}"/><text x="144" y="-2">heart rate</text>'
    f'<rect x="204" y="-7.5" width="5" height="5" fill="#fff" stroke="{INK}"/>'
    f'<text x="214" y="-2">SpO2</text>'
    f'<line x1="250" x2="266" y1="-5" y2="-5" stroke="{GREY}" '
    f'stroke-dasharray="1 3"/><text x="270" y="-2">limit</text>'
    f'<circle cx="312" cy="-5" r="6" fill="none" stroke="{INK}"/>'
    f'<text x="322" y="-2">outside the limits</text></g>'
)


@dataclass(frozen=True)
class _Scale:
    """Where a minute of the dose clock falls across the chart."""

    low: float
    high: float

    def x(self, m: float) -> float:
        return LEFT + (m - self.low) / (self.high - self.low or 1.0) * INNER


def y_main(v: float) -> float:
    lo, hi = MAIN_RANGE
    return TOP + MAIN_H * (1 - (min(max(v, lo), hi) - lo) / (hi - lo))


def y_spo2(v: float) -> float:
    lo, hi = SPO2_RANGE
    return SPO2_TOP + SPO2_H * (1 - (min(max(v, lo), hi) - lo) / (hi - lo))


def _grid() -> list[str]:
    """Frames, grid lines and their labels."""
    out = []
    for top, h in ((TOP, MAIN_H), (SPO2_TOP, SPO2_H)):
        out.append(
            f'<rect x="{LEFT}" y="{top}" width="{INNER}" height="{h}" fill="none" '
            f'stroke="{INK}" stroke-width="0.8"/>'
        )
    for v in range(60, 200, 40 if MAIN_H < 170 else 20):
        out.append(
            f'<line x1="{LEFT}" x2="{LEFT + INNER}" y1="{y_main(v):.1f}" '
            f'y2="{y_main(v):.1f}" stroke="#ccc" stroke-width="0.5"/>'
            f'<text x="{LEFT - 4}" y="{y_main(v) + 3:.1f}" text-anchor="end">{v}</text>'
        )
    for v in (90, 95, 100):
        out.append(
            f'<line x1="{LEFT}" x2="{LEFT + INNER}" y1="{y_spo2(v):.1f}" '
            f'y2="{y_spo2(v):.1f}" stroke="#ccc" stroke-width="0.5"/>'
            f'<text x="{LEFT - 4}" y="{y_spo2(v) + 3:.1f}" text-anchor="end">{v}</text>'
        )
    out.append(
        f'<text x="{LEFT}" y="{TOP - 4}">blood pressure mmHg, heart rate /min</text>'
        f'<text x="{LEFT}" y="{SPO2_TOP - 4}">SpO2 %</text>'
    )
    return out


def _time_axis(scale: _Scale) -> list[str]:
    """Minutes after the dose, every 15 (or 30 on a long session)."""
    low, high = scale.low, scale.high
    span = high - low or 1.0
    out = []
    step = 15 if span <= 180 else 30
    tick = int(low // step) * step
    axis_y = SPO2_TOP + SPO2_H
    while tick <= high + 1e-9:
        if tick >= low - 1e-9:
            at = scale.x(tick)
            label = "dose" if tick == 0 else f"{'+' if tick > 0 else '−'}{abs(tick)}"
            out.append(
                f'<line x1="{at:.1f}" x2="{at:.1f}" y1="{TOP}" y2="{axis_y + 4}" '
                f'stroke="#ddd" stroke-width="0.5"/>'
                f'<text x="{at:.1f}" y="{axis_y + 15}" text-anchor="middle">'
                f"{label}</text>"
            )
        tick += step
    out.append(
        f'<text x="{LEFT + INNER}" y="{axis_y + 27}" text-anchor="end">minutes after '
        "the dose</text>"
    )
    return out


def _limits(protocol: Protocol) -> list[str]:
    out = []
    for sign, limit in protocol.limits.items():
        for bound in (limit.low, limit.high):
            if bound is None:
                continue
            if (
                sign in ("systolic", "diastolic", "heart_rate")
                and MAIN_RANGE[0] <= bound <= MAIN_RANGE[1]
            ):
                yy = y_main(bound)
            elif sign == "spo2" and SPO2_RANGE[0] <= bound <= SPO2_RANGE[1]:
                yy = y_spo2(bound)
            else:
                continue
            out.append(
                f'<line x1="{LEFT}" x2="{LEFT + INNER}" y1="{yy:.1f}" y2="{yy:.1f}" '
                f'stroke="{GREY}" stroke-width="0.8" stroke-dasharray="1 3"/>'
            )
    return out


def _series(scale: _Scale, marks: list[tuple[float, Check]]) -> list[str]:
    """Heart rate: a solid line with dots; SpO2: a dashed line with squares."""
    out = []
    line_of: tuple[tuple[str, Callable[[float], float], str], ...] = (
        ("heart_rate", y_main, ""),
        ("spo2", y_spo2, ' stroke-dasharray="5 3"'),
    )
    for sign, y, dash in line_of:
        points = [(scale.x(m), y(c.values[sign])) for m, c in marks if sign in c.values]
        if len(points) > 1:
            path = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
            out.append(
                f'<polyline points="{path}" fill="none" stroke="{INK}" stroke-width="1.2"{dash}/>'
            )
        for px, py in points:
            out.append(
                f'<circle cx="{px:.1f}" cy="{py:.1f}" r="2.4" fill="{INK}"/>'
                if sign == "heart_rate"
                else f'<rect x="{px - 2.5:.1f}" y="{py - 2.5:.1f}" width="5" height="5" '
                f'fill="#fff" stroke="{INK}"/>'
            )
    return out


def _pressure(scale: _Scale, marks: list[tuple[float, Check]]) -> list[str]:
    """Blood pressure: a bar from diastolic (▲) to systolic (▼)."""
    out = []
    for m, check in marks:
        if "systolic" not in check.values or "diastolic" not in check.values:
            continue
        bar_x, y_sys, y_dia = (
            scale.x(m),
            y_main(check.values["systolic"]),
            y_main(check.values["diastolic"]),
        )
        out.append(
            f'<line x1="{bar_x:.1f}" x2="{bar_x:.1f}" y1="{y_sys:.1f}" y2="{y_dia:.1f}" '
            f'stroke="{INK}" stroke-width="1"/>'
            f'<path d="M{bar_x - 4:.1f},{y_sys - 4:.1f} h8 l-4,6 z" fill="{INK}"/>'
            f'<path d="M{bar_x - 4:.1f},{y_dia + 4:.1f} h8 l-4,-6 z" fill="{INK}"/>'
        )
    return out


def _out_of_limits(scale: _Scale, marks: list[tuple[float, Check]]) -> list[str]:
    """Values out of limits: circled, whatever their series."""
    out = []
    for m, check in marks:
        for sign in check.flags:
            value = check.values.get(sign)
            if value is None or sign == "respiratory_rate":
                continue
            yy = y_spo2(value) if sign == "spo2" else y_main(value)
            out.append(
                f'<circle cx="{scale.x(m):.1f}" cy="{yy:.1f}" r="7" fill="none" '
                f'stroke="{INK}" stroke-width="1.4"><title>{escape(sign)} '
                f"{value} outside the limits</title></circle>"
            )
    return out
