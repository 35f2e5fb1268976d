"""Soak: a two-hour session through the real app (`companion run --offscreen`, the mixer on
SDL's disk driver, the panel, the record) with random therapist commands every few seconds.

    .venv/bin/python benchmarks/soak.py                       # 2 h at 12x: 10 minutes
    .venv/bin/python benchmarks/soak.py --speed 1 --minutes 10   # 10 minutes in real time
    .venv/bin/python benchmarks/soak.py --idle 30             # CPU use of an idle scene

Prints the memory (RSS) over the run and its growth after warm-up (goal: under 5 %), the
commands sent and acknowledged, frame-rate cap and CPU use, and checks the record: it loads,
has no damage, ends with the session's end, and holds every acknowledged note.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.launch import start_run  # noqa: E402

ENVIRONMENTS = ("shoreline", "forest", "meadow", "night-sky", "aurora", "haven")
MUSIC = ("drift", "still-water", "open-sky")
AMBIENCE = ("waves", "forest", "rain", "night", "wind", "stream")
CLOCK_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def soak_script(minutes: float = 120.0) -> str:
    """A session of `minutes`: ten-minute scenes through every environment, with every kind of
    step, sound changes, looks, and a hold every third scene."""
    scenes = []
    count = max(1, round(minutes / 10))
    for i in range(count):
        env = ENVIRONMENTS[i % len(ENVIRONMENTS)]
        hold = "\n    then: hold" if i % 3 == 2 else ""
        scenes.append(f"""\
  - id: scene-{i + 1}
    environment: {env}
    music: {MUSIC[i % len(MUSIC)]}
    ambience: {AMBIENCE[i % len(AMBIENCE)]}
    transition: 8s
    duration: 10m{hold}
    steps:
      - say: Scene {i + 1}. Let yourself rest here for a while.
      - pause: 30s
      - breathe: {{in: 4, hold: 2, out: 6, cycles: 4}}
      - show: What do you notice now?
        for: 20s
      - look: {{brightness: 0.5, fade: 1m}}
      - chime: soft
      - music: {{track: [{MUSIC[(i + 1) % len(MUSIC)]}, {MUSIC[i % len(MUSIC)]}], fade: 20s}}
      - pause: 3m
""")
    return f"""\
