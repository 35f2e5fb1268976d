"""What the patient said during and after one session (ratings of scenes and music, mood and
anxiety before and after, PHQ-9 and GAD-7) and the music the composer made for it (each piece
with its seed), gathered from the record in the summary's one pass.

The session report shows them in sections of their own: the ratings are what the patient
story (companion/patients/story.py) is built from across sessions, and a piece's seed is how a
clinic makes the same music again (`companion music render PIECE --seed S`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from companion.record import events as ev

KINDS = (ev.Rating.kind, ev.Mood.kind, ev.QuestionnaireTaken.kind, ev.MusicStarted.kind)


@dataclass(frozen=True)
class Saying:
    """One thing the patient said: `about` what (a scene, a piece, a moment, a questionnaire)
    and `said` in words; `concern` when a clinician must look (PHQ-9 item 9 above 0)."""

    time: float
    wall: float | None
    about: str
    said: str
    concern: str | None = None


@dataclass(frozen=True)
class PiecePlayed:
    time: float
    piece: str
    seed: int
    energy: float
    music_seed: int


@dataclass
class Said:
    sayings: list[Saying] = field(default_factory=list)
    music: list[PiecePlayed] = field(default_factory=list)

    def take(self, kind: str, event: dict[str, Any], at: float, wall: float | None) -> None:
        if kind == ev.MusicStarted.kind:
            played = _piece(event, at)
            if played is not None:
                self.music.append(played)
            return
        saying = _saying(kind, event, at, wall)
        if saying is not None:
            self.sayings.append(saying)


def _piece(event: dict[str, Any], at: float) -> PiecePlayed | None:
    piece, seed, energy = event.get("piece"), event.get("seed"), event.get("energy")
    if not isinstance(piece, str) or type(seed) is not int:
        return None  # a damaged line: the record's validation reports it
    music_seed = event.get("music_seed")
    return PiecePlayed(
        at,
        piece,
        seed,
        float(energy) if isinstance(energy, (int, float)) else 0.5,
        music_seed if type(music_seed) is int else 0,
    )


def _saying(kind: str, event: dict[str, Any], at: float, wall: float | None) -> Saying | None:
    if kind == ev.Rating.kind:
        name = str(event.get("name", ""))[:200]
        about = f"scene {name}" if event.get("target") == "scene" else f"music {name}"
        if event.get("environment"):
            about += f" ({str(event['environment'])[:80]})"
        parts = [str(event["feeling"])[:40]] if event.get("feeling") else []
        if isinstance(event.get("resonance"), int):
            parts.append(f"resonance {event['resonance']}/10")
        return Saying(at, wall, about, ", ".join(parts))
    if kind == ev.Mood.kind:
        when = "before" if event.get("when") == "before" else "after"
        parts = [
            f"{name} {event[name]}/10"
            for name in ("mood", "anxiety")
            if isinstance(event.get(name), int)
        ]
        return Saying(at, wall, f"mood and anxiety {when} the session", ", ".join(parts))
    if kind == ev.QuestionnaireTaken.kind:
        instrument = str(event.get("instrument", ""))[:20]
        score, severity = event.get("score"), event.get("severity")
        answers = event.get("answers")
        highest = 3 * len(answers) if isinstance(answers, list) else None
        said = f"score {score}" + (f" of {highest}" if highest else "") + f": {severity}"
        follow_up = event.get("follow_up")
        return Saying(at, wall, instrument, said, str(follow_up) if follow_up else None)
    return None
