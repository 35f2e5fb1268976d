"""The effects bus's own voices: chimes (one-shot, faded out when their step is cut short)
and the breathing tone (looped, its gain shaped by the guide's phases on the play clock).

A part of the mixer that owns the breathing tone's voice; it runs under the mixer's lock.
Moved out of mixer.py (issue 17), behaviour and timing unchanged.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from companion.audio.channels import Voice
from companion.audio.ramps import Param
from companion.session import actions as act

if TYPE_CHECKING:
    from companion.audio.mixer import Mixer

BREATH_STOP = 0.6
CHIME_STOP = 0.5


class Effects:
    """Chimes and the breathing tone."""

    def __init__(self, mixer: Mixer) -> None:
        self._mixer = mixer
        self.breath: Voice | None = None  # the breathing tone playing now

    def step_ended(self, action: act.StepEnded, play: float) -> None:
        """A breathing step ends (the tone fades), or a chime's is cut short (it fades)."""
        pool = self._mixer._pool
        if action.step == "breathe" and self.breath is not None:
            self.breath.envelope.to(0.0, BREATH_STOP, play, "db")
            self.breath = None
        elif action.step == "chime" and action.interrupted:
            for voice in pool.voices if pool is not None else ():
                if voice.bus == "effects" and voice.one_shot:
                    voice.envelope.to(0.0, CHIME_STOP, play, "db")

    def chime(self, name: str, play: float) -> None:
        mixer = self._mixer

        def start(got: tuple[Any, float], _play: float) -> None:
            mixer._start(got[0], "effects", Param(1.0), loops=0, one_shot=True)

        mixer.loads.when_loaded(
            mixer.loads.request(mixer.library.chime(name), "chime", urgent=True), play, start
        )

    def breathe(self, action: act.Breathe, play: float) -> None:
        mixer = self._mixer
        if self.breath is not None:
            self.breath.envelope.to(0.0, BREATH_STOP, play, "db")
            self.breath = None
        if action.sound != "tone":
            return
        shape = breath_shape(action, play)

        def start(got: tuple[Any, float], _play: float) -> None:
            self.breath = mixer._start(got[0], "effects", Param(1.0), loops=-1, shape=shape)

        tone = mixer.loads.request(mixer.library.breath_tone(), "breathing tone", urgent=True)
        mixer.loads.when_loaded(tone, play, start)


def breath_shape(action: act.Breathe, start: float) -> Callable[[float], float]:
    """The breathing tone's gain by play time: swelling in, held, ebbing out, resting."""
    parts = (action.inhale, action.hold, action.exhale, action.rest)
    cycle = sum(parts)
    total = cycle * action.cycles

    def shape(now: float) -> float:
        t = now - start
        if t < 0 or t >= total or cycle <= 0:
            return 0.0
        t %= cycle
        if t < action.inhale:
            return (1 - math.cos(math.pi * t / action.inhale)) / 2
        t -= action.inhale
        if t < action.hold:
            return 1.0
        t -= action.hold
        if t < action.exhale:
            return (1 + math.cos(math.pi * t / action.exhale)) / 2
        return 0.0

    return shape
