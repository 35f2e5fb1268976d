"""The engine's Timing from real sound: narration lengths from the rendered cache, recordings
and `audio:` files; chime lengths from the library. Estimates only where there is no sound."""

from __future__ import annotations

from companion.audio.library import Library
from companion.audio.narration.prepare import Narration, file_seconds
from companion.script import models
from companion.script.timing import EstimatedTiming


class SoundTiming:
    def __init__(self, narration: Narration | None, library: Library | None = None) -> None:
        self.narration = narration
        self.library = library or Library()
        self._estimate = EstimatedTiming()
        self._chimes: dict[str, float] = {}

    def say_seconds(self, step: models.SayStep, script: models.Script) -> float:
        if self.narration is not None:
            seconds = self.narration.seconds_for(step.say, step.id, step.audio)
            if seconds is not None:
                return seconds
        return self._estimate.say_seconds(step, script)

    def chime_seconds(self, name: str) -> float:
        if name not in self._chimes:
            seconds = self.library.seconds("chime", name)
            if seconds is None and self.library.chime(name).is_file():
                seconds = file_seconds(self.library.chime(name))
            self._chimes[name] = (
                seconds if seconds is not None else self._estimate.chime_seconds(name)
            )
        return self._chimes[name]
