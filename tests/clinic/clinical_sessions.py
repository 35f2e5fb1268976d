"""A clinical session for the monitoring, report and export tests: a real engine with the
esketamine-nasal protocol on a virtual clock, its events written by a real RecordWriter as
the app does it. Two hours and more after the dose, ten vitals checks (one out of limits and
acknowledged, one late, one checkpoint missed), a dose with its lot, ready to leave."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from companion.protocols import resolve_protocol
from companion.record import RecordWriter
from companion.script import load_script
from companion.session.clock import VirtualClock
from companion.session.engine import Engine
from companion.session.health import HealthBoard

SCRIPT = """\
companion: 1
title: Clinic monitoring session
scenes:
  - id: rest
    title: Resting
    environment: shoreline
    duration: 150m
    then: hold
    steps:
      - say: Let your body settle.
"""

# (minutes after the dose, values): the pre-dose check comes two minutes before it
CHECKS: list[tuple[float, dict[str, Any]]] = [
    (
        -2,
        {
            "systolic": 124,
            "diastolic": 78,
            "heart_rate": 72,
            "spo2": 98,
            "sedation": 5,
            "dissociation": "none",
        },
    ),
    (
        10,
        {
            "systolic": 138,
            "diastolic": 86,
            "heart_rate": 84,
            "spo2": 97,
            "sedation": 3,
            "dissociation": "marked",
            "respiratory_rate": 14,
        },
    ),
    (
        20,
        {
            "systolic": 146,
            "diastolic": 90,
            "heart_rate": 88,
            "spo2": 96,
            "sedation": 3,
            "dissociation": "marked",
        },
    ),
    (
        30,
        {
            "systolic": 152,
            "diastolic": 94,
            "heart_rate": 90,
            "spo2": 96,
            "sedation": 4,
            "dissociation": "marked",
        },
    ),
    (
        40,
        {
            "systolic": 184,
            "diastolic": 104,
            "heart_rate": 92,
            "spo2": 95,
            "sedation": 4,
            "dissociation": "mild",
            "comment": "Told; resting quietly, rechecked at 50",
        },
    ),
    (
        50,
        {
            "systolic": 158,
            "diastolic": 96,
            "heart_rate": 86,
            "spo2": 97,
            "sedation": 4,
            "dissociation": "mild",
        },
    ),
    (
        67,
        {
            "systolic": 142,
            "diastolic": 88,
            "heart_rate": 80,
            "spo2": 98,
            "sedation": 5,
            "dissociation": "mild",
        },
    ),
    (
        75,
        {
            "systolic": 136,
            "diastolic": 84,
            "heart_rate": 78,
            "spo2": 98,
            "sedation": 5,
            "dissociation": "none",
        },
    ),
    (
        116,
        {
            "systolic": 128,
            "diastolic": 80,
            "heart_rate": 74,
            "spo2": 99,
            "sedation": 5,
            "dissociation": "none",
        },
    ),
    (
        122,
        {
            "systolic": 126,
            "diastolic": 80,
            "heart_rate": 72,
            "spo2": 99,
            "sedation": 5,
            "dissociation": "none",
            "respiratory_rate": 14,
        },
    ),
]


@dataclass
class ClinicalSession:
    engine: Engine
    clock: VirtualClock
    writer: RecordWriter

    def frame(self) -> None:
        self.engine.tick()
        self.writer.write_events(self.engine.take_events())

    def command(self, name: str, **args: Any) -> None:
        result = self.engine.command(name, source="panel", **args)
        assert result.ok, (name, result.reason)
        self.frame()

    def advance_to(self, session_seconds: float, frame_every: float = 30.0) -> None:
        while self.engine.session_time + 1e-9 < session_seconds:
            self.clock.advance(min(frame_every, session_seconds - self.engine.session_time))
            self.frame()


DOSE_AT = 5 * 60.0  # the dose five minutes into the session


def open_clinical(folder: Path, clinician: str | None = "A.B.") -> ClinicalSession:
    folder.mkdir(parents=True, exist_ok=True)
    script_path = folder / "clinic-session.yaml"
    script_path.write_text(SCRIPT, encoding="utf-8")
    loaded = load_script(script_path)
    assert loaded.script is not None, loaded.findings
    clock = VirtualClock()
    engine = Engine(loaded.script, clock, protocol=resolve_protocol("esketamine-nasal"))
    base = time.time()  # the wall clock moves with the virtual one
    facts = {"clinic": "Harbour Clinic", "timezone": "UTC"}
    if clinician:
        facts["clinician"] = clinician
    writer = RecordWriter.create(
        script_path,
        record_dir=folder / "records",
        patient="P-014",
        script=loaded.script,
        display={"mode": "none"},
        sound={"device": True},
        report=HealthBoard(engine).report,
        monotonic=clock.now,
        wall_clock=lambda: base + clock.now(),
        facts=facts,
    )
    writer.times = lambda: (engine.session_time, engine.play_time)
    return ClinicalSession(engine, clock, writer)


def play(session: ClinicalSession, until_minutes: float | None = None) -> None:
    """The monitoring as a clinic does it, up to `until_minutes` after the dose (all of it
    and ready to leave when None)."""
    s = session
    s.command("start")
    for minutes, values in CHECKS:
        at = DOSE_AT + minutes * 60
        if until_minutes is not None and minutes > until_minutes:
            s.advance_to(DOSE_AT + until_minutes * 60)
            return
        if minutes >= 0 and not s.engine.doses:
            s.advance_to(DOSE_AT)
            s.command("medicine", dose=56, lot="EK2291")
        s.advance_to(at)
        s.command("vitals", **values)
        if values["systolic"] >= 180:
            s.command("ack_alert")
    s.advance_to(DOSE_AT + 123 * 60)
    s.command("ready_to_leave")
    s.advance_to(DOSE_AT + 125 * 60)
    s.command(
        "closing",
        adverse_events="Blood pressure 184/104 at 40 minutes; settled "
        "without treatment by 50 minutes.",
        outcome="Ready to leave at 2 h 3 min; left with a driver.",
    )
    s.command("end")
    s.frame()


def clinical_record(folder: Path) -> Path:
    """A whole clinical session written and closed; its record folder."""
    session = open_clinical(folder)
    play(session)
    session.writer.close()
    return session.writer.folder


if __name__ == "__main__":
    import sys

    print(clinical_record(Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/clinical")))