companion: 1
title: Soak
phase: preparation
safe_scene: scene-{count}
scenes:
{"".join(scenes)}"""


FORWARD = {"next_scene", "next_step", "continue", "goto"}  # commands that can end the session early
COMMANDS: list[tuple[str, dict[str, Any], int]] = [
    ("pause", {}, 3),
    ("resume", {}, 4),
    ("next_step", {}, 3),
    ("next_scene", {}, 1),
    ("previous_scene", {}, 1),
    ("continue", {}, 4),
    ("ground", {}, 1),
    ("return", {}, 2),
    ("talk", {"on": True}, 1),
    ("talk", {"on": False}, 2),
    ("captions", {"on": False}, 1),
    ("captions", {"on": True}, 1),
    ("note", {}, 4),
    ("ack_vitals", {}, 2),
    ("patient_signal", {"via": "soak"}, 1),
    ("ack_signal", {}, 2),
    ("recenter", {}, 1),
    ("volume", {}, 3),
    ("intensity", {}, 2),
    ("goto", {}, 1),
    ("medicine", {"text": "soak"}, 1),
]


@dataclass
class SoakResult:
    seconds: float
    samples: list[tuple[float, int]] = field(default_factory=list)  # (time, rss bytes)
    cpu: list[tuple[float, float]] = field(default_factory=list)  # (time, cpu seconds)
    sent: int = 0
    acknowledged: int = 0
    refused: int = 0
    notes: list[str] = field(default_factory=list)
    exit_code: int | None = None
    stderr: str = ""
    record: Path | None = None
    frames: int = 0
    session_time: float = 0.0  # the engine's session clock when the soak ended it (seconds)

    def memory_growth(self, warm_up: float = 0.25) -> float:
        """Growth of RSS over the run after warm-up: the last fifth's median against the
        median of the fifth after warm-up."""
        kept = [rss for t, rss in self.samples if t >= self.seconds * warm_up]
        if len(kept) < 10:
            return 0.0
        fifth = max(1, len(kept) // 5)
        early = sorted(kept[:fifth])[fifth // 2]
        late = sorted(kept[-fifth:])[fifth // 2]
        return (late - early) / early


def _proc(pid: int) -> tuple[int, float] | None:
    try:
        statm = Path(f"/proc/{pid}/statm").read_text().split()
        stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return int(statm[1]) * PAGE, (int(stat[11]) + int(stat[12])) / CLOCK_TICK


class Panel:
    def __init__(self, url: str) -> None:
        self.base, self.token = url.split("/?token=")

    def call(self, path: str, body: dict[str, Any] | None = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            self.base + path,
            data=data,
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=20) as response:
            return json.loads(response.read())


def run_soak(
    workdir: Path,
    *,
    session_minutes: float = 120.0,
    speed: float = 12.0,
    real_seconds: float | None = None,
    every: float = 2.0,
    seed: int = 1,
    display: tuple[str, ...] = ("--display", "window", "--offscreen", "--size", "640x360"),
    say=print,
) -> SoakResult:
    """Play a `session_minutes` session at `speed` with a random command every `every` seconds
    (real time) for its whole length (or `real_seconds`), then end it; sample memory and CPU.
    Commands that move on are turned back in the last scene, so it never ends early."""
    rng = random.Random(seed)
    script = workdir / "soak.yaml"
    script.write_text(soak_script(session_minutes))
    process = start_run(
        script,
        display,
        workdir / "heard.raw",
        workdir / "records",
        "--speed",
        str(speed),
        stderr=subprocess.PIPE,
    )
    lines: list[str] = []
    threading.Thread(target=lambda: lines.extend(process.stdout), daemon=True).start()  # type: ignore[arg-type]
    errors: list[str] = []
    threading.Thread(target=lambda: errors.extend(process.stderr), daemon=True).start()  # type: ignore[arg-type]
    url = _wait_for_panel(process, lines)
    panel = Panel(url)
    limit = real_seconds if real_seconds is not None else session_minutes * 60 / speed
    result = SoakResult(seconds=limit)
    weights = [w for _, _, w in COMMANDS]
    started = time.monotonic()
    next_command = started + every
    next_sample = started
    scenes = [f"scene-{i + 1}" for i in range(max(1, round(session_minutes / 10)))]
    in_last_scene = False
    while process.poll() is None and time.monotonic() - started < limit:
        now = time.monotonic()
        if now >= next_sample:
            got = _proc(process.pid)
            if got:
                result.samples.append((now - started, got[0]))
                result.cpu.append((now - started, got[1]))
            next_sample += 1.0
        if now >= next_command:
            next_command += every * rng.uniform(0.5, 1.5)
            name, args, _ = rng.choices(COMMANDS, weights)[0]
            if in_last_scene and name in FORWARD:
                # the random skips would reach the end long before the session's length: the
                # therapist takes it back instead, so the soak plays for all of its time
                name, args = "goto", {}
            args = _arguments(name, args, rng, scenes, result)
            try:
                answer = panel.call(
                    "/api/command", {"command": name, **args, "id": f"soak-{result.sent}"}
                )
            except (OSError, urllib.error.URLError) as exc:
                say(f"command {name} failed: {exc}")
                continue
            finally:
                result.sent += 1
            result.acknowledged += 1
            result.refused += not answer["ok"]
            if name == "note" and answer["ok"]:
                result.notes.append(args["text"])
            state = panel.call("/api/state")
            result.session_time = state["session_time"]
            in_last_scene = (state["scene"] or {}).get("index", 0) >= len(scenes) - 1
            if state["state"] == "ended":
                break
        time.sleep(0.05)
    result.seconds = time.monotonic() - started
    try:
        result.session_time = panel.call("/api/state")["session_time"]
        panel.call("/api/command", {"command": "end"})
        result.acknowledged += 1  # applied or refused (it may have ended by itself): recorded
    except OSError:
        pass  # it had ended by itself and closed its panel
    result.exit_code = process.wait(timeout=120)
    time.sleep(0.2)
    result.stderr = "".join(errors)
    result.record = next((p for p in (workdir / "records").iterdir() if p.is_dir()), None)
    return result


def _arguments(
    name: str, args: dict[str, Any], rng: random.Random, scenes: list[str], result: SoakResult
) -> dict[str, Any]:
    if name == "note":
        return {"text": f"soak note {result.sent}"}
    if name == "volume":
        return {
            "bus": rng.choice(["master", "music", "ambience", "narration", "effects"]),
            "level": round(rng.uniform(0.3, 1.0), 2),
        }
    if name == "intensity":
        return {"level": round(rng.uniform(0.0, 1.0), 2)}
    if name == "goto":
        return {"scene": rng.choice(scenes[:-1] or scenes)}
    return dict(args)


def _wait_for_panel(process: subprocess.Popen, lines: list[str], timeout: float = 300.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for line in list(lines):
            found = re.match(r"^panel: (\S+)$", line.strip())
            if found:
                return found.group(1)
        if process.poll() is not None:
            raise RuntimeError(f"companion run exited early ({process.returncode})")
        time.sleep(0.05)
    raise RuntimeError("no panel line from companion run")


def check_record(result: SoakResult) -> list[str]:
    """What is wrong with the soak's record (an empty list: nothing)."""
    from companion.record.reader import load_record

    problems: list[str] = []
    if result.record is None:
        return ["no record"]
    record = load_record(result.record)
    problems += [f"record: {p}" for p in getattr(record, "problems", [])]
    kinds = [e.get("event") for e in record.events]
    if not record.ended or "end" not in kinds or kinds[-1] != "run_end":
        problems.append(f"the record does not end with the session's end: {kinds[-3:]}")
    notes = {e.get("text") for e in record.events if e.get("event") == "note"}
    missing = [n for n in result.notes if n not in notes]
    if missing:
        problems.append(f"{len(missing)} acknowledged note(s) missing from the record")
    commands = [
        e
        for e in record.events
        if e.get("event") == "command" and str(e.get("source", "")).startswith(("api", "panel"))
    ]  # the HTTP API's and the page's
    if len(commands) != result.acknowledged:
        problems.append(
            f"{result.acknowledged} commands acknowledged, {len(commands)} in the record"
        )
    if "Traceback" in result.stderr:
        problems.append("a traceback on stderr")
    return problems


