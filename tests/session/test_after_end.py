"""After the end (issue 21: the time after a session): the command table takes what is entered
once the patient is back (notes, vitals, medicine, ratings, mood, questionnaires, the closing
entries), refuses what would move or sound the session again, and "close" records how long
after the end the therapist closed it."""

from __future__ import annotations

import pytest

from companion.record import events as ev
from companion.session import COMMANDS, State
from companion.session import actions as act
from companion.session.commands import AFTER_END
from tests.session.helpers import TWO_SCENES, Driver, script_from

TAKEN = {
    "note": {"text": "calm, oriented"},
    "medicine": {"text": "ondansetron 4 mg"},
    "vitals": {"systolic": 122, "diastolic": 78, "heart_rate": 70, "spo2": 98},
    "rating": {"target": "scene", "item": "one", "feeling": "pleasant", "resonance": 8},
    "mood": {"when": "after", "mood": 7, "anxiety": 2},
    "questionnaire": {"instrument": "GAD-7", "answers": "0,1,0,1,0,0,1"},
    "closing": {"adverse_events": "none", "outcome": "settled"},
}
REFUSED = {
    "start": {},
    "pause": {},
    "resume": {},
    "continue": {},
    "next_step": {},
    "next_scene": {},
    "previous_scene": {},
    "goto": {"scene": "two"},
    "ground": {},
    "return": {},
    "talk": {"on": True},
    "volume": {"bus": "music", "level": 0.5},
    "intensity": {"level": 0.5},
    "tone": {"level": 0.2},
    "steady": {"on": True},
    "captions": {"on": False},
    "recenter": {},
    "patient_signal": {},
    "vitals_interval": {"minutes": 10},
}


def _ended() -> Driver:
    driver = Driver(script_from(TWO_SCENES))
    assert driver.command("start").ok
    driver.advance(5)
    assert driver.command("end").ok
    assert driver.engine.state is State.ENDED
    return driver


def test_every_command_is_either_taken_or_refused_after_the_end():
    assert set(TAKEN) | set(REFUSED) | {"end", "close", "ack_vitals", "ack_alert"} | {
        "ready_to_leave",
        "ack_signal",
    } == set(COMMANDS)
    assert set(TAKEN) | {"close"} <= AFTER_END and not set(REFUSED) & AFTER_END


def test_entries_after_the_end_are_taken_and_recorded():
    driver = _ended()
    before = len(driver.actions)
    for name, args in TAKEN.items():
        result = driver.command(name, **args)
        assert result.ok, (name, result.reason)
    kinds = [e.kind for e in driver.engine.take_events()]
    for kind in ("note", "medicine", "vitals", "rating", "mood", "questionnaire", "closing"):
        assert kind in kinds, kind
    # nothing is seen or heard again: no scene, sound or speech after the end
    after = [a for _, a in driver.actions[before:]]
    assert not [a for a in after if isinstance(a, (act.SceneChange, act.SoundChange, act.Say))]


def test_commands_that_would_restart_the_session_are_refused_with_what_is_taken():
    driver = _ended()
    for name, args in REFUSED.items():
        result = driver.command(name, **args)
        assert not result.ok, name
        assert result.reason is not None and "the session has ended" in result.reason, name
    reason = driver.command("goto", scene="two").reason
    assert "'goto' is not taken after the end" in reason and "closing entries" in reason
    assert driver.engine.state is State.ENDED


def test_close_records_the_time_after_the_end_and_then_nothing_is_taken():
    driver = Driver(script_from(TWO_SCENES))
    driver.command("start")
    assert not driver.command("close").ok  # not before the end
    driver.command("end")
    driver.advance(90)
    assert driver.command("close").ok and driver.engine.closed
    (closed,) = [e.data for e in driver.engine.take_events() if e.kind == ev.Closed.kind]
    assert closed["after_end"] == 90.0
    refused = driver.command("note", text="too late")
    assert not refused.ok and refused.reason == "the session is closed"


def test_the_dose_clock_goes_on_after_the_end_until_the_close():
    """The patient is observed until discharge: vitals come due after the end, not after
    the close."""
    driver = Driver(script_from(TWO_SCENES))
    driver.command("start")
    driver.advance(60)
    assert driver.command("medicine", text="given").ok
    driver.command("end")
    driver.advance(15 * 60)
    assert driver.snap["dose"]["vitals_due"] == pytest.approx(60 + 15 * 60)
    assert driver.command("ack_vitals").ok
    assert driver.command("close").ok
    driver.advance(15 * 60)
    assert driver.snap["dose"]["vitals_due"] is None
