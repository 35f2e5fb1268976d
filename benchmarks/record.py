"""What writing the session record costs a frame.

Measures, per event, `RecordWriter.write` on a real file (with the background fsync thread
running often, so its contention is in the figures) against a baseline taken in the same run:
`json.dumps` of the same event alone. Also a frame's `write_events` call with a typical batch,
and the cost while the disk refuses writes (events held in memory), and a heartbeat.

Then reading: a 250,000-event record (about 50 MB; benchmarks/record_large.py makes it)
reported (`companion report`'s one streamed pass, HTML) and its resume point found, in a
child process, with the child's peak memory. Goals: under 3 s and under 200 MB.

    .venv/bin/python benchmarks/record.py [--events N] [--large N]
"""

from __future__ import annotations

import argparse
import errno
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from companion.record import RecordWriter
from companion.session.actions import Event

FRAME_US = 1_000_000 / 60  # 16.7 ms


def sample_events(count: int) -> list[Event]:
    """A mix like a session's: mostly steps and commands, some notes and health changes."""
    kinds = [
        Event("step_start", 612.5, 580.25, {"scene": "journey", "step": 3, "step_kind": "say"}),
        Event(
            "command",
            613.0,
            581.0,
            {
                "command": "volume",
                "args": {"bus": "music", "level": 0.45},
                "source": "panel",
                "ok": True,
                "reason": None,
            },
        ),
        Event(
            "note",
            615.2,
            583.1,
            {
                "text": "Patient describes warmth in the chest, breathing slow and "
                "even; asked for the blanket.",
                "scene": "journey",
            },
        ),
        Event(
            "scene_start",
            640.0,
            600.0,
            {"scene": "journey", "index": 1, "environment": "night-sky"},
        ),
        Event(
            "health",
            641.0,
            601.0,
            {"part": "mixer", "ok": False, "message": "the sound device was lost"},
        ),
        Event("vitals_due", 900.0, 860.0, {"due": 900.0, "minutes_since_dose": 15.0}),
    ]
    return [kinds[i % len(kinds)] for i in range(count)]


def percentiles(samples_ns: list[int]) -> tuple[float, float, float]:
    ordered = sorted(samples_ns)
    p50 = ordered[len(ordered) // 2] / 1000
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] / 1000
    return p50, p99, ordered[-1] / 1000


def time_each(function, items) -> list[int]:
    clock = time.perf_counter_ns
    samples = []
    for item in items:
        start = clock()
        function(item)
        samples.append(clock() - start)
    return samples


class RefusingDisk:
    """A sink that refuses every write as a full disk does (for the held-in-memory path)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def write(self, data) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def sync(self) -> None:
        return None

    def close(self) -> None:
        return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--large", type=int, default=250_000, help="events in the long record")
    args = parser.parse_args()
    events = sample_events(args.events)
    script = Path(__file__).resolve().parent.parent / "tests" / "record" / "fixtures" / "format-1"
    script = next(script.glob("*/script.yaml"))

    with tempfile.TemporaryDirectory(dir=Path.home()) as scratch:  # a real disk, not a RAM tmpfs
        writer = RecordWriter.create(script, record_dir=Path(scratch), sync_interval=0.05)
        time_each(writer.write, events[:1000])  # warm up
        baseline = time_each(lambda e: json.dumps(e.to_json()), events)
        written = time_each(writer.write, events)
        batches = [events[i : i + 3] for i in range(0, len(events), 3)]
        frames = time_each(writer.write_events, batches)
        writer.close()
        size = writer.events_path.stat().st_size

        refusing = RecordWriter.create(
            script,
            record_dir=Path(scratch),
            open_sink=RefusingDisk,
            retry_interval=3600,
            max_pending_bytes=1 << 30,
        )
        held = time_each(refusing.write, events)
        beating = RecordWriter.create(script, record_dir=Path(scratch), sync_interval=0.05)
        beating.times = lambda: (612.5, 580.25)
        beats = time_each(lambda _e: beating.heartbeat(), events[:2000])
        beating.close()

    rows = [
        ("json.dumps alone (baseline)", baseline),
        ("RecordWriter.write", written),
        ("write_events, 3 per frame", frames),
        ("write, disk refusing (held)", held),
        ("heartbeat (one per 15 s)", beats),
    ]
    base50 = statistics.median(baseline) / 1000
    print(
        f"record writer: {args.events} events, {size / args.events:.0f} bytes each on average, "
        f"fsync every 50 ms in the background"
    )
    print(
        f"{'':30} {'p50 µs':>8} {'p99 µs':>8} {'max µs':>9} {'p50/base':>9} {'p99 % of frame':>15}"
    )
    for label, samples in rows:
        p50, p99, worst = percentiles(samples)
        share = 100 * p99 / FRAME_US
        print(f"{label:30} {p50:8.1f} {p99:8.1f} {worst:9.1f} {p50 / base50:9.1f} {share:14.3f}%")
    _, p99, _ = percentiles(written)
    verdict = "within" if p99 < FRAME_US * 0.01 else "OVER"
    print(f"goal: p99 per event under 1% of a 16.7 ms frame ({FRAME_US * 0.01:.0f} µs): {verdict}")
    print("(a max shows the machine's scheduling noise: compare it with the baseline's max)")
    from results import emit  # benchmarks/results.py, beside this file

    emit(
        "record write per event (p99)",
        round(p99, 1),
        "µs",
        f"< {FRAME_US * 0.01:.0f} µs (1% of a frame)",
        p99 < FRAME_US * 0.01,
        f"{p99 / (percentiles(baseline)[1]):.1f}x json.dumps alone",
    )
    beat50, _, _ = percentiles(beats)
    emit(
        "record heartbeat",
        round(beat50, 1),
        "µs",
        "one per 15 s",
        None,
        f"{beat50 / 15e6 * 100:.5f} % of the time",
    )
    large(args.large)
    return 0


def large(count: int) -> None:
    """Report and resume point of a long record, in a child process (its peak memory)."""
    import subprocess

    helper = Path(__file__).resolve().parent / "record_large.py"
    with tempfile.TemporaryDirectory(dir=Path.home()) as scratch:
        folder = subprocess.run(
            [sys.executable, str(helper), "make", scratch, str(count)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        size = (Path(folder) / "events.jsonl").stat().st_size
        figures = json.loads(
            subprocess.run(
                [sys.executable, str(helper), "measure", folder],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
        )
    print(f"\nreading a long record: {figures['events']} events, {size / 1e6:.0f} MB")
    print(
        f"  report (HTML, {figures['html_mb']} MB): {figures['report_s']} s "
        f"({figures['report_cpu_s']} s of CPU); resume point: {figures['resume_point_s']} s; "
        f"peak memory {figures['peak_mb']} MB"
    )
    from results import emit

    emit(
        "record report, 250k events",
        figures["report_s"],
        "s",
        "< 3 s",
        figures["report_s"] < 3,
        f"{figures['report_cpu_s']} s CPU; {size / 1e6:.0f} MB file",
    )
    emit(
        "record report, peak memory",
        figures["peak_mb"],
        "MB",
        "< 200 MB",
        figures["peak_mb"] < 200,
        "report and resume point, one process",
    )


if __name__ == "__main__":
    sys.exit(main())
