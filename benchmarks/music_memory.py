"""Memory of a whole session that plays the composer: `companion run FILE --display none`
in real time (sound to SDL's disk driver, into a file removed after), its resident memory sampled
every `--every` seconds, with the composer workers' beside it.

    .venv/bin/python benchmarks/music_memory.py [--minutes 10] [--every 60] [FILE]

Resident memory cannot be measured on a fast clock: the session must play for real, so the
default is 10 minutes. The goal: the session's process at most 200 MB after 10 minutes, and
flat (the growth from the second sample to the last under 5 %; the first sample still
includes start-up). Prints one line per sample: minutes, the session's RSS, the workers'."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.results import emit  # noqa: E402

GOAL_MB = 200.0


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def children(pid: int) -> list[int]:
    """Every descendant process (the composer workers, multiprocessing's helpers)."""
    found: list[int] = []
    todo = [pid]
    while todo:
        parent = todo.pop()
        for task in Path(f"/proc/{parent}/task").glob("*"):
            try:
                kids = [int(k) for k in (task / "children").read_text().split()]
            except OSError:
                continue
            found += kids
            todo += kids
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?", default=str(ROOT / "scenes" / "journey.yaml"))
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--every", type=float, default=60.0, help="seconds between samples")
    args = parser.parse_args()
    records = tempfile.mkdtemp(prefix="companion-memory-")
    sound = Path(records) / "sound.raw"  # SDL's disk driver refuses /dev/null; 10 MB a minute
    env = dict(os.environ, SDL_AUDIODRIVER="disk", SDL_DISKAUDIOFILE=str(sound))
    command = [
        str(ROOT / ".venv" / "bin" / "companion"),
        "run",
        args.file,
        "--display",
        "none",
        "--autostart",
        "--after-end",
        "close",
        "--no-qr",
        "--panel-port",
        "0",
        "--record-dir",
        records,
    ]
    child = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT
    )
    samples: list[tuple[float, float, float]] = []
    start = time.monotonic()
    try:
        next_at = args.every
        print(f"{'minutes':>7} {'session MB':>10} {'workers MB':>10}  workers")
        while time.monotonic() - start < args.minutes * 60 + 1:
            if child.poll() is not None:
                err = child.stderr.read().decode()[-2000:] if child.stderr else ""
                raise SystemExit(f"the session ended early (status {child.returncode}): {err}")
            elapsed = time.monotonic() - start
            if elapsed >= next_at:
                kids = children(child.pid)
                workers = sum(rss_mb(k) for k in kids)
                own = rss_mb(child.pid)
                samples.append((elapsed / 60, own, workers))
                print(f"{elapsed / 60:7.1f} {own:10.1f} {workers:10.1f}  {len(kids)}", flush=True)
                next_at += args.every
            time.sleep(0.5)
    finally:
        child.send_signal(signal.SIGINT)
        try:
            child.wait(20)
        except subprocess.TimeoutExpired:
            child.kill()
    sound.unlink(missing_ok=True)
    if len(samples) < 2:
        raise SystemExit("too few samples: run for longer than two intervals")
    last = samples[-1][1]
    growth = (last - samples[1][1]) / samples[1][1] * 100 if len(samples) > 2 else 0.0
    note = (
        f"{Path(args.file).name}, {samples[-1][0]:.0f} min, RSS every {args.every:g} s: "
        + ", ".join(f"{s[1]:.0f}" for s in samples)
        + f" MB; composer workers {samples[-1][2]:.0f} MB more"
    )
    emit(
        "session memory (resident)",
        round(last, 1),
        "MB",
        f"<= {GOAL_MB:g} MB",
        last <= GOAL_MB,
        note,
    )
    emit("session memory growth", round(growth, 1), "%", "< 5 % (flat)", growth < 5, note)


if __name__ == "__main__":
    main()