def idle_cpu(workdir: Path, seconds: float, display: tuple[str, ...]) -> float:
    """CPU use (fraction of one core) of a session holding in one scene for `seconds`."""
    script = workdir / "idle.yaml"
    script.write_text(
        "companion: 1\ntitle: Idle\nscenes:\n  - id: idle\n    environment: meadow\n"
        "    music: drift\n    ambience: wind\n    then: hold\n"
    )
    process = start_run(script, display, workdir / "idle.raw", workdir / "idle-records")
    lines: list[str] = []
    threading.Thread(target=lambda: lines.extend(process.stdout), daemon=True).start()  # type: ignore[arg-type]
    _wait_for_panel(process, lines)
    time.sleep(5)  # past the first scene's fade-in
    before = _proc(process.pid)
    time.sleep(seconds)
    after = _proc(process.pid)
    process.terminate()
    process.wait(30)
    assert before and after
    return (after[1] - before[1]) / seconds


def main() -> int:
    from results import emit  # benchmarks/results.py, beside this file

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--minutes",
        type=float,
        default=None,
        help="real minutes to run (default: the whole session)",
    )
    parser.add_argument("--session-minutes", type=float, default=120.0)
    parser.add_argument(
        "--speed", type=float, default=12.0, help="the engine's clock rate (1 = real time)"
    )
    parser.add_argument("--every", type=float, default=2.0, help="seconds between random commands")
    parser.add_argument(
        "--idle",
        type=float,
        default=20.0,
        help="seconds to measure an idle scene's CPU use (0: skip)",
    )
    parser.add_argument("--display", default="offscreen", choices=("offscreen", "none"))
    parser.add_argument(
        "--no-memory-goal",
        action="store_true",
        help="report memory growth without judging it: a run of a few minutes ends "
        "while the sounds are still being decoded and copied",
    )
    args = parser.parse_args()
    display = (
        ("--display", "none")
        if args.display == "none"
        else ("--display", "window", "--offscreen", "--size", "1280x720")
    )
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        real = args.minutes * 60 if args.minutes else None
        print(
            f"soak: a {args.session_minutes:g}-minute session at {args.speed:g}x, a random "
            "command every "
            f"~{args.every:g} s, {args.display}"
        )
        result = run_soak(
            work,
            session_minutes=args.session_minutes,
            speed=args.speed,
            real_seconds=real,
            every=args.every,
            display=display,
        )
        growth = result.memory_growth()
        rss = [r for _, r in result.samples]
        cpu = (
            (result.cpu[-1][1] - result.cpu[0][1]) / max(1e-9, result.cpu[-1][0] - result.cpu[0][0])
            if len(result.cpu) > 1
            else 0.0
        )
        problems = check_record(result)
        print(
            f"ran {result.seconds / 60:.1f} min real ({result.session_time / 60:.0f} min of "
            "session); "
            f"exit {result.exit_code}"
        )
        print(
            f"commands: {result.sent} sent, {result.acknowledged} acknowledged, {result.refused} "
            "refused by the engine"
        )
        print(
            f"memory (RSS): start {rss[0] / 2**20:.0f} MiB, peak {max(rss) / 2**20:.0f} MiB, "
            f"end {rss[-1] / 2**20:.0f} MiB; growth after warm-up {growth * 100:+.1f} % (goal < 5 "
            "%)"
        )
        print(f"CPU while soaking: {cpu * 100:.0f} % of one core")
        print("record: " + ("complete" if not problems else "; ".join(problems)))
        label = "soak" if args.speed != 1 else "soak, real time"
        planned = real / 60 * args.speed if real else args.session_minutes
        emit(
            f"{label}: session played",
            round(result.session_time / 60, 1),
            "min",
            f">= {planned * 0.98:g} min",
            result.session_time / 60 >= planned * 0.98,
            f"{result.seconds / 60:.1f} min real at {args.speed:g}x",
        )
        judged = not args.no_memory_goal
        emit(
            f"{label}: memory growth after warm-up",
            round(growth * 100, 2),
            "%",
            "< 5 %" if judged else "(not judged: too short)",
            growth < 0.05 if judged else None,
            f"{result.seconds / 60:.0f} min at {args.speed:g}x",
        )
        emit(
            f"{label}: record complete, nothing raised",
            float(not problems and result.exit_code == 0),
            "bool",
            "1",
            not problems and result.exit_code == 0,
        )
        if args.idle:
            idle = idle_cpu(work, args.idle, display)
            print(f"idle scene: {idle * 100:.0f} % of one core (frame rate capped at 60 Hz)")
            emit(
                "idle scene CPU",
                round(idle * 100, 1),
                "% of a core",
                "(reported)",
                None,
                "offscreen 1280x720, 60 Hz cap" if args.display == "offscreen" else "display none",
            )
    return (
        0
        if not problems and result.exit_code == 0 and (growth < 0.05 or args.no_memory_goal)
        else 1
    )


if __name__ == "__main__":
    sys.exit(main())
