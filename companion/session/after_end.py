"""The time after the end, and what the patient and therapist enter then (issue 21).

After the end the panel stays until the therapist closes the session: only what is entered
then is taken (commands.AFTER_END). The ratings, mood and questionnaires the patient gives
(checked and scored by ratings.py) come at any time, before Start (the mood before) and at
the end included. Moved out of the engine (issue 17): each function applies one command
to the engine's state and is named in its command table (engine.HANDLERS).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from companion.record import events as ev
from companion.session import ratings
from companion.session.commands import AFTER_END, AFTER_END_REFUSAL, Refused
from companion.session.state import State

if TYPE_CHECKING:
    from companion.session.engine import Engine


def allows(engine: Engine, name: str) -> None:
    """After the end only what is entered then is taken (commands.AFTER_END); after the
    close, nothing."""
    if engine.closed:
        raise Refused("the session is closed")
    if engine.state is State.ENDED and name not in AFTER_END and name != "end":
        raise Refused(AFTER_END_REFUSAL.format(name=name))


def close(engine: Engine) -> None:
    """The therapist closes the session after its end: the record says how long after."""
    if engine.state is not State.ENDED:
        raise Refused("the session has not ended: End it first")
    engine.closed, engine._closed_at = True, engine.clock.now()
    after = engine.clock.now() - (engine._ended_at if engine._ended_at is not None else 0.0)
    engine.record(ev.Closed(round(max(0.0, after), 3)))
    engine._changed()


def closing(engine: Engine, adverse_events: str = "", outcome: str = "") -> None:
    """The therapist's closing entries for the report (at the end, or before it);
    given again, the latest stands and the record keeps each."""
    if engine.state is State.READY:
        raise Refused("the session has not started")
    if not adverse_events.strip() and not outcome.strip():
        raise Refused("write the adverse events (or 'none') or the outcome")
    engine.record(ev.Closing(adverse_events.strip(), outcome.strip()))


def rating(
    engine: Engine,
    target: str,
    item: str,
    feeling: str | None = None,
    resonance: float | None = None,
) -> None:
    fields = ratings.rating_fields(target, item, feeling, resonance)
    environment = None
    if target == "scene":
        index = engine.script.scene_index(fields["name"])
        if index is None:
            raise Refused(f"there is no scene '{fields['name']}' to rate")
        environment = engine.script.scenes[index].environment
    engine.record(ev.Rating(**fields, environment=environment))


def mood(
    engine: Engine, when: str, mood: float | None = None, anxiety: float | None = None
) -> None:
    engine.record(ev.Mood(**ratings.mood_fields(when, mood, anxiety)))


def questionnaire(engine: Engine, instrument: str, answers: str) -> None:
    parts = answers.replace(" ", "").split(",")
    if not all(p.isdigit() and len(p) == 1 for p in parts):
        raise Refused("the answers are numbers 0 to 3, separated by commas")
    engine.record(
        ev.QuestionnaireTaken(**ratings.questionnaire_fields(instrument, [int(p) for p in parts]))
    )
