"""Realistic records for the record tests: a real session Engine on a VirtualClock plays a
small script, a therapist's commands go through `engine.command`, and every event the
engine emits goes through a real RecordWriter, frame by frame, as the app does it.

Run as a program to (re)make the committed fixture records:
    .venv/bin/python tests/record/record_sessions.py tests/record/fixtures/format-1
"""

from __future__ import annotations

import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from companion.record import RecordWriter
from companion.script import load_script
from companion.session.clock import VirtualClock
from companion.session.engine import Engine, State
from companion.session.health import HealthBoard

SCRIPT = """\
companion: 1
title: Record test session
phase: preparation
safe_scene: haven
scenes:
  - id: arrive
    title: Arriving
    environment: shoreline
    duration: 2m
    steps:
      - say: Welcome. Let your body settle.
      - pause: 20s
      - breathe: {in: 4, hold: 2, out: 6, cycles: 3}
  - id: journey
    title: The journey
    phase: journey
    environment: night-sky
    duration: 40m
    then: hold
    steps:
      - music: drift
      - pause: 10m
      - show: Notice what is here.
        for: 20s
      - pause: 10m
  - id: return
    title: Coming back
    phase: integration
    environment: meadow
    then: end
    steps:
      - say: Slowly come back into the room.
      - wait: therapist
      - pause: 2m
  - id: haven
    title: Safe place
    environment: haven
    then: hold
    steps:
      - say: You are safe. I am with you.
"""

NOTES = (
    "Settled quickly; breathing slow.",
    "Tearful <at> the stars & asked for the light on",
    'Calm again; said "it was beautiful"',
)


@dataclass
class Session:
    """A driven session: its engine, clock, writer, and what the test did."""

    engine: Engine
    clock: VirtualClock
    writer: RecordWriter
    health: HealthBoard | None = None  # the parts' health, as the app publishes it
    frames: int = 0
    written: list[dict[str, Any]] = field(default_factory=list)  # engine events, as written

    @property
    def end_time(self) -> float:
        """The session time of the end: the session's length (the engine's session time goes
        on after the end, while the panel stays, until the close)."""
        ends = [e["session_time"] for e in self.written if e.get("event") == "end"]
        return float(ends[0]) if ends else self.engine.session_time

    @property
    def board(self) -> HealthBoard:
        if self.health is None:
            self.health = HealthBoard(self.engine)
        return self.health

    def frame(self) -> None:
        """One app frame: tick, then hand the engine's events to the record."""
        self.engine.tick()
        events = self.engine.take_events()
        self.written.extend(e.to_json() for e in events)
        self.writer.write_events(events)
        self.frames += 1

    def command(self, name: str, **args: Any) -> None:
        self.engine.command(name, source="panel", **args)
        self.frame()

    def advance(self, seconds: float, frame_every: float = 5.0) -> None:
        """Let time pass with frames every `frame_every` seconds (a slow frame rate keeps
        tests fast; the engine's timeline does not depend on it)."""
        left = seconds
        while left > 1e-9:
            step = min(frame_every, left)
            self.clock.advance(step)
            left -= step
            self.frame()


def write_script(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "record-test.yaml"
    path.write_text(SCRIPT, encoding="utf-8")
    return path


def open_session(
    script_path: Path,
    record_dir: Path,
    *,
    patient: str | None = "P-014",
    reports: list[tuple[str, bool, str]] | None = None,
    writer_clock: bool = False,
    **writer_options: Any,
) -> Session:
    """A fresh engine and a new record. The writer's health reports go to the engine, as in
    the app, and are also collected in `reports` when given. With `writer_clock` the writer
    also runs on the virtual clock (its heartbeats and its own times), with the engine's
    times for heartbeats, as the app connects them."""
    loaded = load_script(script_path)
    assert loaded.ok and loaded.script is not None, loaded.findings
    clock = VirtualClock()
    engine = Engine(loaded.script, clock)
    health = HealthBoard(engine)

    def report(part: str, ok: bool, message: str) -> None:
        if reports is not None:
            reports.append((part, ok, message))
        health.report(part, ok, message)

    writer = RecordWriter.create(
        script_path,
        record_dir=record_dir,
        patient=patient,
        script=loaded.script,
        display={"output": "none"},
        sound={"driver": "disk", "ok": True},
        report=report,
        **(_virtual_clocks(clock, writer_options) if writer_clock else {}),
        **writer_options,
    )
    if writer_clock:
        writer.times = lambda: (engine.session_time, engine.play_time)
    return Session(engine, clock, writer, health)


def _virtual_clocks(clock: VirtualClock, options: dict[str, Any]) -> dict[str, Any]:
    """The writer's monotonic clock, and a wall clock that moves with it (unless given)."""
    clocks: dict[str, Any] = {"monotonic": clock.now}
    if "wall_clock" not in options:
        base = time.time()
        clocks["wall_clock"] = lambda: base + clock.now()
    return clocks


def play_first_half(session: Session) -> None:
    """Start, notes, a pause, the medicine and vitals, grounding and return, settings changes,
    a patient signal, a refused command and a sound fault that recovers."""
    s = session
    s.command("start")
    s.advance(30)
    s.command("note", text=NOTES[0])
    s.command("vitals_interval", minutes=5)
    s.command("medicine", text="ketamine 0.5 mg/kg IM")
    s.advance(60)
    s.command("pause")
    s.advance(45)
    s.command("resume")
    s.advance(60)  # into the journey scene
    s.command("volume", bus="music", level=0.4)
    s.command("intensity", level=0.3)
    s.advance(4 * 60)  # the first vitals reminder falls due
    s.command("ack_vitals")
    s.command("patient_signal", via="button")
    s.command("note", text=NOTES[1])
    s.command("ground")
    s.command("ack_signal")
    s.advance(90)
    s.command("return")
    s.command("goto", scene="nowhere")  # refused: no such scene
    s.board.report("mixer", False, "the sound device was lost")
    s.frame()
    s.advance(20)
    s.board.report("mixer", True, "the sound device is back")
    s.frame()
    s.command("captions", on=False)
    s.advance(3 * 60)  # a second reminder, acknowledged late
    s.advance(60)
    s.command("ack_vitals")


def play_to_end(session: Session) -> None:
    s = session
    s.advance(40 * 60, frame_every=30)  # the journey ends in a hold
    assert s.engine.state is State.HOLDING, s.engine.state
    s.command("continue")  # to the return scene; it waits for the therapist
    s.advance(20)
    s.command("note", text=NOTES[2])
    s.command("continue")
    s.advance(3 * 60, frame_every=30)  # the scene ends the session
    assert s.engine.state is State.ENDED


def make_fixtures(root: Path) -> None:
    """Two records for later versions to be read against: one ended, one cut off mid-line.
    The script is played from a scratch folder that is then deleted, as a moved script would be."""
    with tempfile.TemporaryDirectory() as scratch:
        scripts = write_script(Path(scratch) / "scripts")
        ended = open_session(scripts, root)
        play_first_half(ended)
        play_to_end(ended)
        ended.writer.close()
        crashed = open_session(scripts, root, patient="P-015")
        play_first_half(crashed)
        crashed.writer.close("stands in for a crash")
    events = crashed.writer.events_path
    lines = events.read_bytes().splitlines(keepends=True)
    # A crash leaves no run_end and can leave half a line: drop run_end, cut the last event.
    kept = [line for line in lines if b'"event":"run_end"' not in line]
    events.write_bytes(b"".join(kept[:-1]) + kept[-1][: len(kept[-1]) // 2])


if __name__ == "__main__":
    make_fixtures(Path(sys.argv[1]))
