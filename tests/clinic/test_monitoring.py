"""The dose protocol on the engine's virtual clock: checkpoints come due at the right dose
times, values are validated, an out-of-range value alerts until acknowledged, a late check is
marked, and ready-to-leave appears only when the protocol allows."""

from __future__ import annotations

import pytest

from companion.protocols import resolve_protocol
from companion.session import Engine, VirtualClock
from tests.session.helpers import TWO_SCENES, script_from

GOOD = {
    "systolic": 128,
    "diastolic": 82,
    "heart_rate": 76,
    "spo2": 98,
    "sedation": 5,
    "dissociation": "none",
}


class Clinic:
    def __init__(self, protocol: str | None = "esketamine-nasal") -> None:
        self.clock = VirtualClock()
        self.engine = Engine(
            script_from(TWO_SCENES),
            self.clock,
            protocol=resolve_protocol(protocol) if protocol else None,
        )
        self.events: list = []

    def command(self, name: str, **args):
        result = self.engine.command(name, **args)
        self.tick()
        return result

    def tick(self) -> None:
        self.engine.tick()
        self.events += self.engine.take_events()

    def at_minutes(self, minutes: float) -> None:
        """Move the clock to `minutes` after the first dose."""
        given = self.engine.doses[0]["session_time"]
        self.clock.advance(given + minutes * 60 - self.engine.session_time)
        self.tick()

    def checkpoint(self, clock: str) -> dict:
        found = [c for c in self.snap["checkpoints"] if c["clock"] == clock]
        assert found, clock
        return found[0]

    @property
    def snap(self) -> dict:
        return self.engine.snapshot()["monitoring"]

    def kinds(self, kind: str) -> list[dict]:
        return [e.data for e in self.events if e.kind == kind]


def test_checkpoints_come_due_at_their_dose_times_and_a_late_one_is_marked():
    c = Clinic()
    c.command("start")
    assert c.checkpoint("pre-dose")["status"] == "due"
    assert c.command("vitals", **GOOD).ok
    assert c.checkpoint("pre-dose")["status"] == "met"
    c.clock.advance(120)
    assert c.command("medicine", dose=56, lot="A12").ok
    dose = c.snap["doses"][0]
    assert dose["route"] == "intranasal" and dose["unit"] == "mg" and dose["dose"] == 56
    assert dose["lot"] == "A12"
    c.at_minutes(24.9)
    assert c.checkpoint("+30:00")["status"] == "pending"
    assert c.snap["next_checkpoint"]["clock"] == "+30:00"
    assert c.snap["next_checkpoint"]["in"] == pytest.approx(5.1 * 60)
    dose_clock = c.engine.snapshot()["dose"]  # the panel's dose line: the checkpoint's time
    assert dose_clock["next_vitals"] == pytest.approx(dose_clock["given_at"] + 30 * 60)
    c.at_minutes(25.0)  # the protocol's 5-minute window opens
    assert c.checkpoint("+30:00")["status"] == "due"
    assert c.command("vitals", **GOOD).ok
    assert c.checkpoint("+30:00")["status"] == "met"
    c.at_minutes(45.0)
    assert c.checkpoint("+40:00")["status"] == "due"  # still inside +40 ± 5
    c.at_minutes(45.01)
    assert c.checkpoint("+40:00")["status"] == "late"
    assert c.command("vitals", **GOOD).ok
    assert c.checkpoint("+40:00")["status"] == "met late"
    entry = c.snap["latest"]
    assert entry["checkpoint_clock"] == "+40:00" and entry["on_time"] is False
    assert entry["minutes_since_dose"] == pytest.approx(45.01)
    c.at_minutes(85.0)  # +60 came due and was never checked: late, and +90's window opens
    assert c.checkpoint("+60:00")["status"] == "late"
    assert c.checkpoint("+90:00")["status"] == "due"
    c.at_minutes(90.0)  # missed when +90's time comes
    assert c.checkpoint("+60:00")["status"] == "missed"
    statuses = [(e["clock"], e["status"]) for e in c.kinds("checkpoint")]
    assert ("+60:00", "late") in statuses and ("+60:00", "missed") in statuses


def test_a_check_on_time_for_one_checkpoint_misses_the_late_one_before():
    c = Clinic()
    c.command("start")
    c.command("medicine", dose=56)
    c.at_minutes(36)  # +30 is late, +40's window is open
    assert c.checkpoint("+30:00")["status"] == "late"
    assert c.checkpoint("+40:00")["status"] == "due"
    c.command("vitals", **GOOD)
    assert c.checkpoint("+40:00")["status"] == "met"
    assert c.checkpoint("+30:00")["status"] == "missed"


def test_a_dose_without_the_pre_dose_check_misses_it():
    c = Clinic()
    c.command("start")
    c.command("medicine", dose=28)
    assert c.checkpoint("pre-dose")["status"] == "missed"


@pytest.mark.parametrize(
    "values, message",
    [
        (
            {"systolic": 120, "diastolic": 130},
            "the diastolic pressure (130) is not below the "
            "systolic (120): are they the right way round?",
        ),
        ({"spo2": 150}, "SpO2 is from 50 to 100 % (got 150)"),
        ({"systolic": 120}, "give both numbers of the blood pressure, systolic and diastolic"),
        ({"sedation": 7}, "sedation is a whole number from 0 to 5 (got 7)"),
        ({"dissociation": "lots"}, "dissociation is one of: none, mild, marked (got 'lots')"),
        (
            {"comment": "only words"},
            "enter at least one value: blood pressure, heart rate, SpO2, "
            "respiratory rate, sedation or dissociation",
        ),
        ({"heart_rate": "fast"}, "'vitals': 'heart_rate' must be a number"),
    ],
)
def test_values_are_validated_with_a_clear_message(values, message):
    c = Clinic()
    c.command("start")
    result = c.command("vitals", **values)
    assert not result.ok and result.reason == message
    assert c.snap["checks"] == 0 and c.kinds("vitals") == []


