"""What the music and ambience buses play: a playlist of tracks, the one playing now (all its
layers), what is still fading out, and what waits to be decoded.

A `BusPlayer` runs itself: the mixer tells it what to play (`change`) and moves it on once a
tick (`advance`): it starts a track once every layer is decoded, crossfades into the next
track of a playlist before the current one ends, and lets go of what has faded out. Where the
sound of a track comes from is its `TrackSource`'s business: today files decoded by the
loader (the library's layered pieces, a clinic's own recordings), or a composer piece made
while it plays (`streams.ComposedStream`, one channel fed chunk by chunk), behind the same
three questions: which layers a track has, whether each is ready, whether it failed. A
stream that fails while it plays (its worker died) fades out; the mixer says why.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Protocol

from companion.audio.channels import ChannelPool, Voice
from companion.audio.ramps import Param, silence_fade
from companion.audio.streams import Stream

MIN_FADE = 0.3  # a sound change with no fade still glides this long: no click
PLAYLIST_CROSSFADE = 6.0
FAILED_FADE = 1.0  # s: a stream whose worker died fades out over about what it has queued


class TrackSource(Protocol):
    def layers(self, bus: str, name: str) -> list[tuple[str, Any]]:
        """(layer role, request) for every layer of the track, asked for at once."""

    def decoded(self, request: Any) -> tuple[Any, float] | None:
        """(Sound or Stream, seconds) when ready; None while pending or failed."""

    def failed(self, request: Any) -> bool: ...


@dataclass
class Playback:
    """A track (all its layers) playing on a bus."""

    name: str
    voices: list[Voice]
    volume: Param
    started: float  # play clock
    seconds: float

    @property
    def stream(self) -> Stream | None:
        return next((v.stream for v in self.voices if v.stream is not None), None)


@dataclass
class BusPlayer:
    """The music or the ambience bus."""

    bus: str
    pool: ChannelPool
    source: TrackSource
    tracks: tuple[str, ...] = ()
    volume: float = 1.0
    index: int = 0
    current: Playback | None = None
    pending: tuple[tuple[str, ...], float, float, int] | None = None  # waiting for sounds to load
    fading: list[Playback] = field(default_factory=list)
    deferred: float | None = None  # a crossfade's length, waiting for a stream's first chunk

    def change(self, tracks: tuple[str, ...], volume: float, fade: float, play: float) -> None:
        """Play `tracks` (a playlist; empty: silence) at `volume`, crossfading over `fade`.
        The same tracks again only move the volume."""
        fade = max(fade, MIN_FADE)
        if (
            tracks
            and tracks == self.tracks
            and (self.current is not None or self.pending is not None)
        ):
            self.volume = volume
            if self.current is not None:
                self.current.volume.to(volume, fade, play, "smooth")
            return
        self.tracks, self.volume, self.index = tracks, volume, 0
        self.deferred = None
        if tracks and self._stream_starting(tracks[0]):
            # A composer piece's worker takes a moment to start: what plays now goes on until
            # its first chunk is here, then they crossfade (no hole in the music).
            self.deferred = fade
        else:
            self._fade_out(fade, play, into_silence=not tracks)
        self.pending = (tracks, volume, fade, 0) if tracks else None
        self._start_pending(play)

    def _stream_starting(self, name: str) -> bool:
        requests = self.source.layers(self.bus, name)
        return any(isinstance(r, Stream) and self.source.decoded(r) is None for _, r in requests)

    def advance(self, play: float) -> None:
        """Once a tick: start what has been decoded, move a playlist on, let go of what faded."""
        self._start_pending(play)
        current = self.current
        stream = current.stream if current is not None else None
        if stream is not None and stream.failed is not None:
            self._fade_out(FAILED_FADE, play, into_silence=True)
            current = None
        if current is not None and len(self.tracks) > 1 and self.pending is None:
            crossfade = min(PLAYLIST_CROSSFADE, current.seconds / 3)
            if play - current.started >= current.seconds - crossfade:
                self.index = (self.index + 1) % len(self.tracks)
                self._fade_out(crossfade, play)
                self.pending = (self.tracks, self.volume, crossfade, self.index)
                self._start_pending(play)
        for playback in list(self.fading):
            if all(v.envelope.done(play) for v in playback.voices):
                for voice in playback.voices:
                    self.pool.release(voice)
                self.fading.remove(playback)

    def clear(self) -> None:
        """Forget everything (the session ended; the pool's voices are released by the mixer)."""
        self.current, self.pending, self.fading, self.tracks = None, None, [], ()
        self.deferred = None

    def _fade_out(self, fade: float, play: float, into_silence: bool = False) -> None:
        """Equal-power against the track coming in; evenly in dB when nothing follows."""
        if self.current is not None:
            for voice in self.current.voices:
                voice.envelope.to(
                    0.0, fade, play, silence_fade(fade, False) if into_silence else "fall"
                )
            self.fading.append(self.current)
            self.current = None

    def _start_pending(self, play: float) -> None:
        """Start the pending track once all its layers are decoded."""
        if self.pending is None:
            return
        tracks, volume, fade, index = self.pending
        name = tracks[index]
        requests = self.source.layers(self.bus, name)
        loaded = [(role, self.source.decoded(r)) for role, r in requests]
        if any(self.source.failed(r) for _, r in requests):
            if self.deferred is not None:
                self._fade_out(self.deferred, play, into_silence=True)
                self.deferred = None
            # Reported; the bus stays quiet rather than retrying forever, unless the playlist
            # has another track that can play.
            self.pending = None
            for step in range(1, len(tracks)):
                following = (index + step) % len(tracks)
                others = self.source.layers(self.bus, tracks[following])
                if not any(self.source.failed(r) for _, r in others):
                    self.index = following
                    self.pending = (tracks, volume, fade, following)
                    break
            return
        if any(got is None for _, got in loaded):
            return
        self.pending = None
        if self.deferred is not None:
            self._fade_out(self.deferred, play)
            self.deferred = None
        voices = []
        alone = self.current is None and not any(
            v.envelope.value(play) > 0.01 for p in self.fading for v in p.voices
        )
        for role, got in loaded:
            assert got is not None
            envelope = Param(0.0)
            envelope.to(1.0, fade, play, silence_fade(fade, True) if alone else "rise")
            if isinstance(got[0], Stream):
                voice = self.pool.start_stream(got[0], self.bus, envelope, time.monotonic())
            else:
                voice = self.pool.start(got[0], self.bus, envelope, loops=-1, role=role)
            if voice is not None:
                voices.append(voice)
        seconds = min(got[1] for _, got in loaded if got is not None)
        playback = Playback(name, voices, Param(volume), play, seconds)
        for voice in voices:
            voice.playback = playback
        self.current = playback
