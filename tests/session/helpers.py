"""Small scripts and a driver for engine tests."""

from __future__ import annotations

import textwrap

from companion.script import load_text
from companion.script.models import Script
from companion.session import Engine, VirtualClock
from companion.session import actions as act


def script_from(body: str, head: str = "companion: 1\ntitle: Test\n") -> Script:
    from pathlib import Path

    loaded = load_text(head + textwrap.dedent(body), "test.yaml", base_dir=Path("."))
    assert loaded.script is not None, [str(f) for f in loaded.findings]
    return loaded.script


class Driver:
    """An engine on a virtual clock, with every action it emitted kept in order."""

    def __init__(self, script: Script) -> None:
        self.clock = VirtualClock()
        self.engine = Engine(script, self.clock)
        self.actions: list[tuple[float, act.Action]] = []

    def command(self, name: str, **args):
        result = self.engine.command(name, **args)
        self.tick()
        return result

    def tick(self) -> list[act.Action]:
        got = self.engine.tick()
        self.actions += [(self.engine.play_time, a) for a in got]
        return got

    def advance(self, seconds: float) -> list[act.Action]:
        self.clock.advance(seconds)
        return self.tick()

    def of(self, kind: type) -> list:
        return [a for _, a in self.actions if isinstance(a, kind)]

    @property
    def snap(self) -> dict:
        return self.engine.snapshot()


TWO_SCENES = """\
    safe_scene: calm
    scenes:
      - id: one
        environment: shoreline
        look: {time: dusk}
        music: drift
        ambience: waves
        steps:
          - say: Hello there.
          - pause: 10s
          - look: {time: night, fade: 5s}
          - breathe: {in: 4, hold: 2, out: 6, cycles: 3}
          - wait: therapist
          - show: A question
            for: 12s
      - id: two
        environment: forest
        music: still-water
        duration: 1m
        then: hold
        steps:
          - pause: 20s
      - id: three
        environment: meadow
        then: end
        steps:
          - chime: soft
      - id: calm
        environment: haven
        then: hold
        steps:
          - say: You are safe.
"""
