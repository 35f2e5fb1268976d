"""Narration on the mixer: a line starts (the music and ambience duck under it), is missed
(its sound failed or came too late: captions only, the music comes back up), is cut short,
or ends (the duck comes back after DUCK_HOLD).

A part of the mixer that owns the narrator's voice and when the duck lets go; it runs under
the mixer's lock, on the app's thread (actions) and the ramp thread (its timeline).
Moved out of mixer.py (issue 17), behaviour and timing unchanged.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from companion.audio.channels import ChannelPool, Voice
from companion.audio.faults import captions_only, fault_message
from companion.audio.ramps import Param
from companion.session import actions as act

if TYPE_CHECKING:
    from companion.audio.mixer import Mixer

DUCK_DOWN, DUCK_UP, DUCK_HOLD = 0.35, 0.9, 0.6
STOP_SECONDS = 0.25  # narration cut short


class Narrator:
    """The narrator's voice and the duck under it."""

    def __init__(self, mixer: Mixer) -> None:
        self._mixer = mixer
        self.voice: Voice | None = None  # the line speaking now
        self.unduck_at: float | None = None  # play time the music comes back up

    def say(self, action: act.Say, play: float) -> None:
        if self.voice is not None:
            self.voice.envelope.to(0.0, STOP_SECONDS, play, "db")
            self.voice = None
        self._mixer.loads.waiting = [w for w in self._mixer.loads.waiting if w[2] != self.start]
        request = self._mixer.loads.narration_request(
            action.text, action.line_id, action.audio, urgent=True
        )
        if request is None or self._mixer.loader.failure(request):
            # Captions only: nothing speaks now, so a duck left by the line before (one still
            # waiting for its sound, dropped above) is let go.
            self.unduck_at = play + DUCK_HOLD
        if request is None:
            faults = self._mixer._faults["narration"]
            if action.text not in faults and not getattr(self._mixer.narration, "problem", None):
                faults[action.text] = captions_only(action.text, "it has no sound")
                self._mixer._health_later("narration", False, fault_message(faults))
            return
        if self._mixer.loader.failure(request):
            return  # reported when the loader found it: captions only, the music stays up
        for bus in ("music", "ambience"):
            self._mixer.duck[bus].to(self._mixer.script.mix.duck, DUCK_DOWN, play, "smooth")
        self.unduck_at = None
        self._mixer.loads.when_loaded(request, play, self.start, self.missed)

    def will_speak(self, action: act.Say) -> bool:
        """Whether this line will be heard: a device, a file, and not found damaged. (A line
        that will not be heard shows its caption whatever the captions setting.)"""
        if self._mixer.silent:
            return False
        with self._mixer._lock:
            request = self._mixer.loads.narration_request(action.text, action.line_id, action.audio)
            return request is not None and not self._mixer.loader.failure(request)

    def missed(self, play: float) -> None:
        """The line's sound failed or came too late: the music comes back up."""
        if self.voice is None:
            self.unduck_at = play + DUCK_HOLD

    def start(self, got: tuple[Any, float], play: float) -> None:
        volume = self._mixer.script.voice.volume
        self.voice = self._mixer._start(
            got[0], "narration", Param(1.0), loops=0, one_shot=True, shape=lambda _t: volume
        )
        if self.voice is None:
            self.unduck_at = play

    def interrupt(self, play: float) -> None:
        """The line's step was cut short: the voice fades out, the music comes back."""
        if self.voice is not None:
            self.voice.envelope.to(0.0, STOP_SECONDS, play, "db")
            self.voice = None
            self.unduck_at = play + DUCK_HOLD

    def timeline(self, pool: ChannelPool, play: float) -> None:
        """On each tick: a line that has ended lets the duck go after DUCK_HOLD."""
        voice = self.voice
        if voice is not None and not pool.busy(voice):
            self.voice = None
            self.unduck_at = play + DUCK_HOLD
        if self.unduck_at is not None and play >= self.unduck_at:
            self.unduck_at = None
            for bus in ("music", "ambience"):
                self._mixer.duck[bus].to(1.0, DUCK_UP, play, "smooth")
