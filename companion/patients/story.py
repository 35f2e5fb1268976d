"""The story across sessions: what a patient report shows, gathered from the patient's history
(the index's events of each record, and the questionnaires taken outside sessions).

Everything is computed here, once; report_html.py and report_md.py only lay it out. The
suggestions are shown to the therapist, never applied by themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from companion.patients.history import History
from companion.record.summary import parse_date
from companion.session.ratings import BAD_FEELINGS, GOOD_FEELINGS

SIGNS = (
    ("systolic", "Systolic"),
    ("diastolic", "Diastolic"),
    ("heart_rate", "Heart rate"),
    ("spo2", "SpO2"),
)
WELL, BADLY = 7, 3  # mean resonance at or above WELL is rated well; at or below BADLY, badly


@dataclass
class SessionLine:
    id: str
    date: datetime | None
    title: str
    script: str
    length: float
    ended: bool
    protocol: str | None = None
    doses: list[str] = field(default_factory=list)
    ratings: list[dict[str, Any]] = field(default_factory=list)
    before: dict[str, int] = field(default_factory=dict)  # mood, anxiety
    after: dict[str, int] = field(default_factory=dict)
    vitals: dict[str, tuple[float, float]] = field(default_factory=dict)  # sign -> (low, high)
    notes: list[str] = field(default_factory=list)
    substitutions: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Score:
    instrument: str
    date: datetime | None
    score: int
    severity: str
    where: str  # a record's id, or "outside a session"
    follow_up: str = ""  # PHQ-9 item 9 above 0: said wherever the score is shown


@dataclass
class Verdict:
    """How one environment or piece was rated across sessions."""

    kind: str  # environment or music
    name: str
    resonance: list[int] = field(default_factory=list)
    good: int = 0
    bad: int = 0
    sessions: set[str] = field(default_factory=set)

    @property
    def mean(self) -> float | None:
        return sum(self.resonance) / len(self.resonance) if self.resonance else None

    @property
    def well(self) -> bool:
        mean = self.mean
        return (mean is not None and mean >= WELL and self.bad == 0) or (
            mean is None and self.good > 0 and self.bad == 0
        )

    @property
    def badly(self) -> bool:
        mean = self.mean
        return (mean is not None and mean <= BADLY) or self.bad > self.good


@dataclass
class Story:
    code: str
    profile_text: str | None
    sessions: list[SessionLine]
    scores: list[Score]
    verdicts: list[Verdict]
    suggestions: list[str]

    @property
    def well(self) -> list[Verdict]:
        return [v for v in self.verdicts if v.well]

    @property
    def badly(self) -> list[Verdict]:
        return [v for v in self.verdicts if v.badly]


def _dose(event: dict[str, Any]) -> str:
    amount = event.get("dose")
    parts = [
        f"{amount:g} {event.get('unit') or ''}".strip() if isinstance(amount, (int, float)) else "",
        str(event.get("route") or ""),
        str(event.get("text") or ""),
    ]
    return " ".join(p for p in parts if p) or "given"


def _session(
    entry: Any, scores: list[Score], verdicts: dict[tuple[str, str], Verdict]
) -> SessionLine:
    line = SessionLine(
        entry.id, parse_date(entry.date), entry.title, entry.script, entry.length, entry.ended
    )
    for event in entry.items:
        kind = event.get("event")
        if kind == "questionnaire" and isinstance(event.get("score"), int):
            severity = str(event.get("severity") or "")
            follow = event.get("follow_up")
            scores.append(
                Score(
                    str(event.get("instrument")),
                    line.date,
                    event["score"],
                    severity,
                    entry.id,
                    follow if isinstance(follow, str) else "",
                )
            )
        elif kind == "rating":
            line.ratings.append(event)
            _tally(event, entry.id, verdicts)
        elif kind in _TAKE:
            _TAKE[kind](line, event)
    return line


def _protocol(line: SessionLine, event: dict[str, Any]) -> None:
    line.protocol = str(event.get("title") or event.get("name"))


def _medicine(line: SessionLine, event: dict[str, Any]) -> None:
    line.doses.append(_dose(event))


def _note(line: SessionLine, event: dict[str, Any]) -> None:
    line.notes.append(str(event.get("text", "")))


def _fitting(line: SessionLine, event: dict[str, Any]) -> None:
    line.substitutions += [
        str(s.get("text")) for s in event.get("substitutions", []) if isinstance(s, dict)
    ]


def _mood(line: SessionLine, event: dict[str, Any]) -> None:
    target = line.before if event.get("when") == "before" else line.after
    for name in ("mood", "anxiety"):
        if isinstance(event.get(name), int):
            target[name] = event[name]


def _vitals(line: SessionLine, event: dict[str, Any]) -> None:
    for sign, _label in SIGNS:
        value = event.get(sign)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            low, high = line.vitals.get(sign, (value, value))
            line.vitals[sign] = (min(low, value), max(high, value))


_TAKE = {
    "protocol": _protocol,
    "medicine": _medicine,
    "note": _note,
    "fitting": _fitting,
    "mood": _mood,
    "vitals": _vitals,
}


def _tally(event: dict[str, Any], record: str, verdicts: dict[tuple[str, str], Verdict]) -> None:
    if event.get("target") == "music":
        key = ("music", str(event.get("name")))
    else:
        key = ("environment", str(event.get("environment") or event.get("name")))
    verdict = verdicts.setdefault(key, Verdict(*key))
    if isinstance(event.get("resonance"), int):
        verdict.resonance.append(event["resonance"])
    verdict.good += event.get("feeling") in GOOD_FEELINGS
    verdict.bad += event.get("feeling") in BAD_FEELINGS
    verdict.sessions.add(record)


def story(found: History) -> Story:
    scores: list[Score] = []
    verdicts: dict[tuple[str, str], Verdict] = {}
    sessions = [_session(entry, scores, verdicts) for entry in found.sessions]
    sessions.sort(key=lambda s: (s.date.timestamp() if s.date else 0.0, s.id))
    from companion.session.ratings import INSTRUMENTS, questionnaire_fields

    for q in found.questionnaires:
        follow = ""
        if q.instrument in INSTRUMENTS and len(q.answers) == len(INSTRUMENTS[q.instrument].items):
            follow = questionnaire_fields(q.instrument, list(q.answers)).get("follow_up", "")
        scores.append(
            Score(q.instrument, parse_date(q.taken), q.score, "", "outside a session", follow)
        )

    scores = [
        Score(
            s.instrument,
            s.date,
            s.score,
            s.severity or INSTRUMENTS[s.instrument].severity(s.score),
            s.where,
            s.follow_up,
        )
        if s.instrument in INSTRUMENTS
        else s
        for s in scores
    ]
    scores.sort(key=lambda s: (s.date.timestamp() if s.date else 0.0, s.instrument))
    ordered = sorted(verdicts.values(), key=lambda v: (v.kind, -(v.mean or 0.0), v.name))
    return Story(
        found.code, found.profile_text, sessions, scores, ordered, suggestions(found, ordered)
    )


def suggestions(found: History, verdicts: list[Verdict]) -> list[str]:
    """What to keep and what to change next time, from the ratings (shown, never applied)."""
    profile = found.profile
    out = []
    for v in verdicts:
        mean = f"resonance {v.mean:.1f}" if v.mean is not None else "no resonance given"
        times = (
            f"rated {len(v.resonance) or v.good + v.bad} time(s) in {len(v.sessions)} session(s)"
        )
        if v.well:
            if v.kind == "music" and v.name not in profile.music.prefer:
                out.append(f"keep: {v.name} ({mean}, {times}); add it to music: prefer")
            else:
                out.append(f"keep: {v.name} ({mean}, {times})")
        elif v.badly:
            if v.kind == "music" and v.name not in profile.music.avoid:
                out.append(
                    f"change: {v.name} ({mean}, {times}, {v.bad} uneasy or distressing); "
                    "consider music: avoid"
                )
            elif v.kind == "environment" and v.name not in profile.avoid.environments:
                out.append(
                    f"change: {v.name} ({mean}, {times}, {v.bad} uneasy or distressing); "
                    "consider avoid: environments"
                )
            else:
                out.append(f"change: {v.name} ({mean}, {times}) is rated badly although avoided")
    return out
