"""Records for the patients tests: a real Engine on a VirtualClock plays a small script and
every event goes through a real RecordWriter, as the app does it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from companion.record import RecordWriter
from companion.script import load_script
from companion.session.clock import VirtualClock
from companion.session.engine import Engine, State

SCRIPT = """\
companion: 1
title: Patients test session
safe_scene: haven
scenes:
  - id: arrive
    title: Arriving
    environment: shoreline
    music: drift
    steps:
      - say: Welcome. Let your body settle.
      - pause: 40s
  - id: deep
    title: Deep
    phase: journey
    environment: night-sky
    music: still-water
    steps:
      - pause: 60s
  - id: back
    environment: meadow
    music: open-sky
    then: end
    steps:
      - pause: 30s
  - id: haven
    environment: haven
    then: hold
    steps:
      - say: You are safe.
"""


def write_script(folder: Path, text: str = SCRIPT, name: str = "patients-test.yaml") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


class Played:
    """One session being played: its engine, clock and writer."""

    def __init__(
        self, script_path: Path, record_dir: Path, patient: str | None, date: str | None = None
    ) -> None:
        loaded = load_script(script_path)
        assert loaded.ok and loaded.script is not None, loaded.findings
        self.clock = VirtualClock()
        self.engine = Engine(loaded.script, self.clock)
        self.writer = RecordWriter.create(
            script_path,
            record_dir=record_dir,
            patient=patient,
            script=loaded.script,
            display={"output": "none"},
            sound={"driver": "disk", "ok": True},
            facts={"date": date} if date else None,
        )

    def frame(self) -> None:
        self.engine.tick()
        self.writer.write_events(self.engine.take_events())

    def command(self, name: str, **args: Any) -> None:
        result = self.engine.command(name, source="panel", **args)
        assert result.ok, result
        self.frame()

    def advance(self, seconds: float, every: float = 5.0) -> None:
        left = seconds
        while left > 1e-9:
            step = min(every, left)
            self.clock.advance(step)
            left -= step
            self.frame()

    def play_to_end(self) -> None:
        self.advance(200, every=10)
        assert self.engine.state is State.ENDED, self.engine.state


def play(
    script_path: Path, record_dir: Path, patient: str | None = "P-021", date: str | None = None
) -> Path:
    """A whole session played to its end; the record's folder."""
    session = Played(script_path, record_dir, patient, date)
    session.command("start")
    session.play_to_end()
    session.writer.close()
    return session.writer.folder


def rate(session: Played, kind: str, **fields: Any) -> None:
    """What the panel sends at the end (or any time): the engine's rating, mood or
    questionnaire command (a questionnaire's answers as the panel sends them, "0,1,...")."""
    if kind == "questionnaire":
        fields = dict(fields, answers=",".join(str(a) for a in fields["answers"]))
    session.command(kind, **fields)
