"""Time to the first frame of `companion run`: from starting the process to the patient's view
drawing its first frame (narration already rendered, the library made), beside the time the
same Python takes to start and import Panda3D and pygame (the baseline, same run).

    .venv/bin/python benchmarks/startup.py [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.launch import start_run  # noqa: E402

GOAL_SECONDS = 5.0


def first_frame_seconds(script: Path, work: Path, display: list[str]) -> float:
    started = time.perf_counter()
    process = start_run(script, display, work / "heard.raw", work / "records")
    try:
        for line in process.stdout:  # type: ignore[union-attr]
            if line.strip() == "first frame drawn":
                return time.perf_counter() - started
        raise RuntimeError("companion run ended before drawing a frame")
    finally:
        process.terminate()
        process.wait(30)


def baseline_seconds() -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", "import panda3d.core, direct.showbase.ShowBase, pygame"],
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - started


def main() -> int:
    from results import emit  # benchmarks/results.py, beside this file

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    script = ROOT / "scenes" / "preparation.yaml"
    subprocess.run(
        [sys.executable, "-m", "companion", "narrate", "-q", str(script)],
        check=True,
        capture_output=True,
    )  # warm: this measures start-up, not rendering speech
    offscreen = ["--display", "window", "--offscreen", "--size", "1280x720"]
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        base = statistics.median(baseline_seconds() for _ in range(args.runs))
        frames = statistics.median(
            first_frame_seconds(script, work, offscreen) for _ in range(args.runs)
        )
        none = statistics.median(
            first_frame_seconds(script, work, ["--display", "none"]) for _ in range(args.runs)
        )
    print(f"{'':40} {'seconds':>8} {'ratio':>7}")
    print(f"{'python + import panda3d, pygame (base)':40} {base:8.2f} {1.0:7.2f}")
    print(
        f"{'companion run: first frame, offscreen':40} {frames:8.2f} {frames / base:7.2f}   goal "
        f"< {GOAL_SECONDS:g} s"
    )
    print(f"{'companion run: first frame, no display':40} {none:8.2f} {none / base:7.2f}")
    emit(
        "time to first frame of companion run",
        round(frames, 2),
        "s",
        f"< {GOAL_SECONDS:g} s",
        frames < GOAL_SECONDS,
        f"offscreen 1280x720; imports alone {base:.2f} s",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
