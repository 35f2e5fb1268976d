"""How long steps take. Narration and chime lengths come from a provider: an estimate from
the voice's words per minute until the sound library and the narration cache know better."""

from __future__ import annotations

import re
from typing import Protocol

from companion.script import models

WORD = re.compile(r"[\w'’-]+")
SENTENCE_END = re.compile(r"[.!?…]+")
ESTIMATED_CHIME_SECONDS = 5.0


class Timing(Protocol):
    def say_seconds(self, step: models.SayStep, script: models.Script) -> float: ...

    def chime_seconds(self, name: str) -> float: ...


def estimate_speech_seconds(text: str, words_per_minute: int) -> float:
    """Words at the voice's rate, plus a short breath at each sentence end."""
    words = len(WORD.findall(text))
    sentences = max(1, len(SENTENCE_END.findall(text)))
    return max(0.5, words * 60.0 / words_per_minute + 0.35 * sentences)


class EstimatedTiming:
    """The default provider: no audio needed."""

    def say_seconds(self, step: models.SayStep, script: models.Script) -> float:
        return estimate_speech_seconds(step.say, script.voice.rate)

    def chime_seconds(self, name: str) -> float:
        return ESTIMATED_CHIME_SECONDS


def step_seconds(step: models.Model, script: models.Script, timing: Timing) -> float:
    """How long a step holds the next one back; 0 for instant steps and for holds."""
    match step:
        case models.SayStep():
            return timing.say_seconds(step, script)
        case models.PauseStep():
            return step.pause
        case models.BreatheStep():
            return step.breathe.cycles * step.breathe.cycle_seconds
        case models.ChimeStep():
            return timing.chime_seconds(step.chime)
        case models.ShowStep():
            return step.for_
    return 0.0


def steps_seconds(scene: models.Scene, script: models.Script, timing: Timing) -> float:
    return sum(step_seconds(step, script, timing) for step in scene.steps)


def scene_seconds(scene: models.Scene, script: models.Script, timing: Timing) -> float:
    """The scene's length with every hold released at once."""
    return max(steps_seconds(scene, script, timing), scene.duration or 0.0)
