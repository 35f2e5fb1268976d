"""Every field of every event checked for its type and range as a record is read.

A damaged field is dropped (or, for a session time, replaced by the time before it, so the
event keeps its place) and described in a message with its line; an event that cannot mean
anything without a damaged field is skipped. So the report, the listing and resume only see
well-formed events: damage is a warning, never a traceback, and no number is so large or
strange (NaN, 1e308, a 400-digit integer) that an axis or a clock could run away with it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from companion.record.events import KINDS

MAX_TIME = 30 * 24 * 3600.0  # session and play times: a month is beyond any session
MIN_WALL, MAX_WALL = 946_684_800.0, 4_102_444_800.0  # 2000 to 2100
MAX_STEP = 100_000
MAX_TEXT = 20_000  # characters kept of one text (a note, a message)

Check = Callable[[Any], bool]


def _number(value: Any) -> bool:
    kind = type(value)
    if kind is float:
        return math.isfinite(value)
    return kind is int and -1e15 < value < 1e15


def _between(low: float, high: float) -> Check:
    # NaN fails both comparisons; bool is not int by type; a 400-digit int fails the range.
    return lambda v: (type(v) is float or type(v) is int) and low <= v <= high


def _whole(low: int, high: int) -> Check:
    return lambda v: type(v) is int and low <= v <= high


def _text(value: Any) -> bool:
    return type(value) is str


def _optional(check: Check) -> Check:
    return lambda v: v is None or check(v)


TIME = _between(0.0, MAX_TIME)
WALL = _between(MIN_WALL, MAX_WALL)
STEP = _whole(0, MAX_STEP)
COUNT = _whole(0, 10**12)
SECONDS = _between(-MAX_TIME, MAX_TIME)
TEXT, OPT_TEXT = _text, _optional(_text)
FLAG: Check = lambda v: type(v) is bool  # noqa: E731
MAPPING: Check = lambda v: type(v) is dict  # noqa: E731
OPT_MAPPING = _optional(MAPPING)
UPTIME = _optional(_between(0.0, 1e12))
DOSE = _between(0.0, 1e6)
LIST: Check = lambda v: type(v) is list and all(type(x) is str for x in v)  # noqa: E731
MAPPINGS: Check = lambda v: type(v) is list and all(type(x) is dict for x in v)  # noqa: E731
SCORE = _whole(0, 10)  # a 0-10 rating (resonance, mood, anxiety)
ANSWERS: Check = lambda v: (  # noqa: E731
    type(v) is list and len(v) <= 20 and all(type(x) is int and 0 <= x <= 3 for x in v)
)

WHAT = {
    TIME: f"a time in seconds from 0 to {MAX_TIME:.0f}",
    WALL: "a clock time (Unix seconds, 2000 to 2100)",
    STEP: "a step number (a whole number from 0)",
    COUNT: "a whole number from 0",
    SECONDS: "a number of seconds",
    TEXT: "text",
    OPT_TEXT: "text or null",
    FLAG: "true or false",
    MAPPING: "an object",
    OPT_MAPPING: "an object or null",
    DOSE: "a dose (a number from 0)",
    LIST: "a list of names",
    MAPPINGS: "a list of objects",
    SCORE: "a whole number from 0 to 10",
    ANSWERS: "a list of answers from 0 to 3",
}

# kind -> {field: (check, required)}; a required field that fails skips the event.
FIELDS: dict[str, dict[str, tuple[Check, bool]]] = {
    "run_start": {
        "record": (TEXT, False),
        "date": (TEXT, False),
        "script": (TEXT, False),
        "script_path": (TEXT, False),
        "script_copy": (TEXT, False),
        "script_sha256": (TEXT, False),
        "patient": (OPT_TEXT, False),
        "title": (TEXT, False),
        "default_phase": (OPT_TEXT, False),
        "safe_scene": (OPT_TEXT, False),
        "versions": (MAPPING, False),
        "platform": (MAPPING, False),
        "clinic": (OPT_TEXT, False),
        "clinician": (OPT_TEXT, False),
        "timezone": (OPT_TEXT, False),
        "boot": (OPT_TEXT, False),
        "uptime": (UPTIME, False),
    },
    "session_start": {"title": (TEXT, False), "scene": (TEXT, False), "step": (STEP, False)},
    "scene_start": {
        "scene": (TEXT, True),
        "index": (_optional(STEP), False),
        "environment": (TEXT, False),
    },
    "step_start": {"scene": (TEXT, True), "step": (STEP, True), "step_kind": (TEXT, False)},
    "command": {
        "command": (TEXT, True),
        "args": (MAPPING, False),
        "source": (TEXT, False),
        "ok": (FLAG, False),
        "reason": (OPT_TEXT, False),
        "by": (OPT_TEXT, False),
    },
    "hold": {"reason": (TEXT, False)},
    "ground": {"scene": (TEXT, False), "step": (STEP, False), "restored": (FLAG, False)},
    "return": {"scene": (TEXT, False), "step": (STEP, False)},
    "note": {"text": (TEXT, True), "scene": (OPT_TEXT, False)},
    "medicine": {
        "text": (TEXT, False),
        "route": (TEXT, False),
        "dose": (DOSE, False),
        "unit": (TEXT, False),
        "lot": (TEXT, False),
    },
    # the clinic's monitoring (companion/session/monitoring.py): values within what a person
    # can have, so a damaged record cannot draw a chart off its axes
    "protocol": {
        "name": (TEXT, True),
        "title": (TEXT, False),
        "route": (TEXT, False),
        "definition": (MAPPING, False),
    },
    "vitals": {
        "systolic": (_between(40, 300), False),
        "diastolic": (_between(20, 200), False),
        "heart_rate": (_between(20, 250), False),
        "spo2": (_between(50, 100), False),
        "respiratory_rate": (_between(2, 60), False),
        "sedation": (_whole(0, 10), False),
        "dissociation": (TEXT, False),
        "comment": (TEXT, False),
        "flags": (MAPPING, False),
        "checkpoint": (OPT_TEXT, False),
        "checkpoint_clock": (OPT_TEXT, False),
        "on_time": (FLAG, False),
        "minutes_since_dose": (SECONDS, False),
    },
    "checkpoint": {
        "name": (TEXT, True),
        "clock": (TEXT, False),
        "status": (TEXT, True),
        "due": (_optional(SECONDS), False),
    },
    "alert": {"id": (COUNT, True), "message": (TEXT, False), "signs": (LIST, False)},
    "alert_ack": {"id": (COUNT, True)},
    "ready_to_leave": {"minutes_since_dose": (SECONDS, False)},
    "vitals_interval": {"minutes": (_between(0.01, 10_000), True)},
    "vitals_due": {"due": (TIME, True), "minutes_since_dose": (SECONDS, False)},
    "vitals_ack": {"due": (TIME, True), "late": (SECONDS, False)},
    "patient_signal": {"via": (TEXT, False)},
    "health": {"part": (TEXT, True), "ok": (FLAG, True), "message": (OPT_TEXT, False)},
    "music": {
        "piece": (TEXT, True),
        "seed": (COUNT, True),
        "energy": (_between(0, 1), False),
        "music_seed": (COUNT, False),
    },
    "end": {"reason": (TEXT, False)},
    "closed": {"after_end": (SECONDS, False)},
    "run_end": {"reason": (TEXT, False)},
    "gap": {
        "stopped_at": (TIME, False),
        "resumed_at": (TIME, False),
        "offline_seconds": (_optional(_between(0, MAX_TIME)), False),
        "repaired_torn_line": (FLAG, False),
        "resume": (OPT_MAPPING, False),
        "took_over_lock": (OPT_MAPPING, False),
        "boot": (OPT_TEXT, False),
        "uptime": (UPTIME, False),
        "clock_note": (OPT_TEXT, False),
        "clinician": (OPT_TEXT, False),
    },
    "warning": {"message": (TEXT, False)},
    "fault": {"part": (TEXT, False), "message": (TEXT, False)},
    "record_lost": {"events": (COUNT, False)},
    "unrecordable": {"kind": (TEXT, False), "error": (TEXT, False)},
    "heartbeat": {"boot": (OPT_TEXT, False), "uptime": (UPTIME, False)},
    "clock_jump": {"by": (_between(-1e12, 1e12), True), "system_wall": (_number, False)},
    "dose_restored": {"doses": (COUNT, False), "given_at": (SECONDS, False)},
    "closing": {
        "adverse_events": (TEXT, False),
        "outcome": (TEXT, False),
        "clinician": (OPT_TEXT, False),
    },
    # the patient's profile and ratings (companion/patients/)
    "fitting": {
        "patient": (OPT_TEXT, False),
        "substitutions": (MAPPINGS, False),
        "warnings": (LIST, False),
        "notes": (TEXT, False),
    },
    "rating": {
        "target": (TEXT, True),
        "name": (TEXT, True),
        "feeling": (TEXT, False),
        "resonance": (SCORE, False),
        "scene": (OPT_TEXT, False),
        "environment": (OPT_TEXT, False),
    },
    "mood": {"when": (TEXT, True), "mood": (SCORE, False), "anxiety": (SCORE, False)},
    "questionnaire": {
        "instrument": (TEXT, True),
        "answers": (ANSWERS, False),
        "score": (_whole(0, 60), True),
        "severity": (TEXT, False),
        "follow_up": (TEXT, False),
    },
}
if FIELDS.keys() - KINDS.keys():  # every kind checked here is one record/events.py declares
    raise ImportError(f"undeclared event kinds: {sorted(FIELDS.keys() - KINDS.keys())}")
_NONE: dict[str, tuple[Check, bool]] = {}
SCENE_FIELDS: dict[str, Check] = {
    "id": TEXT,
    "title": TEXT,
    "phase": OPT_TEXT,
    "environment": TEXT,
    "steps": STEP,
    "then": OPT_TEXT,
}


_FIELD_LISTS = {
    kind: tuple((name, check, required) for name, (check, required) in fields.items())
    for kind, fields in FIELDS.items()
}


def _what(check: Check) -> str:
    return WHAT.get(check, "a value of the right kind")


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


_OK = object()  # a missing optional field passes
_FAST_TEMPLATES: dict[int, str] = {
    id(TEXT): "type({v}) is str and len({v}) <= MAX_TEXT",
    id(OPT_TEXT): "({v} is None or type({v}) is str and len({v}) <= MAX_TEXT)",
    id(STEP): "type({v}) is int and 0 <= {v} <= MAX_STEP",
    id(FLAG): "type({v}) is bool",
    id(MAPPING): "type({v}) is dict",
    id(TIME): "(type({v}) is float or type({v}) is int) and 0.0 <= {v} <= MAX_TIME",
}
_COMMON = (
    "(type(s := e.get('seq', 0)) is int and 0 <= s <= 1000000000000)"
    " and (type(t := e.get('session_time')) is float or type(t) is int) and 0.0 <= t <= MAX_TIME"
    " and ((p := e.get('play_time', _OK)) is _OK or (type(p) is float or type(p) is int)"
    " and 0.0 <= p <= MAX_TIME)"
    " and ((w := e.get('wall', _OK)) is _OK or (type(w) is float or type(w) is int)"
    " and MIN_WALL <= w <= MAX_WALL)"
)


def _fast_check(kind: str) -> Callable[[dict[str, Any]], bool]:
    """One compiled test that a well-formed event of `kind` passes at once (most do): the
    field-by-field path with its messages runs only for the rest. Built from FIELDS."""
    terms, names = (
        [_COMMON],
        {
            "_OK": _OK,
            "MAX_TEXT": MAX_TEXT,
            "MAX_STEP": MAX_STEP,
            "MAX_TIME": MAX_TIME,
            "MIN_WALL": MIN_WALL,
            "MAX_WALL": MAX_WALL,
        },
    )
    for index, (name, (check, required)) in enumerate(FIELDS.get(kind, {}).items()):
        var = f"v{index}"
        template = _FAST_TEMPLATES.get(id(check))
        if template is None:
            names[f"c{index}"] = check
            template = f"c{index}({{v}})" + (
                "" if check is not TEXT else " and len({v}) <= MAX_TEXT"
            )
        test = template.format(v=var)
        if required:
            terms.append(f"(({var} := e.get({name!r}, _OK)) is not _OK and {test})")
        else:
            terms.append(f"(({var} := e.get({name!r}, _OK)) is _OK or {test})")
    source = "def fast(e):\n    return bool(" + "\n        and ".join(terms) + ")\n"
    exec(compile(source, f"<fast check of {kind}>", "exec"), names)  # noqa: S102
    return names["fast"]  # type: ignore[return-value]


_FAST = {kind: _fast_check(kind) for kind in FIELDS if kind != "run_start"}
_FAST_OTHER = _fast_check("")  # kinds this version does not know: the common fields only


def clean(
    event: dict[str, Any], last_time: float, messages: list[str] | None
) -> dict[str, Any] | None:
    """The event with its damaged fields mended or dropped (in place), or None when it
    cannot be used. Each repair is described in `messages` (when given)."""
    kind = event["event"]
    if kind != "run_start" and _FAST.get(kind, _FAST_OTHER)(event):
        return event
    say = messages.append if messages is not None else None
    _mend_common(event, kind, last_time, say)
    if not _mend_fields(event, kind, say):
        return None
    if kind == "run_start" and "scenes" in event:
        event["scenes"] = _scenes(event["scenes"], say)
    return event


Say = Callable[[str], None] | None


def _mend_common(event: dict[str, Any], kind: str, last_time: float, say: Say) -> None:
    """The fields every line has: seq, session_time (else the time before), play_time, wall."""
    seq = event.get("seq")
    if seq is not None and not (type(seq) is int and 0 <= seq <= 10**12):
        del event["seq"]
        if say:
            say(f"its sequence number {_show(seq)} is not a whole number from 0; ignored")
    at = event.get("session_time")
    if not ((type(at) is float or type(at) is int) and 0.0 <= at <= MAX_TIME):
        event["session_time"] = last_time
        if say:
            say(
                f"{kind}: session_time {_show(at)} is not {WHAT[TIME]}; "
                f"taken as {last_time:.3f}, the time before it"
            )
    for name, check in (("play_time", TIME), ("wall", WALL)):
        value = event.get(name)
        if value is not None and type(value) is float and check(value):
            continue  # the common case, quickly
        if name in event and not check(event[name]):
            if say:
                say(f"{kind}: {name} {_show(event[name])} is not {_what(check)}; ignored")
            del event[name]


def _mend_fields(event: dict[str, Any], kind: str, say: Say) -> bool:
    """The kind's own fields (FIELDS); False when a required one is missing or damaged."""
    for name, check, required in _FIELD_LISTS.get(kind, ()):
        if name not in event:
            if required:
                if say:
                    say(f"{kind}: it has no {name}; the event is skipped")
                return False
            continue
        value = event[name]
        if not check(value):
            if say:
                what = "the event is skipped" if required else "ignored"
                say(f"{kind}: {name} {_show(value)} is not {_what(check)}; {what}")
            if required:
                return False
            del event[name]
        elif isinstance(value, str) and len(value) > MAX_TEXT:
            event[name] = value[:MAX_TEXT] + "…"
            if say:
                say(f"{kind}: {name} is {len(value)} characters long; cut to {MAX_TEXT}")
    return True


def _scenes(value: Any, say: Callable[[str], None] | None) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        if say:
            say(f"run_start: scenes {_show(value)} is not a list; ignored")
        return []
    kept = []
    for scene in value:
        if not isinstance(scene, dict) or not TEXT(scene.get("id")):
            if say:
                say(f"run_start: a scene {_show(scene)} has no id; ignored")
            continue
        for name, check in SCENE_FIELDS.items():
            if name in scene and not check(scene[name]):
                if say:
                    say(
                        f"run_start: scene {scene['id'][:40]!r}: {name} {_show(scene[name])} "
                        f"is not {_what(check)}; ignored"
                    )
                del scene[name]
        kept.append(scene)
    return kept


__all__ = ["MAX_TIME", "clean"]
