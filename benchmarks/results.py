"""Benchmarks print their figures for people, and one `BENCH {json}` line per figure for
`scripts/bench`, which gathers them into one table with each goal beside it."""

from __future__ import annotations

import json


def emit(
    name: str, value: float, unit: str, goal: str, met: bool | None = None, note: str = ""
) -> None:
    """One figure: `met` is None when the row has no pass/fail goal (a baseline)."""
    print(
        "BENCH "
        + json.dumps(
            {"name": name, "value": value, "unit": unit, "goal": goal, "met": met, "note": note}
        ),
        flush=True,
    )
