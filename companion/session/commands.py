"""The therapist's commands: their names and arguments, checked before the engine acts.

A command never raises into the caller: a bad or impossible one is refused with a reason.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from companion.script.findings import did_you_mean


@dataclass(frozen=True)
class Param:
    kind: type
    required: bool = True


# name -> its parameters. The panel, the keys and the HTTP API all send these.
COMMANDS: dict[str, dict[str, Param]] = {
    "start": {"scene": Param(str, False), "step": Param(int, False)},
    "pause": {},
    "resume": {},
    "continue": {},
    "next_step": {},
    "next_scene": {},
    "previous_scene": {},
    "goto": {"scene": Param(str)},
    "ground": {},
    "return": {},
    "talk": {"on": Param(bool)},
    "volume": {"bus": Param(str), "level": Param(float)},
    "intensity": {"level": Param(float)},
    "tone": {"level": Param(float)},  # the composer's: -1 darker .. 1 brighter
    "steady": {"on": Param(bool)},  # the composer holds its harmony and texture
    "captions": {"on": Param(bool)},
    "note": {"text": Param(str)},
    "end": {},
    "close": {},  # after the end: the therapist closes the session (the program then exits)
    # The clinic's side: the dose clock, vitals reminders, the patient's signal, the headset.
    "medicine": {
        "text": Param(str, False),
        "route": Param(str, False),
        "dose": Param(float, False),
        "unit": Param(str, False),
        "lot": Param(str, False),
    },
    "vitals_interval": {"minutes": Param(float)},
    "ack_vitals": {},
    # Values of one check (any subset; see companion/session/monitoring.py), an alert seen,
    # and the time the patient may leave (the protocol decides when it is allowed).
    "vitals": {
        "systolic": Param(float, False),
        "diastolic": Param(float, False),
        "heart_rate": Param(float, False),
        "spo2": Param(float, False),
        "respiratory_rate": Param(float, False),
        "sedation": Param(int, False),
        "dissociation": Param(str, False),
        "comment": Param(str, False),
    },
    "ack_alert": {"id": Param(int, False)},
    "ready_to_leave": {},
    "patient_signal": {"via": Param(str, False)},
    "ack_signal": {},
    "recenter": {},
    # The end-of-session form: what the report's adverse events and outcome sections say.
    "closing": {"adverse_events": Param(str, False), "outcome": Param(str, False)},
    # What the patient says (companion/session/ratings.py): how a scene or piece felt and its
    # resonance (0-10), mood and anxiety before and after (0-10), a PHQ-9 or GAD-7 ("0,1,...").
    "rating": {  # `item`: the scene's id or the piece (`name` is the command's own)
        "target": Param(str),
        "item": Param(str),
        "feeling": Param(str, False),
        "resonance": Param(float, False),
    },
    "mood": {"when": Param(str), "mood": Param(float, False), "anxiety": Param(float, False)},
    "questionnaire": {"instrument": Param(str), "answers": Param(str)},
}

# After the end the patient is back, the picture and sound stay faded out and the panel takes
# what is entered then: notes, vitals and their checks, medicine, ratings, mood, questionnaires,
# the closing entries, and "close". Every other command would move, light up or sound the
# session again and is refused (AFTER_END_REFUSAL says why and what is still taken).
AFTER_END = frozenset(
    {
        "note",
        "medicine",
        "ack_vitals",
        "vitals",
        "ack_alert",
        "ready_to_leave",
        "ack_signal",
        "closing",
        "rating",
        "mood",
        "questionnaire",
        "close",
    }
)
AFTER_END_REFUSAL = (
    "the session has ended: '{name}' is not taken after the end (it would move or sound the "
    "session again); the panel takes "
    "notes, vitals, medicine, ratings, mood, questionnaires and the closing entries, "
    "then Close the session"
)

MAX_TEXT = 10_000


class Refused(Exception):
    """A command that cannot be applied now; the message says why."""


@dataclass(frozen=True)
class CommandResult:
    command: str
    ok: bool
    reason: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"command": self.command, "ok": self.ok, "reason": self.reason}


def parse_arguments(name: str, args: dict[str, Any]) -> dict[str, Any]:
    """Typed arguments for command `name`, or Refused with what is wrong."""
    params = COMMANDS.get(name)
    if params is None:
        raise Refused(f"unknown command '{name}'{did_you_mean(name, COMMANDS)}")
    unknown = [key for key in args if key not in params]
    if unknown:
        raise Refused(
            f"'{name}' takes no argument '{unknown[0]}'{did_you_mean(unknown[0], params)}"
        )
    parsed: dict[str, Any] = {}
    for key, param in params.items():
        if key not in args:
            if param.required:
                raise Refused(f"'{name}' needs the argument '{key}'")
            continue
        parsed[key] = _coerce(name, key, args[key], param.kind)
    return parsed


LARGEST_WHOLE = 2**53  # beyond this a whole number is no measurement (and no float holds it)


def finite_number(value: Any) -> float | None:
    """`value` as a float when it is a real, finite number a person could mean; else None.
    JSON gives Python ints of any size: 10**400 cannot become a float at all."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if isinstance(value, int) and abs(value) > LARGEST_WHOLE:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _coerce(name: str, key: str, value: Any, kind: type) -> Any:
    if kind is bool and isinstance(value, bool):
        return value
    if kind is int and finite_number(value) is not None and isinstance(value, int):
        return value
    if kind is float and (number := finite_number(value)) is not None:
        return number
    if kind is str and isinstance(value, str) and len(value) <= MAX_TEXT:
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate: valid JSON, not text
            raise Refused(f"'{name}': '{key}' holds characters that are not text") from None
        return value
    label = {bool: "true or false", int: "a whole number", float: "a number", str: "text"}[kind]
    raise Refused(f"'{name}': '{key}' must be {label}")
