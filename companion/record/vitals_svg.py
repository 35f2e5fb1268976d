"""The vitals chart: blood pressure, heart rate and SpO2 on the dose clock, as inline SVG.

Drawn for a black-and-white printer: every series has its own mark and line style (blood
pressure as a bar from diastolic ▲ to systolic ▼, heart rate a solid line with dots, SpO2 a
dashed line with squares in its own band below), the protocol's limits dotted, a value out
of limits circled. No colour carries meaning.
"""

from __future__ import annotations

from html import escape

from companion.record.clinical import Clinical

WIDTH, LEFT, RIGHT = 1000, 52, 16
TOP, MAIN_H, GAP, SPO2_H, AXIS_H = 16, 125, 20, 42, 30
MAIN_RANGE = (40.0, 200.0)  # mmHg and beats per minute share one scale
SPO2_RANGE = (85.0, 100.0)
INK, GREY = "#000", "#777"


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
    span = high - low or 1.0
    inner = WIDTH - LEFT - RIGHT
    height = TOP + MAIN_H + GAP + SPO2_H + AXIS_H + 16  # and a legend

    def x(m: float) -> float:
        return LEFT + (m - low) / span * inner

    def y_main(v: float) -> float:
        lo, hi = MAIN_RANGE
        return TOP + MAIN_H * (1 - (min(max(v, lo), hi) - lo) / (hi - lo))

    spo2_top = TOP + MAIN_H + GAP

    def y_spo2(v: float) -> float:
        lo, hi = SPO2_RANGE
        return spo2_top + SPO2_H * (1 - (min(max(v, lo), hi) - lo) / (hi - lo))

    out = [
        f'<svg class="vitals-chart" xmlns="http://www.w3.org/2000/svg" role="img" '
        f'viewBox="0 0 {WIDTH} {height}" width="100%" font-family="sans-serif" '
        f'font-size="10" aria-label="Blood pressure, heart rate and SpO2 on the dose clock">'
    ]
    # frames, grid and axes
    for top, h in ((TOP, MAIN_H), (spo2_top, SPO2_H)):
        out.append(
            f'<rect x="{LEFT}" y="{top}" width="{inner}" height="{h}" fill="none" '
            f'stroke="{INK}" stroke-width="0.8"/>'
        )
    for v in range(60, 200, 40 if MAIN_H < 170 else 20):
        out.append(
            f'<line x1="{LEFT}" x2="{LEFT + inner}" y1="{y_main(v):.1f}" '
            f'y2="{y_main(v):.1f}" stroke="#ccc" stroke-width="0.5"/>'
            f'<text x="{LEFT - 4}" y="{y_main(v) + 3:.1f}" text-anchor="end">{v}</text>'
        )
    for v in (90, 95, 100):
        out.append(
            f'<line x1="{LEFT}" x2="{LEFT + inner}" y1="{y_spo2(v):.1f}" '
            f'y2="{y_spo2(v):.1f}" stroke="#ccc" stroke-width="0.5"/>'
            f'<text x="{LEFT - 4}" y="{y_spo2(v) + 3:.1f}" text-anchor="end">{v}</text>'
        )
    out.append(
        f'<text x="{LEFT}" y="{TOP - 4}">blood pressure mmHg, heart rate /min</text>'
        f'<text x="{LEFT}" y="{spo2_top - 4}">SpO2 %</text>'
    )
    step = 15 if span <= 180 else 30
    tick = int(low // step) * step
    axis_y = spo2_top + SPO2_H
    while tick <= high + 1e-9:
        if tick >= low - 1e-9:
            label = "dose" if tick == 0 else f"{'+' if tick > 0 else '−'}{abs(tick)}"
            out.append(
                f'<line x1="{x(tick):.1f}" x2="{x(tick):.1f}" y1="{TOP}" y2="{axis_y + 4}" '
                f'stroke="#ddd" stroke-width="0.5"/>'
                f'<text x="{x(tick):.1f}" y="{axis_y + 15}" text-anchor="middle">'
                f"{label}</text>"
            )
        tick += step
    out.append(
        f'<text x="{LEFT + inner}" y="{axis_y + 27}" text-anchor="end">minutes after '
        "the dose</text>"
    )
    # the protocol's limits, dotted
    if clinical.protocol is not None:
        for sign, limit in clinical.protocol.limits.items():
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
                    f'<line x1="{LEFT}" x2="{LEFT + inner}" y1="{yy:.1f}" y2="{yy:.1f}" '
                    f'stroke="{GREY}" stroke-width="0.8" stroke-dasharray="1 3"/>'
                )
    # heart rate: a solid line with dots; SpO2: a dashed line with squares
    for sign, y, dash in (("heart_rate", y_main, ""), ("spo2", y_spo2, ' stroke-dasharray="5 3"')):
        points = [(x(m), y(c.values[sign])) for m, c in zip(minutes, checks) if sign in c.values]
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
    # blood pressure: a bar from diastolic (▲) to systolic (▼)
    for m, check in zip(minutes, checks):
        if "systolic" not in check.values or "diastolic" not in check.values:
            continue
        px, top, bottom = x(m), y_main(check.values["systolic"]), y_main(check.values["diastolic"])
        out.append(
            f'<line x1="{px:.1f}" x2="{px:.1f}" y1="{top:.1f}" y2="{bottom:.1f}" '
            f'stroke="{INK}" stroke-width="1"/>'
            f'<path d="M{px - 4:.1f},{top - 4:.1f} h8 l-4,6 z" fill="{INK}"/>'
            f'<path d="M{px - 4:.1f},{bottom + 4:.1f} h8 l-4,-6 z" fill="{INK}"/>'
        )
    # values out of limits: circled, whatever their series
    for m, check in zip(minutes, checks):
        for sign in check.flags:
            value = check.values.get(sign)
            if value is None or sign == "respiratory_rate":
                continue
            yy = y_spo2(value) if sign == "spo2" else y_main(value)
            out.append(
                f'<circle cx="{x(m):.1f}" cy="{yy:.1f}" r="7" fill="none" '
                f'stroke="{INK}" stroke-width="1.4"><title>{escape(sign)} '
                f"{value} outside the limits</title></circle>"
            )
    legend_y = height - 2
    out.append(
        f'<g transform="translate({LEFT},{legend_y})">'
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
    out.append("</svg>")
    return "".join(out)
