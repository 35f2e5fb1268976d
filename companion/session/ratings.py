"""What the patient says about a session: ratings of scenes and music, mood and anxiety before
and after, and the PHQ-9 and GAD-7 questionnaires, checked and scored.

Pure (no I/O): the engine's `rating`, `mood` and `questionnaire` commands use it to turn what
the panel sends into events, and `companion patients questionnaire` to score answers typed in.
The questionnaires' wording is the public-domain text of the PHQ-9 and GAD-7 (Spitzer,
Williams, Kroenke and colleagues, with an educational grant from Pfizer; "no permission
required to reproduce, translate, display or distribute").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from companion.session.commands import Refused

# How a scene or piece felt: a few quick choices, best first; the first two count as helping,
# the last two as not (the patient report's "rated well" and "rated badly").
FEELINGS = ("safe", "pleasant", "neutral", "uneasy", "distressing")
GOOD_FEELINGS = ("safe", "pleasant")
BAD_FEELINGS = ("uneasy", "distressing")
TARGETS = ("scene", "music")
MOMENTS = ("before", "after")


@dataclass(frozen=True)
class Instrument:
    name: str
    stem: str  # the question before the items
    items: tuple[str, ...]
    bands: tuple[tuple[int, str], ...]  # (lowest score, severity), ascending
    choices: tuple[str, ...] = (
        "Not at all",
        "Several days",
        "More than half the days",
        "Nearly every day",
    )

    @property
    def highest(self) -> int:
        return 3 * len(self.items)

    def severity(self, score: int) -> str:
        return [label for low, label in self.bands if score >= low][-1]


INSTRUMENTS: dict[str, Instrument] = {
    i.name: i
    for i in (
        Instrument(
            "PHQ-9",
            "Over the last 2 weeks, how often have you been bothered by any of the following "
            "problems?",
            (
                "Little interest or pleasure in doing things",
                "Feeling down, depressed, or hopeless",
                "Trouble falling or staying asleep, or sleeping too much",
                "Feeling tired or having little energy",
                "Poor appetite or overeating",
                "Feeling bad about yourself — or that you are a failure or have let yourself or "
                "your family down",
                "Trouble concentrating on things, such as reading the newspaper or watching "
                "television",
                "Moving or speaking so slowly that other people could have noticed? Or the "
                "opposite — being so fidgety or restless that you have been moving around a lot "
                "more than usual",
                "Thoughts that you would be better off dead or of hurting yourself in some way",
            ),
            (
                (0, "minimal"),
                (5, "mild"),
                (10, "moderate"),
                (15, "moderately severe"),
                (20, "severe"),
            ),
        ),
        Instrument(
            "GAD-7",
            "Over the last 2 weeks, how often have you been bothered by the following problems?",
            (
                "Feeling nervous, anxious or on edge",
                "Not being able to stop or control worrying",
                "Worrying too much about different things",
                "Trouble relaxing",
                "Being so restless that it is hard to sit still",
                "Becoming easily annoyed or irritable",
                "Feeling afraid as if something awful might happen",
            ),
            ((0, "minimal"), (5, "mild"), (10, "moderate"), (15, "severe")),
        ),
    )
}


def _score(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value):
        raise Refused(f"{name} is a whole number from 0 to 10")
    if not 0 <= value <= 10:
        raise Refused(f"{name} is from 0 to 10 (got {value:g})")
    return int(value)


def rating_fields(
    target: str, name: str, feeling: str | None = None, resonance: float | None = None
) -> dict[str, Any]:
    """A rating of a scene or a piece of music: how it felt and how much it resonated (0-10)."""
    if target not in TARGETS:
        raise Refused(f"a rating is of a scene or music (got '{target}')")
    if not name.strip() or len(name) > 200:
        raise Refused("a rating names the scene or piece it is about")
    if feeling is None and resonance is None:
        raise Refused("a rating needs a feeling or a resonance")
    fields: dict[str, Any] = {"target": target, "name": name.strip()}
    if feeling is not None:
        if feeling not in FEELINGS:
            raise Refused(f"a feeling is one of {', '.join(FEELINGS)} (got '{feeling}')")
        fields["feeling"] = feeling
    if resonance is not None:
        fields["resonance"] = _score("resonance", resonance)
    return fields


def mood_fields(
    when: str, mood: float | None = None, anxiety: float | None = None
) -> dict[str, Any]:
    """The patient's own mood and anxiety, 0-10, before or after the session."""
    if when not in MOMENTS:
        raise Refused(f"mood is taken before or after the session (got '{when}')")
    if mood is None and anxiety is None:
        raise Refused("give the mood or the anxiety (0 to 10)")
    fields: dict[str, Any] = {"when": when}
    if mood is not None:
        fields["mood"] = _score("mood", mood)
    if anxiety is not None:
        fields["anxiety"] = _score("anxiety", anxiety)
    return fields


def questionnaire_fields(instrument: str, answers: list[Any]) -> dict[str, Any]:
    """A PHQ-9 or GAD-7, every item answered 0-3, with its score and severity band."""
    found = INSTRUMENTS.get(instrument)
    if found is None:
        raise Refused(f"the questionnaires are {', '.join(INSTRUMENTS)} (got '{instrument}')")
    if not isinstance(answers, list) or len(answers) != len(found.items):
        raise Refused(f"{instrument} has {len(found.items)} answers")
    if any(type(a) is not int or not 0 <= a <= 3 for a in answers):
        raise Refused(f"each {instrument} answer is 0, 1, 2 or 3")
    score = sum(answers)
    fields: dict[str, Any] = {
        "instrument": instrument,
        "answers": list(answers),
        "score": score,
        "severity": found.severity(score),
    }
    if instrument == "PHQ-9" and answers[8] > 0:
        fields["follow_up"] = "item 9 (thoughts of death or self-harm) was answered above 0"
    return fields
