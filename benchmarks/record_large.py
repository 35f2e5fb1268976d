"""Make a long record (250,000 events, about 50 MB) and time `companion report` and resume on it
in a child process, with the child's peak memory. Run by benchmarks/record.py; on its own:

    .venv/bin/python benchmarks/record_large.py make FOLDER [EVENTS]
    .venv/bin/python benchmarks/record_large.py measure FOLDER
"""

from __future__ import annotations

import json
import random
import resource
import sys
import time
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "tests" / "record" / "fixtures" / "format-1"


def make(root: Path, count: int) -> Path:
    """A record as a very long, busy session leaves it: a slider dragged for hours, notes,
    steps and scenes, heartbeats, health changes."""
    from companion.record import RecordWriter

    script = next(SCRIPT.glob("*/script.yaml"))
    writer = RecordWriter.create(script, record_dir=root, patient="P-250", sync_interval=None)
    writer.write_events(
        [
            {
                "event": "session_start",
                "session_time": 0.0,
                "play_time": 0.0,
                "title": "Long",
                "scene": "arrive",
                "step": 0,
            }
        ]
    )
    rng = random.Random(250)
    lines = []
    seq = 2
    t = 0.0
    scenes = ["arrive", "journey", "return"]
    bus, panel = "music", 1
    for index in range(count):
        t += 0.05
        pick = rng.random()
        if pick < 0.70:  # a slider dragged: runs of moves on one bus from one panel
            if rng.random() < 0.01:
                bus, panel = rng.choice(["music", "ambience", "narration"]), rng.randint(1, 3)
            data = {
                "event": "command",
                "command": "volume",
                "args": {"bus": bus, "level": round(rng.random(), 2)},
                "source": f"panel 192.168.1.{panel + 10} #{panel}",
                "ok": True,
                "reason": None,
            }
        elif pick < 0.85:
            data = {
                "event": "step_start",
                "scene": scenes[index % 3],
                "step": index % 4,
                "step_kind": "pause",
            }
        elif pick < 0.93:
            data = {
                "event": "note",
                "text": f"Note {index}: breathing slow and even, hands "
                "relaxed; said the music felt far away.",
                "scene": scenes[index % 3],
            }
        elif pick < 0.97:
            data = {"event": "heartbeat", "boot": None, "uptime": 1000.0 + t}
        elif pick < 0.99:
            data = {
                "event": "scene_start",
                "scene": scenes[index % 3],
                "index": index % 3,
                "environment": "forest",
            }
        else:
            data = {
                "event": "health",
                "part": "sound",
                "ok": bool(index % 2),
                "message": "the sound device was lost" if index % 2 == 0 else "back",
            }
        lines.append(
            json.dumps(
                {
                    "seq": seq,
                    **data,
                    "session_time": round(t, 3),
                    "play_time": round(t * 0.9, 3),
                    "wall": round(1_795_680_000 + t, 3),
                },
                separators=(",", ":"),
            )
        )
        seq += 1
    writer.close("stands in for a crash")
    path = writer.events_path
    kept = [line for line in path.read_text().splitlines() if '"run_end"' not in line]
    path.write_text("\n".join(kept + lines) + "\n")
    return writer.folder


def measure(folder: Path) -> dict[str, float]:
    """Load, report (HTML) and find the resume point, as `companion report` and `resume` do."""
    started, cpu = time.perf_counter(), time.process_time()
    from companion.record import load_record, render_report, resume_point
    from companion.record.summary import collector

    collected = collector()  # as `companion report` does: one pass over the file
    record = load_record(folder, observe=collected)
    html = render_report(record, "html", None, collected)
    reported, reported_cpu = time.perf_counter() - started, time.process_time() - cpu
    from companion.record.resume import collector as resume_collector

    walk = resume_collector()  # as `companion resume` does: one pass over the file
    point = resume_point(load_record(folder, observe=walk), walk)
    resumed = time.perf_counter() - started - reported
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "report_s": round(reported, 2),
        "report_cpu_s": round(reported_cpu, 2),
        "resume_point_s": round(resumed, 2),
        "peak_mb": round(peak_kb / 1024, 1),
        "html_mb": round(len(html) / 1e6, 2),
        "events": record.count,
        "resumable": point.resumable,
    }


if __name__ == "__main__":
    if sys.argv[1] == "make":
        print(make(Path(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) > 3 else 250_000))
    else:
        print(json.dumps(measure(Path(sys.argv[2]))))