def test_an_out_of_range_value_alerts_until_acknowledged_and_is_flagged():
    c = Clinic()
    c.command("start")
    c.command("medicine", dose=56)
    c.at_minutes(10)
    assert c.command("vitals", systolic=184, diastolic=96, heart_rate=76, spo2=89).ok
    latest = c.snap["latest"]
    assert latest["flags"] == {"systolic": "high", "spo2": "low"}
    [alert] = c.snap["alerts"]
    assert alert["message"] == (
        "systolic blood pressure 184 mmHg (above 179); SpO2 89 % (below 92)"
    )
    c.at_minutes(20)
    assert c.command("vitals", **GOOD).ok
    assert len(c.snap["alerts"]) == 1  # values back in range do not clear it: a person does
    assert c.command("ack_alert").ok
    assert c.snap["alerts"] == [] and c.kinds("alert_ack") == [{"id": 1}]
    assert c.command("ack_alert").reason == "no alert to acknowledge"


def test_ready_to_leave_only_when_the_protocol_allows():
    c = Clinic()
    c.command("start")
    c.command("medicine", dose=56)
    c.at_minutes(60)
    refused = c.command("ready_to_leave")
    assert refused.reason == (
        "not ready to leave: the minimum observation of 120 minutes "
        "after the last dose ends in 60:00"
    )
    c.at_minutes(119)
    c.command("vitals", **{**GOOD, "sedation": 4, "dissociation": "mild"})
    c.at_minutes(120)
    ready = c.snap["ready"]
    assert ready["allowed"] is False and "sedation has not resolved" in ready["reason"]
    c.command("vitals", **{**GOOD, "dissociation": "mild"})
    assert c.snap["ready"]["reason"] == "dissociation has not resolved (mild)"
    c.command("vitals", **GOOD)
    assert c.snap["ready"]["allowed"] is True
    assert c.command("ready_to_leave").ok
    assert c.kinds("ready_to_leave") == [{"minutes_since_dose": 120.0}]
    assert c.snap["ready"]["recorded_at"] == pytest.approx(c.engine.session_time)
    assert c.command("ready_to_leave").reason == "ready to leave is recorded already"


def test_a_second_dose_is_another_entry_and_restarts_the_observation():
    c = Clinic()
    c.command("start")
    c.command("medicine", dose=56)
    c.at_minutes(30)
    c.command("medicine", dose=28, route="intranasal", unit="mg")
    assert [d["dose"] for d in c.snap["doses"]] == [56, 28]
    assert c.snap["ready"]["from"] == pytest.approx(c.engine.session_time + 120 * 60)
    assert c.command("medicine", dose=-1).reason == "a dose is a number above 0 and at most 10000"


def test_without_a_protocol_the_interval_reminders_stay_and_values_ack_them():
    c = Clinic(protocol=None)
    c.command("start")
    c.command("medicine")
    c.at_minutes(15)
    assert c.engine.vitals_due is not None
    assert c.command("vitals", systolic=300, diastolic=100).ok  # no limits: no alert
    assert c.engine.vitals_due is None and c.engine.vitals_checks == 1
    assert c.snap["alerts"] == [] and c.snap["protocol"] is None
    assert c.command("ready_to_leave").reason == (
        "not ready to leave: no protocol (run with --protocol)"
    )


def test_the_protocol_is_recorded_at_the_start():
    c = Clinic("ketamine-im")
    c.command("start")
    [recorded] = c.kinds("protocol")
    assert recorded["name"] == "ketamine-im" and recorded["route"] == "intramuscular"
    assert recorded["definition"]["observation"] == 90


def test_ready_to_leave_needs_the_check_before_discharge_not_an_older_one():
    """Every check fine up to +100, nothing since: at +120 the observation is over, but the
    vitals are 20 minutes old; the check before discharge is what allows leaving."""
    c = Clinic()
    c.command("start")
    c.command("medicine", dose=56)
    c.at_minutes(100)
    c.command("vitals", **GOOD)
    c.at_minutes(120)
    ready = c.snap["ready"]
    assert ready["allowed"] is False
    assert ready["reason"] == "the last check was 20:00 ago: take the check before discharge"
    assert c.command("ready_to_leave").ok is False
    c.command("vitals", **GOOD)
    assert c.snap["ready"]["allowed"] is True


def test_a_second_dose_moves_the_check_before_discharge_with_the_observation():
    c = Clinic()
    c.command("start")
    c.command("medicine", dose=56)
    c.at_minutes(30)
    c.command("medicine", dose=28)
    discharge = next(cp for cp in c.snap["checkpoints"] if cp["name"] == "before discharge")
    assert discharge["due"] == pytest.approx(c.engine.doses[-1]["session_time"] + 120 * 60)


@pytest.mark.parametrize("value", [10**400, -(10**400), 2**60, float("nan")])
def test_numbers_no_float_holds_are_refused_not_raised(value):
    """JSON gives integers of any size; 10**400 cannot become a float at all. Every vital
    sign, sedation and a dose refuse it with a message: the session never stops on it."""
    c = Clinic()
    c.command("start")
    for args in ({"sedation": value}, {"heart_rate": value}, {"systolic": value, "diastolic": 80}):
        result = c.command("vitals", **args)
        assert not result.ok and next(iter(args)) in result.reason
    assert not c.command("medicine", dose=value).ok
    assert c.engine.snapshot()["state"] == "playing"
