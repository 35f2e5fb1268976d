"""A whole session through a real engine on a virtual clock, shown on the stage."""

from __future__ import annotations

from pathlib import Path

from companion.script import load_text
from companion.session.clock import VirtualClock
from companion.session.engine import Engine

SCRIPT = """
companion: 1
title: A short journey
safe_scene: haven
scenes:
  - id: arrive
    environment: shoreline
    look: {time: dusk, motion: 0.5, waves: 0.6}
    transition: 2s
    steps:
      - say: Welcome. Let your body settle.
      - breathe: {in: 3, hold: 1, out: 4, cycles: 1}
      - look: {time: night, fade: 4s}
      - show: What would you like to carry with you?
        for: 3s
  - id: lights
    environment: aurora
    look: {hue: violet}
    transition: 3s
    steps:
      - pause: 4s
  - id: haven
    environment: haven
    then: end
    steps:
      - say: You are safe.
"""


def test_a_session_plays_on_the_stage_without_a_fault_or_a_lurch(fresh_stage):
    reports = []
    stage = fresh_stage(report=lambda *r: reports.append(r))
    loaded = load_text(SCRIPT, "journey.yaml", base_dir=Path("."))
    assert loaded.ok, loaded.findings
    clock = VirtualClock()
    engine = Engine(loaded.script, clock)
    engine.command("start")
    seen = set()
    for frame in range(60 * 8):
        clock.advance(1 / 8)
        if frame == 60:
            engine.command("pause")
        if frame == 84:
            engine.command("resume")
        if frame == 120:
            engine.command("ground")
        if frame == 150:
            engine.command("return")
        for action in engine.tick():
            stage.apply(action)
        stage.update(breath=engine.breath(), now=clock.now())
        stage.render()
        seen.add(stage.environment)
    assert {"shoreline", "aurora", "haven"} <= seen
    assert stage.ended
    assert all(ok for _, ok, _ in reports), reports
    assert stage.comfort.frames > 400 and stage.comfort.ok, [
        f.message for f in stage.comfort.findings
    ]
