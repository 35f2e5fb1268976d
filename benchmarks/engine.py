"""Engine cost per tick (goal: under 50 µs) and `check` time for the bundled scenes.

Each figure is printed beside a baseline measured in the same run: an empty method call for
the tick, PyYAML's plain safe_load of the same file for `check`.
Run: .venv/bin/python benchmarks/engine.py
"""

from __future__ import annotations

import statistics
import sys
import time
from functools import partial
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from companion.script import load_script  # noqa: E402
from companion.session import Engine, State, VirtualClock  # noqa: E402

TICK_GOAL_US = 50.0
FRAME = 1 / 60


class _Empty:
    def tick(self) -> list:
        return []


def per_call_us(call, n: int) -> list[float]:
    samples = []
    for _ in range(n):
        start = time.perf_counter_ns()
        call()
        samples.append((time.perf_counter_ns() - start) / 1000)
    return samples


def tick_costs(path: Path, frames: int) -> tuple[list[float], list[float]]:
    script = load_script(path).script
    clock = VirtualClock()
    engine = Engine(script, clock)
    engine.command("start")
    ticks, snapshots = [], []
    for frame in range(frames):
        clock.advance(FRAME * 30)  # 30x fast so the run crosses many steps and scenes
        start = time.perf_counter_ns()
        engine.tick()
        ticks.append((time.perf_counter_ns() - start) / 1000)
        if frame % 30 == 0:
            start = time.perf_counter_ns()
            engine.snapshot()
            snapshots.append((time.perf_counter_ns() - start) / 1000)
        if engine.state is State.HOLDING:
            engine.command("continue")
        elif engine.state is State.ENDED:
            break
    return ticks, snapshots


def p(samples: list[float], q: float) -> float:
    return sorted(samples)[min(len(samples) - 1, int(q * len(samples)))]


def main() -> None:
    from results import emit  # benchmarks/results.py, beside this file

    baseline = per_call_us(_Empty().tick, 20000)
    ticks, snaps = tick_costs(ROOT / "scenes" / "journey.yaml", 20000)
    base = statistics.median(baseline)
    print(f"{'figure':36} {'value':>12} {'baseline':>10} {'ratio':>8}  goal")
    print(
        f"{'engine tick, median':36} {statistics.median(ticks):10.2f}µs {base:8.2f}µs "
        f"{statistics.median(ticks) / base:8.1f}  < {TICK_GOAL_US:.0f} µs"
    )
    print(
        f"{'engine tick, p99':36} {p(ticks, 0.99):10.2f}µs {p(baseline, 0.99):8.2f}µs "
        f"{p(ticks, 0.99) / p(baseline, 0.99):8.1f}  < {TICK_GOAL_US:.0f} µs"
    )
    emit(
        "engine tick (p99)",
        round(p(ticks, 0.99), 2),
        "µs",
        f"< {TICK_GOAL_US:g} µs",
        p(ticks, 0.99) < TICK_GOAL_US,
        f"median {statistics.median(ticks):.2f} µs; empty call {base:.2f} µs",
    )
    print(
        f"{'engine snapshot, median':36} {statistics.median(snaps):10.2f}µs {'':>10} {'':>8}  "
        "(panel, ≥2/s)"
    )
    for path in sorted((ROOT / "scenes").glob("*.yaml")):
        text = path.read_text()
        parse = min(per_call_us(partial(yaml.safe_load, text), 5))
        check = min(per_call_us(partial(load_script, path), 5))
        print(
            f"{'check ' + path.name:36} {check / 1000:10.2f}ms {parse / 1000:8.2f}ms "
            f"{check / parse:8.1f}  (baseline: yaml.safe_load)"
        )
        emit(
            f"check {path.name}",
            round(check / 1000, 1),
            "ms",
            "(reported)",
            None,
            f"{check / parse:.1f}x a plain YAML parse",
        )


if __name__ == "__main__":
    main()
