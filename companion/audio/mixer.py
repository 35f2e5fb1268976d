"""The mixer: pygame.mixer channels driven by the engine's actions, with buses, equal-power
crossfades, ducking under narration, intensity layers, pause, talk and end.

SDL mixes in its own thread, so sound never stops when Python is busy. Gains are set by this
mixer's ramp thread every few milliseconds, so a fade moves at most one 1/255 step per mixer
buffer and nothing steps audibly; `apply()` also sets gains at once, so a therapist's change
is heard in the next buffer. Each gain is the product of:

    master x talk x hush (pause, end) x bus level x duck x voice envelope x playback volume
    x layer weight (intensity) x the voice's own shape (breath, narration volume)

Everything that belongs to the script's timeline (crossfades, playlists, ducking, the
breathing tone) runs on a play clock that stops while paused; the rest on the wall clock.
The parts, each owning its state: `channels.ChannelPool` (SDL's channels, the voices on them
and copies of Sounds), `buses.BusPlayer` (music and ambience: crossfades, what waits to be
decoded), `tracks.Tracks` (what a bus plays by name: files, long files, composer streams,
playlists' order), `loads.Loads` (the preload and load queue), `narrator.Narrator`
(narration and the duck), `effects.Effects` (chimes, the breathing tone),
`ramp_loop.RampLoop` (the thread); this module obeys the engine's actions, pauses, talks and
ends the whole mix, and sets every voice's gain.
No sound device: a warning once, health reported, and every action is accepted silently.
A file that is missing or damaged (see damage.py): that sound is left out (its bus silent, a
narration line captions only), the panel is told which file and why, everything else plays.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from companion.audio import device as dev
from companion.audio.buses import BusPlayer
from companion.audio.channels import ChannelPool, Voice, split_gain
from companion.audio.effects import Effects, breath_shape
from companion.audio.faults import captions_only, fault_message
from companion.audio.film_sound import FilmSound
from companion.audio.library import Library
from companion.audio.loads import Loads
from companion.audio.narrator import DUCK_DOWN, DUCK_HOLD, DUCK_UP, STOP_SECONDS, Narrator
from companion.audio.ramp_loop import RampClock, RampLoop
from companion.audio.ramps import Param, layer_weight, silence_fade
from companion.audio.streams import (
    COMPOSED,
    DEFAULT_ENERGY,
    ComposedStream,
)
from companion.audio.tracks import Tracks, playlist
from companion.script import models
from companion.session import actions as act

log = logging.getLogger("companion.audio")

Report = Callable[[str, bool, str], None]

LEVEL_SECONDS = 0.15  # therapist's volume: starts at once, done in 0.15 s, evenly in dB
INTENSITY_SECONDS = 2.5  # starts at once; a layer moves about 1 % of its level a buffer
PAUSE_SECONDS = 0.5  # evenly in dB to -60 dB, then silence: the spec asks for it within 0.6 s
RESUME_SECONDS = 0.6
TALK_LEVEL, TALK_DOWN, TALK_UP = 0.15, 0.5, 1.0
DEFAULT_INTENSITY = 0.6  # the engine's starting intensity (no action announces it)


class Mixer:
    def __init__(
        self,
        script: models.Script,
        folder: Path | str,
        narration: Any | None,
        report: Report,
        *,
        library: Library | None = None,
        music_seed: int | None = None,
        music_started: Callable[[dict[str, Any]], None] | None = None,
    ) -> None:
        self.script = script
        # Each composer piece's seed comes from this one (the record keeps it: a session can
        # be heard again); `music_started` is told each piece's seed, on the app's thread.
        self.music_seed = music_seed if music_seed is not None else secrets.randbits(31)
        self._on_music_started = music_started
        self._music_started: list[dict[str, Any]] = []
        self.music_tone = 0.0  # -1 darker .. 1 brighter, for every composer piece
        self.music_steady = False  # hold the harmony and texture
        self.folder = Path(folder)
        self.narration = narration
        self.library = library or Library()
        self._report = report
        self._health: list[tuple[str, bool, str]] = []
        self._health_state: dict[str, tuple[bool, str]] = {}
        self._lock = threading.RLock()
        self._ramps: RampLoop | None = None
        self._clock = RampClock()  # the wall clock as ramps read it (see RampClock)
        self._moving = False  # whether any gain moved at the last tick
        self.device: dev.Device | None = None
        self.loader: Any = None
        self._pygame: Any = None
        self._pool: ChannelPool | None = None
        self._buses: dict[str, BusPlayer] = {}
        self._tracks: Tracks | None = None
        self.film_sound: FilmSound | None = None
        mix = script.mix
        self.master = Param(1.0)
        self.levels = {
            "music": Param(mix.music),
            "ambience": Param(mix.ambience),
            "narration": Param(mix.narration),
            "effects": Param(1.0),
        }
        self.duck = {"music": Param(1.0), "ambience": Param(1.0)}
        self.talk = Param(1.0)
        self.hush = Param(1.0)  # pause and end
        self.intensity = Param(DEFAULT_INTENSITY)
        self._pausing = False  # fading out for a pause
        self._device_paused = False  # SDL's channels are paused (after the fade)
        self._paused_at: float | None = None  # the timeline is paused (from the Pause action)
        self._paused_total = 0.0
        self._ended = False
        self._faults: dict[str, dict[str, str]] = {
            "sound": {},
            "narration": {},
        }  # part -> {file: why}
        self.loads = Loads(self)  # what is asked of the loader, and what waits for it
        self.narrator = Narrator(self)  # the narrator's voice and the duck under it
        self.effects = Effects(self)  # chimes and the breathing tone
        self._open()
        if self.narration is not None and getattr(self.narration, "problem", None):
            self._health_now("narration", False, self.narration.problem)
        elif self.narration is not None and self.device is not None:
            for line in getattr(self.narration, "missing", ()):  # found at start: captions only
                why = self.narration.why_missing(line)
                self._faults["narration"][line.text] = captions_only(line.text, why)
            if self._faults["narration"]:
                self._health_now("narration", False, fault_message(self._faults["narration"]))

    # --- lifetime -------------------------------------------------------------------------

    def _open(self) -> None:
        try:
            self.device = dev.open_device()
        except dev.NoDevice as exc:
            log.warning("%s: the session goes on without sound", exc)
            self._health_now("sound", False, f"{exc}: running silently")
            return
        import pygame

        from companion.audio.sounds import Loader

        self._pygame = pygame
        self._pool = ChannelPool(
            pygame,
            dev.VOICES,
            lambda: self._health_later("sound", False, "too many sounds at once: one was left out"),
        )
        tracks = self._tracks = Tracks(self)
        self._buses = {bus: BusPlayer(bus, self._pool, tracks) for bus in ("music", "ambience")}
        self.loader = Loader(self.device.frequency, self.device.channels, self.device.size)
        device = (self.device.frequency, self.device.channels, self.device.size)
        self.film_sound = FilmSound(  # a 360° film's own sound, on the ambience bus
            pygame,
            self._pool,
            self._lock,
            lambda: self._clocks()[1],
            device,
            lambda why: self._health_later("sound", False, why),
            [scene.environment for scene in self.script.scenes],
        )
        self.loads.preload()
        self._ramps = RampLoop(self._ramp_tick, self._lock, self._fault)
        self._health_now("sound", True, f"sound device ready ({self.device.describe()})")

    @property
    def silent(self) -> bool:
        return self.device is None

    def close(self) -> None:
        """Stop the ramp thread and the sound device (safe to call twice)."""
        if self._ramps is not None:
            self._ramps.stop()
            self._ramps = None
        if self.film_sound is not None:
            self.film_sound.close()
        if self.loader is not None:
            self.loader.close()
            self.loader = None
        if self._tracks is not None:
            with self._lock:
                self._tracks.close()
        if self.device is not None:
            with self._lock:
                self._pygame.mixer.stop()
            dev.close_device()
            self.device = None

    def ready(self, timeout: float | None = None) -> bool:
        """Wait until every sound the script names is decoded and the first composer piece
        has its first chunk (True), or `timeout` passes."""
        start = time.monotonic()
        if self.loader is not None and not self.loader.wait_idle(timeout):
            return False
        while True:
            with self._lock:
                waiting = list(self._tracks.waiting.values()) if self._tracks else []
                if all(s.ready() or s.failed is not None for s in waiting):
                    return True
            if timeout is not None and time.monotonic() - start > timeout:
                return False
            time.sleep(0.05)

    def update(self) -> None:
        """Call once a frame on the app's thread: passes health changes to `report`."""
        with self._lock:
            pending, self._health = self._health, []
            started, self._music_started = self._music_started, []
        for part, ok, message in pending:
            self._report(part, ok, message)
        if self._on_music_started is not None:
            for piece in started:
                self._on_music_started(piece)

    def _health_now(self, part: str, ok: bool, message: str) -> None:
        """Report from the constructing thread (before the ramp thread exists)."""
        self._health_state[part] = (ok, message)
        self._report(part, ok, message)

    def _health_later(self, part: str, ok: bool, message: str) -> None:
        if self._health_state.get(part) != (ok, message):
            self._health_state[part] = (ok, message)
            self._health.append((part, ok, message))

    # --- the engine's actions ---------------------------------------------------------------

    def apply(self, action: act.Action) -> None:
        """Obey one action now. Never raises for a missing sound or device."""
        if self.device is None:
            return
        try:
            self._apply(action)
        except Exception as exc:  # noqa: BLE001 - a sound fault must not stop the session
            self._fault(exc)
        if self._ramps is not None:
            self._ramps.wake()

    def _apply(self, action: act.Action) -> None:  # noqa: C901 - one case per kind of action
        with self._lock:
            wall, play = self._clocks(start=True)
            match action:
                case act.SceneChange() if self.film_sound is not None:
                    self.film_sound.scene(action.environment, action.transition)
                case act.SoundChange():
                    self._sound_change(action, play)
                case act.Say():
                    self.narrator.say(action, play)
                case act.StepEnded():
                    self._step_ended(action, play)
                case act.Breathe():
                    self.effects.breathe(action, play)
                case act.Chime():
                    self.effects.chime(action.name, play)
                case act.Pause() | act.Resume() | act.Talk() | act.End():
                    self._apply_session(action, wall)
                case act.SetLevel():
                    param = self.master if action.bus == "master" else self.levels[action.bus]
                    param.to(action.level, LEVEL_SECONDS, wall, "db")
                case act.SetIntensity():
                    self.intensity.to(action.level, INTENSITY_SECONDS, wall)
                case act.SetTone():
                    self.set_music_tone(action.level)
                case act.SetSteady():
                    self.set_music_steady(action.on)
            self._moving = self._tick()

    def _apply_session(self, action: act.Action, wall: float) -> None:
        """Pause, resume, talk and end: the whole mix, on the wall clock."""
        match action:
            case act.Pause():
                # The timeline stops now, as the engine's does (the breathing tone stays in
                # step with the guide); the sound fades, then SDL pauses every channel.
                self._pausing = True
                if self._paused_at is None:
                    self._paused_at = wall
                self.hush.to(0.0, PAUSE_SECONDS, wall, "db")
            case act.Resume():
                self._resume(wall)
            case act.Talk():
                self.talk.to(
                    TALK_LEVEL if action.on else 1.0,
                    TALK_DOWN if action.on else TALK_UP,
                    wall,
                    "smooth",
                )
            case act.End():
                self._ended = True
                if self._paused_at is not None:
                    self._resume(wall)
                fade = max(action.fade, PAUSE_SECONDS)
                self.hush.to(0.0, fade, wall, silence_fade(fade, False))

    def _sound_change(self, action: act.SoundChange, play: float) -> None:
        """A bus changes what it plays. A composer piece asked for again (the next scene's
        energy) keeps playing and glides to its new energy over the change's fade."""
        player = self._buses[action.bus]
        if action.bus != "music" or not action.piece or self._tracks is None:
            # (the same shuffled playlist again has the same order: it only moves the volume)
            tracks = playlist(self.folder, self.music_seed, action.tracks, action.shuffle)
            player.change(tracks, action.volume, action.fade, play)
            return
        energy = DEFAULT_ENERGY if action.energy is None else action.energy
        self._tracks.energy = energy
        player.change((COMPOSED + action.piece,), action.volume, action.fade, play)
        current = player.current.stream if player.current is not None else None
        for stream in (current, self._tracks.waiting.get(action.bus)):
            if (
                isinstance(stream, ComposedStream)
                and stream.piece == action.piece
                and not stream.closed
            ):
                stream.energy.to(energy, max(action.fade, 0.3), play, "smooth")

    def set_music_tone(self, tone: float) -> None:
        """Darker (-1) to brighter (1) for every composer piece, now and to come."""
        with self._lock:
            self.music_tone = min(1.0, max(-1.0, float(tone)))
            for stream in self._tracks.streams if self._tracks is not None else ():
                stream.set_tone(self.music_tone)

    def set_music_steady(self, steady: bool) -> None:
        """Hold the composer's harmony and texture (True) until released (False)."""
        with self._lock:
            self.music_steady = bool(steady)
            for stream in self._tracks.streams if self._tracks is not None else ():
                stream.hold(self.music_steady)

    def music_streams(self) -> list[dict[str, Any]]:
        """The composer pieces playing or about to: piece, seed, energy (for state and tests)."""
        with self._lock:
            streams = self._tracks.streams if self._tracks is not None else []
            return [s.describe() for s in streams if not s.closed]

    def _clocks(self, start: bool = False) -> tuple[float, float]:
        """(wall, play) on the ramp clock. `start`: a change begins now; when nothing moves,
        the ramp clock first catches the wall clock up (nothing can jump)."""
        if start and not self._moving:
            self._clock.follow()
        wall = self._clock.now()
        paused = self._paused_total + (
            wall - self._paused_at if self._paused_at is not None else 0.0
        )
        return wall, wall - paused

    def _resume(self, wall: float) -> None:
        self._pausing = False
        if self._device_paused:
            self._pygame.mixer.unpause()
            self._device_paused = False
        if self._paused_at is not None:
            self._paused_total += wall - self._paused_at
            self._paused_at = None
        if not self._ended:
            self.hush.to(1.0, RESUME_SECONDS, wall, "db")

    # --- sources ------------------------------------------------------------------------------

    def _start(
        self,
        sound: Any,
        bus: str,
        envelope: Param,
        *,
        loops: int,
        shape: Callable[[float], float] | None = None,
        one_shot: bool = False,
    ) -> Voice | None:
        assert self._pool is not None
        return self._pool.start(sound, bus, envelope, loops=loops, shape=shape, one_shot=one_shot)

    @property
    def copies_held(self) -> int:
        """Copies of Sounds alive now: playing (a track crossfading into itself) or spare."""
        with self._lock:
            return 0 if self._pool is None else self._pool.copies_held

    # --- narration, chimes, breath ----------------------------------------------------------------

    def will_speak(self, action: act.Say) -> bool:
        """Whether this line will be heard (narrator.Narrator.will_speak says how)."""
        return self.narrator.will_speak(action)

    def _step_ended(self, action: act.StepEnded, play: float) -> None:
        if action.step == "say" and action.interrupted:
            self.narrator.interrupt(play)
        else:
            self.effects.step_ended(action, play)

    # --- each tick (on the ramp thread) ---------------------------------------------------------

    def _fault(self, exc: Exception) -> None:
        with self._lock:
            if self._health_state.get("sound", (True, ""))[0]:
                log.warning("mixer error: %s", exc, exc_info=True)
            self._health_later("sound", False, f"mixer error: {exc}")

    def _ramp_tick(self) -> bool:
        """The ramp thread's tick: the ramp clock moves on (by a buffer at most), then _tick."""
        if self._moving:
            self._clock.tick()
        else:
            self._clock.follow()
        self._moving = self._tick()
        return self._moving

    def _tick(self) -> bool:  # noqa: C901 - one pass over buses and voices, in order
        """Advance everything and set every channel's gain. True while anything moves."""
        pool = self._pool
        if self.device is None or pool is None:
            return False
        wall, play = self._clocks()
        pool.drop_old_copies(time.monotonic())  # (the clock the copies' release times are on)
        self.loads.note_failures()
        if self._tracks is not None:
            self._tracks.note_failures()
        for player in self._buses.values():
            player.advance(play)
        self.loads.start_waiting(play)
        if (
            self._pausing
            and not self._device_paused
            and self.hush.done(wall)
            and self.hush.target == 0.0
        ):
            self._pygame.mixer.pause()
            self._device_paused = True
        self._timeline(pool, wall, play)
        self._set_gains(pool, wall, play)
        return bool(pool.voices) or self._pausing or bool(self.loads.waiting)

    def _timeline(self, pool: ChannelPool, wall: float, play: float) -> None:
        """The end's release, narration ending, the duck coming back."""
        if self._ended and self.hush.done(wall):
            pool.release_all()
            for player in self._buses.values():
                player.clear()
            self.loads.waiting.clear()
            self.narrator.voice = self.effects.breath = None
        self.narrator.timeline(pool, play)

    def _set_gains(self, pool: ChannelPool, wall: float, play: float) -> None:
        """Feed and steer the composer's streams; set every voice's gain (see the top)."""
        common = self.master.value(wall) * self.talk.value(wall) * self.hush.value(wall)
        intensity = self.intensity.value(wall)
        for voice in pool.voices:
            if voice.stream is not None:
                pool.feed(voice, time.monotonic())  # (the clock streams time their waits on)
                voice.stream.steer(play, wall, intensity)
        for voice in list(pool.voices):
            if voice.one_shot and not pool.busy(voice) and not self._device_paused:
                pool.release(voice)
                continue
            if (
                voice.envelope.target == 0.0
                and voice.envelope.done(play)
                and voice.playback is None
            ):
                pool.release(voice)
                continue
            gain = common * self.levels[voice.bus].value(wall) * voice.envelope.value(play)
            if voice.bus in self.duck:
                gain *= self.duck[voice.bus].value(play)
            if voice.playback is not None:
                gain *= voice.playback.volume.value(play)
            if voice.role:
                gain *= layer_weight(voice.role, intensity)
            if voice.shape is not None:
                gain *= voice.shape(play)
            pool.set_gain(voice, gain)


# DUCK_DOWN and the rest: the narrator's, named here as before (the tests read them)
__all__ = [
    "DUCK_DOWN",
    "DUCK_HOLD",
    "DUCK_UP",
    "STOP_SECONDS",
    "TALK_LEVEL",
    "Mixer",
    "breath_shape",
    "silence_fade",
    "split_gain",
]
