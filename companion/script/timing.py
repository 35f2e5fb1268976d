"""How long steps take. Narration and chime lengths come from a provider: an estimate from
the voice's words per minute until the sound library and the narration cache know better."""

from __future__ import annotations

import re
from typing import Protocol

from companion.script import models

WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")  # "don't" is one word, "well-being" two, "4" one
ESTIMATED_CHIME_SECONDS = 5.0


class Timing(Protocol):
    def say_seconds(self, step: models.SayStep, script: models.Script) -> float: ...

    def chime_seconds(self, name: str) -> float: ...


def word_count(text: str) -> int:
    """Words as a listener counts them: what a voice's rate (words per minute as heard,
    pauses included) is measured in, by the renderer and by this estimate alike."""
    return len(WORD.findall(text))


def estimate_speech_seconds(text: str, words_per_minute: int) -> float:
    """The line's length at the voice's rate, which counts its pauses in."""
    return max(0.5, word_count(text) * 60.0 / words_per_minute)


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
