"""The therapist's settings: talk, bus levels, intensity, the composer's tone and steadiness,
captions, and recentring the headset.

None of them moves the timeline; each sets a value the panel shows and emits the action the
adapters apply. Moved out of the engine (issue 17); named in engine.HANDLERS.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from companion.script import catalog
from companion.session import actions as act
from companion.session.commands import Refused
from companion.session.state import State

if TYPE_CHECKING:
    from companion.session.engine import Engine


def talk(engine: Engine, on: bool) -> None:
    engine._require(State.PLAYING, State.HOLDING, State.PAUSED)
    if on == engine.talking:
        raise Refused("talk is already " + ("on" if on else "off"))
    engine.talking = on
    engine._emit(act.Talk(on))


def volume(engine: Engine, bus: str, level: float) -> None:
    engine._not_ended()
    if bus not in catalog.BUSES:
        raise Refused(f"unknown bus '{bus}' (buses: {', '.join(catalog.BUSES)})")
    engine.levels[bus] = _level(level)
    engine._emit(act.SetLevel(bus, engine.levels[bus]))  # type: ignore[arg-type]


def intensity(engine: Engine, level: float) -> None:
    engine._not_ended()
    engine.intensity = _level(level)
    engine._emit(act.SetIntensity(engine.intensity))


def tone(engine: Engine, level: float) -> None:
    engine._not_ended()
    if not -1.0 <= level <= 1.0:
        raise Refused(f"the tone is from -1 (darker) to 1 (brighter) (got {level:g})")
    engine.tone = level
    engine._emit(act.SetTone(level))


def steady(engine: Engine, on: bool) -> None:
    engine._not_ended()
    engine.steady = on
    engine._emit(act.SetSteady(on))


def captions(engine: Engine, on: bool) -> None:
    engine._not_ended()
    engine.captions = on
    engine._emit(act.SetCaptions(on))


def recenter(engine: Engine) -> None:
    engine._not_ended()
    engine._emit(act.Recenter())


def _level(value: float) -> float:
    if not 0.0 <= value <= 1.0:
        raise Refused(f"a level is from 0 to 1 (got {value:g})")
    return value
