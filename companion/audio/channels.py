"""The mixer's channel pool: which of SDL_mixer's channels play which sound, and the gain each
one is set to.

A voice owns its Sound's volume (SDL_mixer keeps one volume per Sound), so a sound that must
play twice at once (a track crossfading into itself) plays from a copy. Copies are kept a
while and reused, then let go: making one per crossfade (25 MB for a music layer) let memory
grow through a long session. Everything here runs under the mixer's lock.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from companion.audio.memory import give_back_memory
from companion.audio.ramps import Param

if TYPE_CHECKING:
    from companion.audio.buses import Playback
    from companion.audio.streams import Stream

PANNING_UNKNOWN = -1  # in Voice.level: SDL_mixer may have dropped the channel's panning
SPARE_SECONDS = (
    30.0  # s a copy of a Sound is kept after it stops, for the next crossfade into itself
)


@dataclass
class Voice:
    """One sound on one channel."""

    channel: int
    sound: Any
    bus: str
    envelope: Param
    role: str = ""  # music layer: base/middle/high
    shape: Callable[[float], float] | None = None  # extra gain by play time
    one_shot: bool = False
    playback: Playback | None = None
    level: tuple[int, int] = (-1, -1)  # last (chunk volume, panning) set: see split_gain
    stream: Stream | None = None  # music made while it plays: chunks queued in turn
    queued: Any = None  # the stream's next chunk, queued on the channel behind `sound`
    joins: bool = False  # chunks queued one after another on the channel: see stream_gain
    gain: float = 0.0  # the gain set last (chunks that join hold a steady gain unpanned)
    queued_volume: int = -1  # the Sound volume of `queued`


class ChannelPool:
    """SDL_mixer's channels: free ones, the voices playing on the others, copies of Sounds."""

    def __init__(self, pygame: Any, count: int, full: Callable[[], None]) -> None:
        self._pygame = pygame
        self._full = full  # called when a sound is left out for want of a channel
        self._free = list(range(count))
        self.voices: list[Voice] = []
        self._spare_copies: dict[
            int, list[tuple[Any, float]]
        ] = {}  # id(original) -> (copy, stopped at)
        self._copied_from: dict[int, Any] = {}  # id(copy) -> its original

    def start(
        self,
        sound: Any,
        bus: str,
        envelope: Param,
        *,
        loops: int,
        role: str = "",
        shape: Callable[[float], float] | None = None,
        one_shot: bool = False,
        joins: bool = False,
    ) -> Voice | None:
        if not self._free:
            self._full()
            return None
        if any(v.sound is sound for v in self.voices):
            sound = self._copy_of(sound)
        index = self._free.pop(0)
        channel = self._pygame.mixer.Channel(index)
        channel.set_volume(0.0, 0.0)  # silent from its first sample; the ramp brings it in
        sound.set_volume(1.0)
        channel.play(sound, loops=loops)
        channel.set_volume(0.0, 0.0)
        voice = Voice(
            index, sound, bus, envelope, role, shape, one_shot, level=(128, 0), joins=joins
        )
        self.voices.append(voice)
        return voice

    def start_stream(self, stream: Stream, bus: str, envelope: Param, now: float) -> Voice | None:
        """A channel for a stream of chunks: the first plays now, silent until the ramp
        brings it in; `feed` queues the others."""
        if not self._free:
            self._full()
            return None
        chunk = stream.take(now)
        if chunk is None:
            return None
        index = self._free.pop(0)
        sound = self._pygame.mixer.Sound(buffer=chunk)
        voice = Voice(index, sound, bus, envelope, stream=stream, level=(128, 0), joins=True)
        self._play_chunk(voice, sound)
        stream.playing = True
        self.voices.append(voice)
        return voice

    def feed(self, voice: Voice, now: float) -> None:
        """Queue a stream's next chunk when the channel has none queued. A channel that ran
        dry (the worker was late) starts the chunk at once; the stream counts it."""
        stream = voice.stream
        assert stream is not None
        channel = self._pygame.mixer.Channel(voice.channel)
        if channel.get_queue() is not None:
            return
        if voice.queued is not None:  # the queued chunk is the one playing now
            voice.sound, voice.queued = voice.queued, None
            voice.level = (voice.queued_volume, voice.level[1])
            panning_lost(voice)
        chunk = stream.take(now)
        if chunk is None:
            return
        sound = self._pygame.mixer.Sound(buffer=chunk)
        if channel.get_busy():
            channel.queue(sound)
            voice.queued, voice.queued_volume = sound, -1
            self._set_queued_volume(voice, whole_volume(voice.gain))
        else:
            stream.underruns += 1
            self._play_chunk(voice, sound)

    def _play_chunk(self, voice: Voice, sound: Any) -> None:
        """Start a chunk on a stopped channel (a stream's first, or one that ran dry), silent
        until its panning is set: SDL_mixer dropped the last one when the channel stopped."""
        channel = self._pygame.mixer.Channel(voice.channel)
        volume, pan = voice.level
        sound.set_volume((volume + 0.5) / 128)
        channel.set_volume(0.0)
        channel.play(sound)
        value = (pan + 0.5) / 255 if pan > 0 else 0.0
        channel.set_volume(value, value)
        voice.sound = sound

    def release(self, voice: Voice) -> None:
        channel = self._pygame.mixer.Channel(voice.channel)
        queued = channel.get_queue()
        if queued is not None:  # stopping a channel starts its queued chunk: silence that one
            queued.set_volume(0.0)
            channel.stop()
        channel.stop()
        if voice.stream is not None:
            voice.stream.close()
            voice.queued = None
        if voice in self.voices:
            self.voices.remove(voice)
            self._free.append(voice.channel)
            original = self._copied_from.get(id(voice.sound))
            if original is not None:
                self._spare_copies.setdefault(id(original), []).append(
                    (voice.sound, time.monotonic())
                )

    def release_all(self) -> None:
        for voice in list(self.voices):
            self.release(voice)

    def busy(self, voice: Voice) -> bool:
        """Whether its channel still plays (a one-shot sound that ended is not)."""
        return bool(self._pygame.mixer.Channel(voice.channel).get_busy())

    def set_gain(self, voice: Voice, gain: float) -> None:
        """Set a voice's gain through SDL_mixer's two controls: the Sound's volume (0..128)
        and the channel's panning (0..255, both sides alike): see split_gain and
        stream_gain. Only the panning is fine: SDL_mixer multiplies the Sound's and the
        channel's volumes as whole numbers (steps of 1/128, a zipper in a fade)."""
        if voice.joins:
            volume, pan = stream_gain(gain, steady=gain == voice.gain)
            self._set_queued_volume(voice, whole_volume(gain))
        else:
            volume, pan = split_gain(gain, voice.level[0])
        voice.gain = gain
        if (volume, pan) == voice.level:
            return
        if volume != voice.level[0]:
            voice.sound.set_volume((volume + 0.5) / 128)
        if pan != voice.level[1]:
            value = (pan + 0.5) / 255 if pan else 0.0
            self._pygame.mixer.Channel(voice.channel).set_volume(value, value)
        voice.level = (volume, pan)

    def _set_queued_volume(self, voice: Voice, volume: int) -> None:
        """The queued chunk plays from its join without the panning, at its volume alone:
        the whole volume nearest the gain (within 1/256 of full scale)."""
        if voice.queued is not None and volume != voice.queued_volume:
            voice.queued.set_volume((volume + 0.5) / 128)
            voice.queued_volume = volume

    def _copy_of(self, sound: Any) -> Any:
        """A second Sound with the same samples, reused from the spares when one is free."""
        in_use = {id(v.sound) for v in self.voices}
        spares = self._spare_copies.setdefault(id(sound), [])
        for spare in spares:
            if id(spare[0]) not in in_use:
                spares.remove(spare)
                return spare[0]
        copy = self._pygame.mixer.Sound(buffer=sound.get_raw())
        self._copied_from[id(copy)] = sound
        give_back_memory()  # the samples passed through a temporary bytes object
        return copy

    @property
    def copies_held(self) -> int:
        """Copies of Sounds alive now: playing (a track crossfading into itself) or spare."""
        return len(self._copied_from)

    def drop_old_copies(self, now: float) -> None:
        """Let go of copies not played for SPARE_SECONDS: the memory they held goes back to the
        system, so a long session's memory stays flat."""
        dropped = False
        for original, spares in self._spare_copies.items():
            old = [copy for copy, since in spares if now - since >= SPARE_SECONDS]
            if old:
                self._spare_copies[original] = [
                    (c, s) for c, s in spares if now - s < SPARE_SECONDS
                ]
                for copy in old:
                    self._copied_from.pop(id(copy), None)
                dropped = True
        if dropped:
            give_back_memory()


