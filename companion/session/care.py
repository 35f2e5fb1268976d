"""The therapist's care commands: medicine, vitals, alerts, ready to leave, and the
patient's signal.

The dose clock they feed is monitoring.py's; these functions check the session's state and
hand over. Moved out of the engine (issue 17): each applies one command and is named in
the engine's command table (engine.HANDLERS).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from companion.record import events as ev
from companion.session.commands import Refused
from companion.session.state import State

if TYPE_CHECKING:
    from companion.session.engine import Engine


def medicine(
    engine: Engine,
    text: str = "",
    route: str | None = None,
    dose: float | None = None,
    unit: str | None = None,
    lot: str | None = None,
) -> None:
    engine._require(State.PLAYING, State.HOLDING, State.PAUSED, State.ENDED)
    engine.monitoring.medicine(text, route, dose, unit, lot)


def vitals_interval(engine: Engine, minutes: float) -> None:
    engine._not_ended()
    engine.monitoring.vitals_interval(minutes)


def ack_vitals(engine: Engine) -> None:
    engine.monitoring.ack_vitals()


def vitals(engine: Engine, **values: Any) -> None:
    if engine.state is State.READY:
        engine.monitoring.tick()  # the pre-dose check may come before Start
    engine.monitoring.vitals(**values)


def ack_alert(engine: Engine, id: int | None = None) -> None:
    engine.monitoring.ack_alert(id)


def ready_to_leave(engine: Engine) -> None:
    engine._require(State.PLAYING, State.HOLDING, State.PAUSED, State.ENDED)
    engine.monitoring.ready_to_leave()


def patient_signal(engine: Engine, via: str = "key") -> None:
    engine._require(State.PLAYING, State.HOLDING, State.PAUSED)
    if engine.patient_signal is None:
        engine.patient_signal = {
            "session_time": round(engine.session_time, 3),
            "via": via,
            "count": 0,
        }
    engine.patient_signal["count"] += 1
    engine.record(ev.PatientSignal(via))


def ack_signal(engine: Engine) -> None:
    if engine.patient_signal is None:
        raise Refused("no patient signal to acknowledge")
    engine.record(ev.SignalAck(engine.patient_signal["session_time"]))
    engine.patient_signal = None
