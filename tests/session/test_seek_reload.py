"""Seeking (authors' preview) and hot reload keep the place in the script."""

from __future__ import annotations

import textwrap

import pytest

from companion.session import ScaledClock, State, VirtualClock
from companion.session import actions as act
from companion.session.reload import ScriptWatcher, carry_over
from tests.session.helpers import TWO_SCENES, Driver, script_from


def test_seek_mid_breath_applies_earlier_steps_silently():
    d = Driver(script_from(TWO_SCENES))
    d.engine.seek("one", 1.3 + 10 + 5)  # say ~1.2 s, pause 10 s, then 5 s into the breath
    d.tick()
    assert d.snap["step"]["kind"] == "breathe"
    assert d.engine.breath()["phase"] == "hold"
    assert d.of(act.SceneChange)[-1].look == {"time": "night"}  # the look step before it
    assert not d.of(act.Say)
    assert isinstance(d.actions[-1][1], act.Breathe)


def test_seek_past_a_scene_goes_on_to_the_next():
    d = Driver(script_from(TWO_SCENES))
    d.command("start")
    d.engine.seek("two", 62, stop_at_holds=False)  # scene two lasts 60 s
    d.tick()
    assert d.snap["scene"]["id"] == "three"
    assert d.snap["scene_time"] == pytest.approx(2)


def test_seek_stops_at_a_hold_on_the_way():
    d = Driver(script_from(TWO_SCENES))
    d.engine.seek("two", 62)  # `then: hold` at 60 s
    d.tick()
    assert (d.snap["scene"]["id"], d.snap["state"], d.snap["hold"]) == ("two", "holding", "scene")
    d.engine.seek("one", 500)  # the wait step comes first
    d.tick()
    assert (d.snap["scene"]["id"], d.snap["hold"], d.snap["step"]["kind"]) == (
        "one",
        "wait",
        "wait",
    )


def test_seek_then_play_on():
    d = Driver(script_from(TWO_SCENES))
    d.engine.seek("two", 10)
    d.advance(10)
    assert d.snap["step"]["kind"] == "rest"
    d.advance(40)
    assert d.engine.state is State.HOLDING


def test_reload_keeps_the_scene_and_time(write_script):
    path = write_script("companion: 1\ntitle: T\n" + textwrap.dedent(TWO_SCENES))
    watcher = ScriptWatcher(path)
    assert watcher.poll() is None
    d = Driver(script_from(TWO_SCENES))
    d.command("start")
    d.command("goto", scene="two")
    d.advance(12)
    path.write_text(path.read_text().replace("- pause: 20s", "- pause: 25s\n      - chime: bright"))
    change = watcher.poll()
    assert change is not None and change.script is not None
    engine = carry_over(d.engine, change.script)
    snap = engine.snapshot()
    assert (snap["scene"]["id"], snap["step"]["index"]) == ("two", 0)
    assert snap["scene_time"] == pytest.approx(12)
    assert snap["step"]["remaining"] == pytest.approx(13)


def test_reload_with_errors_reports_them(write_script):
    path = write_script("companion: 1\ntitle: T\nscenes:\n  - {id: a, environment: forest}\n")
    watcher = ScriptWatcher(path)
    path.write_text("companion: 1\ntitle: T\nscenes:\n  - {id: a, environment: forrest}\n")
    change = watcher.poll()
    assert change.script is None
    assert [(f.line, f.column) for f in change.loaded.findings] == [(4, 26)]


def test_scaled_clock_changes_rate_without_jumping():
    source = VirtualClock()
    clock = ScaledClock(2.0, source)
    source.advance(10)
    assert clock.now() == pytest.approx(20)
    clock.set_rate(4.0)
    assert clock.now() == pytest.approx(20)
    source.advance(1)
    assert clock.now() == pytest.approx(24)


def test_reload_while_held_at_a_wait_still_holds_there():
    d = Driver(script_from(TWO_SCENES))
    d.command("start")
    while d.engine.state is not State.HOLDING:
        d.advance(d.engine.time_to_next())
    engine = carry_over(d.engine, script_from(TWO_SCENES.replace("Hello there.", "Hello again.")))
    engine.tick()
    snap = engine.snapshot()
    assert (snap["state"], snap["hold"], snap["step"]["kind"]) == ("holding", "wait", "wait")


def test_seek_forward_does_not_go_back_to_a_wait_already_passed():
    """An author skipping forward past a `wait` they have continued from stays past it."""
    d = Driver(script_from(TWO_SCENES))
    d.engine.seek("one", 500)  # stops at the wait
    d.tick()
    assert d.snap["hold"] == "wait"
    d.command("continue")
    d.advance(2)
    assert d.snap["step"]["kind"] == "show"
    d.engine.seek("one", d.snap["scene_time"] + 5)
    d.tick()
    assert (d.snap["scene"]["id"], d.snap["state"], d.snap["step"]["kind"]) == (
        "one",
        "playing",
        "show",
    )
    d.engine.seek("one", 0.5)  # back to the start: the wait is ahead again
    d.engine.seek("one", 500)
    d.tick()
    assert d.snap["hold"] == "wait"