SPLIT_VOLUME_FLOOR = 16  # the least Sound volume split_gain uses: a step of 1 is 1/16 of it


def split_gain(gain: float, volume: int) -> tuple[int, int]:
    """A gain as SDL_mixer's two integer controls: the voice's Sound volume (0..128) times the
    channel's panning gain (0..255, both sides alike). Panning alone steps by 1/255, which in
    a fade to silence is a faint zipper; the product reaches 1/2040 near silence. The Sound
    volume moves at most 1/16 of itself per update, so when the two controls are set a
    moment apart (SDL mixing a buffer in between, as on a busy machine) the error is under
    0.6 dB. It stays at 16 or more for that: going down to 1 it moved 3 to 2 to 1, and a
    buffer mixed between the two settings dipped 3.5 or 6 dB (caught as a click in End's
    fade, beside two busy loops)."""
    if gain <= 0.0:
        return volume, 0
    gain = min(gain, 1.0)
    wanted = min(128, max(SPLIT_VOLUME_FLOOR, math.ceil(gain * 128 * 255 / 192)))  # pan ~192
    step = max(1, volume // 16)
    volume = min(max(wanted, volume - step), volume + step)
    pan = min(255, max(0, int(round(gain * 128 * 255 / volume))))
    return volume, pan


def panning_lost(voice: Voice) -> None:
    """A queued chunk began on the voice's channel: SDL_mixer dropped the panning when the
    last one ended (or the ramp thread set it again since, on the new chunk): the next
    set_gain sets it anew, whatever it was."""
    voice.level = (voice.level[0], PANNING_UNKNOWN)


def whole_volume(gain: float) -> int:
    """The Sound volume (0..128) nearest a gain."""
    return round(min(max(gain, 0.0), 1.0) * 128)


def stream_gain(gain: float, steady: bool) -> tuple[int, int]:
    """The gain of chunks that join on a channel (a stream, a film's sound) as (Sound
    volume, panning). SDL_mixer drops the channel's panning whenever a chunk ends, so just
    after a join the gain is the Sound volume alone, until the panning is set again (the
    ramp thread's next tick). So the panning only trims: while the gain moves, the volume
    is the least that reaches it and the panning takes off the rest (under 1/128 of full
    scale); a gain that holds still is the nearest whole volume with no panning, which a
    join cannot change. A queued chunk waits at the whole volume nearest the gain, so while
    a gain moves a join is out by at most 1/256 of full scale, for a tick. (Through whole
    volumes alone a fade moved in steps of 1/128 of full scale all along: a zipper, heard
    as clicks in quiet passages of a crossfade.)"""
    gain = min(max(gain, 0.0), 1.0)
    if steady or gain <= 0.0:
        return whole_volume(gain), 255
    volume = max(1, math.ceil(gain * 128 - 1e-9))
    return volume, min(255, round(gain * 128 * 255 / volume))
