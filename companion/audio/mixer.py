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
No sound device: a warning once, health reported, and every action is accepted silently.
A file that is missing or damaged (see damage.py): that sound is left out (its bus silent, a
narration line captions only), the panel is told which file and why, everything else plays.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from companion.audio import device as dev
from companion.audio.library import NARRATION_PEAK_DBFS, TARGETS, Library
from companion.audio.memory import give_back_memory
from companion.audio.ramps import Param, layer_weight
from companion.script import models
from companion.script.models import is_file_reference
from companion.session import actions as act

log = logging.getLogger("companion.audio")

Report = Callable[[str, bool, str], None]

TICK = 0.005  # s between gain updates while anything moves
IDLE_TICK = 0.05
LEVEL_SECONDS = 0.15  # therapist's volume: starts at once, done in 0.15 s, evenly in dB
INTENSITY_SECONDS = 2.5  # starts at once; a layer moves about 1 % of its level a buffer
PAUSE_SECONDS = 0.5  # evenly in dB to -60 dB, then silence: the spec asks for it within 0.6 s
RESUME_SECONDS = 0.6
TALK_LEVEL, TALK_DOWN, TALK_UP = 0.15, 0.5, 1.0
DUCK_DOWN, DUCK_UP, DUCK_HOLD = 0.35, 0.9, 0.6
MIN_FADE = 0.3  # a sound change with no fade still glides this long: no click
PLAYLIST_CROSSFADE = 6.0
STOP_SECONDS = 0.25  # narration cut short
BREATH_STOP = 0.6
CHIME_STOP = 0.5
DEFAULT_INTENSITY = 0.6  # the engine's starting intensity (no action announces it)
LATE_LIMIT = 1.0  # s: a sound still decoding after this is left out rather than played late
SPARE_SECONDS = 30.0  # s a copy of a Sound is kept after it stops, for the next crossfade into itself


LONG_FADE = 2.5  # s: fades from or to silence at least this long keep the equal-power shape


def silence_fade(seconds: float, rising: bool) -> str:
    """The shape of a fade from or to silence. A long one keeps the equal-power curve (the
    sound is heard early in a fade-in and lingers in a fade-out, as a musician would fade);
    a short one goes evenly in decibels, so each 512-frame step is the same small ratio
    instead of a few large ones near silence."""
    if seconds >= LONG_FADE:
        return "rise" if rising else "fall"
    return "db"


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


@dataclass
class Playback:
    """A track (all its layers) playing on a bus."""

    name: str
    voices: list[Voice]
    volume: Param
    started: float  # play clock
    seconds: float


@dataclass
class BusPlayer:
    """What the music or ambience bus plays: a playlist, its current track, what fades out."""

    bus: str
    tracks: tuple[str, ...] = ()
    volume: float = 1.0
    index: int = 0
    current: Playback | None = None
    pending: tuple[tuple[str, ...], float, float, int] | None = None  # waiting for sounds to load
    fading: list[Playback] = field(default_factory=list)


class Mixer:
    def __init__(self, script: models.Script, folder: Path | str, narration: Any | None,
                 report: Report, *, library: Library | None = None) -> None:
        self.script = script
        self.folder = Path(folder)
        self.narration = narration
        self.library = library or Library()
        self._report = report
        self._health: list[tuple[str, bool, str]] = []
        self._health_state: dict[str, tuple[bool, str]] = {}
        self._lock = threading.RLock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.device: dev.Device | None = None
        self.loader: Any = None
        self._pygame: Any = None
        self._free: list[int] = []
        self._spare_copies: dict[int, list[tuple[Any, float]]] = {}  # id(original) -> (copy, stopped at)
        self._copied_from: dict[int, Any] = {}          # id(copy) -> its original
        self._voices: list[Voice] = []
        self._buses = {"music": BusPlayer("music"), "ambience": BusPlayer("ambience")}
        mix = script.mix
        self.master = Param(1.0)
        self.levels = {"music": Param(mix.music), "ambience": Param(mix.ambience),
                       "narration": Param(mix.narration), "effects": Param(1.0)}
        self.duck = {"music": Param(1.0), "ambience": Param(1.0)}
        self.talk = Param(1.0)
        self.hush = Param(1.0)  # pause and end
        self.intensity = Param(DEFAULT_INTENSITY)
        self._pausing = False  # fading out for a pause
        self._device_paused = False  # SDL's channels are paused (after the fade)
        self._paused_at: float | None = None  # the timeline is paused (from the Pause action)
        self._paused_total = 0.0
        self._ended = False
        self._unduck_at: float | None = None
        self._narrator: Voice | None = None
        self._breath: Voice | None = None
        self._uses: dict[tuple[str, float | None], set[str]] = {}  # request key -> what it is for
        self._line_of: dict[tuple[str, float | None], str] = {}  # request key -> a line it speaks
        self._faults: dict[str, dict[str, str]] = {"sound": {}, "narration": {}}  # part -> {file: why}
        self._waiting: list[tuple[Any, float, Callable[[Any, float], None], Any]] = []  # not yet decoded
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
        self._free = list(range(dev.VOICES))
        self.loader = Loader(self.device.frequency, self.device.channels, self.device.size)
        self._preload()
        self._thread = threading.Thread(target=self._run, name="companion-mixer-ramps", daemon=True)
        self._thread.start()
        self._health_now("sound", True, f"sound device ready ({self.device.describe()})")

    @property
    def silent(self) -> bool:
        return self.device is None

    def close(self) -> None:
        """Stop the ramp thread and the sound device (safe to call twice)."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
            self._thread = None
        if self.loader is not None:
            self.loader.close()
            self.loader = None
        if self.device is not None:
            with self._lock:
                self._pygame.mixer.stop()
            dev.close_device()
            self.device = None

    def ready(self, timeout: float | None = None) -> bool:
        """Wait until every sound the script names is decoded (True) or `timeout` passes."""
        return True if self.loader is None else self.loader.wait_idle(timeout)

    def update(self) -> None:
        """Call once a frame on the app's thread: passes health changes to `report`."""
        with self._lock:
            pending, self._health = self._health, []
        for part, ok, message in pending:
            self._report(part, ok, message)

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
        self._wake.set()

    def _apply(self, action: act.Action) -> None:
        with self._lock:
            wall, play = self._clocks()
            match action:
                case act.SoundChange():
                    self._change(action.bus, action.tracks, action.volume, action.fade, play)
                case act.Say():
                    self._say(action, play)
                case act.StepEnded():
                    self._step_ended(action, play)
                case act.Breathe():
                    self._breathe(action, play)
                case act.Chime():
                    self._chime(action.name, play)
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
                    self.talk.to(TALK_LEVEL if action.on else 1.0, TALK_DOWN if action.on else TALK_UP, wall, "smooth")
                case act.SetLevel():
                    param = self.master if action.bus == "master" else self.levels[action.bus]
                    param.to(action.level, LEVEL_SECONDS, wall, "db")
                case act.SetIntensity():
                    self.intensity.to(action.level, INTENSITY_SECONDS, wall)
                case act.End():
                    self._ended = True
                    if self._paused_at is not None:
                        self._resume(wall)
                    fade = max(action.fade, PAUSE_SECONDS)
                    self.hush.to(0.0, fade, wall, silence_fade(fade, False))
            self._tick()

    def _clocks(self) -> tuple[float, float]:
        wall = time.monotonic()
        paused = self._paused_total + (wall - self._paused_at if self._paused_at is not None else 0.0)
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

    def _sources(self, bus: str, name: str) -> list[tuple[str, Path]]:
        """(layer role, file) for a track name or a file path relative to the script."""
        if is_file_reference(name):
            return [("", (self.folder / name).resolve())]
        if bus == "music":
            return self.library.music_layers(name)
        return [("", self.library.ambience(name))]

    def _request(self, path: Path, use: str, normalise: float | None = None, urgent: bool = False,
                 peak_db: float | None = None):
        """Ask the loader for a file; `use` (music, ambience, chime, breathing tone, narration)
        names what falls silent if it cannot be played."""
        from companion.audio.sounds import Request

        seconds, known_peak = self.library.expected(path)
        request = Request(path, normalise, self.library.padding(path), seconds=seconds,
                          peak_db=known_peak if known_peak is not None else peak_db,
                          soften=use == "narration" and normalise is not None)
        self._uses.setdefault(request.key, set()).add(use)
        self.loader.request(request, urgent)
        return request

    def _preload(self) -> None:
        """Ask for every sound the script can play, in the order it will need them."""
        if not self.library.breath_tone().is_file() or self.library.problem():
            message = self.library.problem() or "the sound library is missing"
            self._health_now("library", False, f"{message}: run scripts/make-library")
        for scene in self.script.scenes:
            specs = [("music", scene.music), ("ambience", scene.ambience)]
            specs += [("music", s.music) for s in scene.steps if isinstance(s, models.MusicStep)]
            specs += [("ambience", s.ambience) for s in scene.steps if isinstance(s, models.AmbienceStep)]
            for bus, spec in specs:
                for name in spec.track if spec is not None else ():
                    for _, path in self._sources(bus, name):
                        self._request(path, bus)
            for step in scene.steps:
                if isinstance(step, models.ChimeStep):
                    self._request(self.library.chime(step.chime), "chime")
                elif isinstance(step, models.BreatheStep) and step.breathe.sound == "tone":
                    self._request(self.library.breath_tone(), "breathing tone")
                elif isinstance(step, models.SayStep):
                    self._narration_request(step.say, step.id, step.audio)

    def _narration_request(self, text: str, line_id: str | None, audio: str | None, urgent: bool = False):
        if self.narration is not None:  # settled before the session: None is captions only
            path = self.narration.path_for(text, line_id, audio)
        else:
            path = (self.folder / audio).resolve() if audio else None
        if path is None:
            return None
        if self._in_cache(path):  # levelled when rendered: its peak is known
            request = self._request(path, "narration", None, urgent, peak_db=NARRATION_PEAK_DBFS)
        else:
            request = self._request(path, "narration", TARGETS["narration"], urgent)
        self._line_of.setdefault(request.key, text)
        return request

    def _in_cache(self, path: Path) -> bool:
        return self.narration is not None and self.narration.cache.root in path.parents

    def _sound(self, request) -> tuple[Any, float] | None:
        return self.loader.get(request)

    def _note_failures(self) -> None:
        """Report files the loader could not play, as soon as it finds them (often before the
        session reaches them): the sound part for music, ambience and effects, the narration
        part for lines, which are then captions only."""
        for request, why in self.loader.take_failures():
            for use in sorted(self._uses.get(request.key, {"sound"})):
                if use == "narration":
                    if self._in_cache(request.path):  # its name is a hash: say what it is
                        why = why.replace(request.path.name, "its cached voice", 1)
                    self._faults["narration"][request.path.name] = \
                        captions_only(self._line_of.get(request.key, ""), why)
                    self._health_later("narration", False, fault_message(self._faults["narration"]))
                else:
                    self._faults["sound"][request.path.name] = f"{why}: the {use} is silent"
                    self._health_later("sound", False, fault_message(self._faults["sound"]))
            log.warning("%s (%s)", why, request.path)

    # --- channels and voices --------------------------------------------------------------------

    def _start(self, sound: Any, bus: str, envelope: Param, *, loops: int, role: str = "",
               shape: Callable[[float], float] | None = None, one_shot: bool = False) -> Voice | None:
        if not self._free:
            self._health_later("sound", False, "too many sounds at once: one was left out")
            return None
        if any(v.sound is sound for v in self._voices):  # a voice owns its Sound's volume
            sound = self._copy_of(sound)
        index = self._free.pop(0)
        channel = self._pygame.mixer.Channel(index)
        channel.set_volume(0.0, 0.0)  # silent from its first sample; the ramp brings it in
        sound.set_volume(1.0)
        channel.play(sound, loops=loops)
        channel.set_volume(0.0, 0.0)
        voice = Voice(index, sound, bus, envelope, role, shape, one_shot, level=(128, 0))
        self._voices.append(voice)
        return voice

    def _release(self, voice: Voice) -> None:
        self._pygame.mixer.Channel(voice.channel).stop()
        if voice in self._voices:
            self._voices.remove(voice)
            self._free.append(voice.channel)
            original = self._copied_from.get(id(voice.sound))
            if original is not None:
                self._spare_copies.setdefault(id(original), []).append((voice.sound, time.monotonic()))

    def _copy_of(self, sound: Any) -> Any:
        """A second Sound with the same samples, for a track playing twice at once (crossfading
        into itself). Copies are kept a while and reused: making one per crossfade (25 MB for a
        music layer) let memory grow through a long session."""
        in_use = {id(v.sound) for v in self._voices}
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
        with self._lock:
            return len(self._copied_from)

    def _drop_old_copies(self, now: float) -> None:
        """Let go of copies not played for a while (a music layer's copy is 25 MB): the memory
        they held goes back to the system, so a long session's memory stays flat."""
        dropped = False
        for original, spares in self._spare_copies.items():
            old = [copy for copy, since in spares if now - since >= SPARE_SECONDS]
            if old:
                self._spare_copies[original] = [(c, s) for c, s in spares if now - s < SPARE_SECONDS]
                for copy in old:
                    self._copied_from.pop(id(copy), None)
                dropped = True
        if dropped:
            give_back_memory()

    # --- music and ambience ------------------------------------------------------------------

    def _change(self, bus: str, tracks: tuple[str, ...], volume: float, fade: float, play: float) -> None:
        player = self._buses[bus]
        fade = max(fade, MIN_FADE)
        if tracks and tracks == player.tracks and (player.current is not None or player.pending is not None):
            player.volume = volume
            if player.current is not None:
                player.current.volume.to(volume, fade, play, "smooth")
            return
        player.tracks, player.volume, player.index = tracks, volume, 0
        self._fade_out(player, fade, play, into_silence=not tracks)
        player.pending = (tracks, volume, fade, 0) if tracks else None
        self._start_pending(player, play)

    def _fade_out(self, player: BusPlayer, fade: float, play: float, into_silence: bool = False) -> None:
        """Equal-power against the track coming in; evenly in dB when nothing follows."""
        if player.current is not None:
            for voice in player.current.voices:
                voice.envelope.to(0.0, fade, play, silence_fade(fade, False) if into_silence else "fall")
            player.fading.append(player.current)
            player.current = None

    def _start_pending(self, player: BusPlayer, play: float) -> None:
        """Start the pending track once all its layers are decoded."""
        if player.pending is None:
            return
        tracks, volume, fade, index = player.pending
        name = tracks[index]
        requests = [(role, self._request(path, player.bus, urgent=True))
                    for role, path in self._sources(player.bus, name)]
        loaded = [(role, self._sound(r)) for role, r in requests]
        if any(self.loader.failure(r) for _, r in requests):
            # Reported; the bus stays quiet rather than retrying forever, unless the playlist
            # has another track that can play.
            player.pending = None
            for step in range(1, len(tracks)):
                following = (index + step) % len(tracks)
                others = [self._request(path, player.bus, urgent=True)
                          for _, path in self._sources(player.bus, tracks[following])]
                if not any(self.loader.failure(r) for r in others):
                    player.index = following
                    player.pending = (tracks, volume, fade, following)
                    break
            return
        if any(got is None for _, got in loaded):
            return
        player.pending = None
        voices = []
        alone = player.current is None and not any(
            v.envelope.value(play) > 0.01 for p in player.fading for v in p.voices)
        for role, (sound, _) in loaded:  # type: ignore[misc]
            envelope = Param(0.0)
            envelope.to(1.0, fade, play, silence_fade(fade, True) if alone else "rise")
            voice = self._start(sound, player.bus, envelope, loops=-1, role=role)
            if voice is not None:
                voices.append(voice)
        seconds = min(got[1] for _, got in loaded)  # type: ignore[index]
        playback = Playback(name, voices, Param(volume), play, seconds)
        for voice in voices:
            voice.playback = playback
        player.current = playback

    def _playlists(self, play: float) -> None:
        for player in self._buses.values():
            self._start_pending(player, play)
            current = player.current
            if current is not None and len(player.tracks) > 1 and player.pending is None:
                crossfade = min(PLAYLIST_CROSSFADE, current.seconds / 3)
                if play - current.started >= current.seconds - crossfade:
                    player.index = (player.index + 1) % len(player.tracks)
                    self._fade_out(player, crossfade, play)
                    player.pending = (player.tracks, player.volume, crossfade, player.index)
                    self._start_pending(player, play)
            for playback in list(player.fading):
                if all(v.envelope.done(play) for v in playback.voices):
                    for voice in playback.voices:
                        self._release(voice)
                    player.fading.remove(playback)

    # --- narration, chimes, breath ----------------------------------------------------------------

    def _when_loaded(self, request: Any, play: float, start: Callable[[Any, float], None],
                     missed: Callable[[float], None] | None = None) -> None:
        """Start a sound now if it is decoded, else as soon as it is (within LATE_LIMIT);
        `missed` is called if it never starts (failed or late)."""
        got = self._sound(request)
        if got is not None:
            start(got, play)
        elif not self.loader.failure(request):
            self._waiting.append((request, play, start, missed))
        elif missed is not None:
            missed(play)

    def _start_waiting(self, play: float) -> None:
        for item in list(self._waiting):
            request, asked, start, missed = item
            got = self._sound(request)
            if got is not None or self.loader.failure(request) or play - asked > LATE_LIMIT:
                self._waiting.remove(item)
                if got is not None and play - asked <= LATE_LIMIT:
                    start(got, play)
                elif missed is not None:
                    missed(play)

    def _say(self, action: act.Say, play: float) -> None:
        if self._narrator is not None:
            self._narrator.envelope.to(0.0, STOP_SECONDS, play, "db")
            self._narrator = None
        self._waiting = [w for w in self._waiting if w[2] != self._start_narration]
        request = self._narration_request(action.text, action.line_id, action.audio, urgent=True)
        if request is None or self.loader.failure(request):
            # Captions only: nothing speaks now, so a duck left by the line before (one still
            # waiting for its sound, dropped above) is let go.
            self._unduck_at = play + DUCK_HOLD
        if request is None:
            faults = self._faults["narration"]
            if action.text not in faults and not getattr(self.narration, "problem", None):
                faults[action.text] = captions_only(action.text, "it has no sound")
                self._health_later("narration", False, fault_message(faults))
            return
        if self.loader.failure(request):
            return  # reported when the loader found it: captions only, the music stays up
        for bus in ("music", "ambience"):
            self.duck[bus].to(self.script.mix.duck, DUCK_DOWN, play, "smooth")
        self._unduck_at = None
        self._when_loaded(request, play, self._start_narration, self._narration_missed)

    def will_speak(self, action: act.Say) -> bool:
        """Whether this line will be heard: a device, a file, and not found damaged. (A line
        that will not be heard shows its caption whatever the captions setting.)"""
        if self.silent:
            return False
        with self._lock:
            request = self._narration_request(action.text, action.line_id, action.audio)
            return request is not None and not self.loader.failure(request)

    def _narration_missed(self, play: float) -> None:
        """The line's sound failed or came too late: the music comes back up."""
        if self._narrator is None:
            self._unduck_at = play + DUCK_HOLD

    def _start_narration(self, got: tuple[Any, float], play: float) -> None:
        volume = self.script.voice.volume
        self._narrator = self._start(got[0], "narration", Param(1.0), loops=0, one_shot=True,
                                     shape=lambda _t: volume)
        if self._narrator is None:
            self._unduck_at = play

    def _step_ended(self, action: act.StepEnded, play: float) -> None:
        if action.step == "say" and self._narrator is not None and action.interrupted:
            self._narrator.envelope.to(0.0, STOP_SECONDS, play, "db")
            self._narrator = None
            self._unduck_at = play + DUCK_HOLD
        elif action.step == "breathe" and self._breath is not None:
            self._breath.envelope.to(0.0, BREATH_STOP, play, "db")
            self._breath = None
        elif action.step == "chime" and action.interrupted:
            for voice in self._voices:
                if voice.bus == "effects" and voice.one_shot:
                    voice.envelope.to(0.0, CHIME_STOP, play, "db")

    def _chime(self, name: str, play: float) -> None:
        self._when_loaded(self._request(self.library.chime(name), "chime", urgent=True), play,
                          lambda got, _play: self._start(got[0], "effects", Param(1.0), loops=0, one_shot=True))

    def _breathe(self, action: act.Breathe, play: float) -> None:
        if self._breath is not None:
            self._breath.envelope.to(0.0, BREATH_STOP, play, "db")
            self._breath = None
        if action.sound != "tone":
            return
        shape = breath_shape(action, play)

        def start(got: tuple[Any, float], _play: float) -> None:
            self._breath = self._start(got[0], "effects", Param(1.0), loops=-1, shape=shape)

        tone = self._request(self.library.breath_tone(), "breathing tone", urgent=True)
        self._when_loaded(tone, play, start)

    # --- the ramp thread --------------------------------------------------------------------------

    def _run(self) -> None:
        while not self._stop.is_set():
            busy = True
            try:
                with self._lock:
                    busy = self._tick()
            except Exception as exc:  # noqa: BLE001 - the session goes on; the panel shows it
                self._fault(exc)
            self._wake.wait(TICK if busy else IDLE_TICK)
            self._wake.clear()

    def _fault(self, exc: Exception) -> None:
        with self._lock:
            if self._health_state.get("sound", (True, ""))[0]:
                log.warning("mixer error: %s", exc, exc_info=True)
            self._health_later("sound", False, f"mixer error: {exc}")

    def _tick(self) -> bool:
        """Advance everything and set every channel's gain. True while anything moves."""
        if self.device is None:
            return False
        wall, play = self._clocks()
        self._drop_old_copies(wall)
        self._note_failures()
        self._playlists(play)
        self._start_waiting(play)
        if self._pausing and not self._device_paused and self.hush.done(wall) and self.hush.target == 0.0:
            self._pygame.mixer.pause()
            self._device_paused = True
        if self._ended and self.hush.done(wall):
            for voice in list(self._voices):
                self._release(voice)
            for player in self._buses.values():
                player.current, player.pending, player.fading, player.tracks = None, None, [], ()
            self._waiting.clear()
            self._narrator = self._breath = None
        narrator = self._narrator
        if narrator is not None and not self._pygame.mixer.Channel(narrator.channel).get_busy():
            self._narrator = None
            self._unduck_at = play + DUCK_HOLD
        if self._unduck_at is not None and play >= self._unduck_at:
            self._unduck_at = None
            for bus in ("music", "ambience"):
                self.duck[bus].to(1.0, DUCK_UP, play, "smooth")
        common = self.master.value(wall) * self.talk.value(wall) * self.hush.value(wall)
        intensity = self.intensity.value(wall)
        for voice in list(self._voices):
            channel = self._pygame.mixer.Channel(voice.channel)
            if voice.one_shot and not channel.get_busy() and not self._device_paused:
                self._release(voice)
                continue
            if voice.envelope.target == 0.0 and voice.envelope.done(play) and voice.playback is None:
                self._release(voice)
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
            volume, pan = split_gain(gain, voice.level[0])
            if (volume, pan) != voice.level:
                if volume != voice.level[0]:
                    voice.sound.set_volume((volume + 0.5) / 128)
                if pan != voice.level[1]:
                    value = (pan + 0.5) / 255 if pan else 0.0
                    channel.set_volume(value, value)
                voice.level = (volume, pan)
        return bool(self._voices) or self._pausing or bool(self._waiting)


def short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def captions_only(text: str, why: str) -> str:
    return f"'{short(text)}' is captions only: {why}"


def fault_message(faults: dict[str, str], shown: int = 3) -> str:
    """Several faults of one part in one line for the panel."""
    items = list(faults.values())
    more = f"; and {len(items) - shown} more" if len(items) > shown else ""
    return "; ".join(items[:shown]) + more


def split_gain(gain: float, volume: int) -> tuple[int, int]:
    """A gain as SDL_mixer's two integer controls: the voice's Sound volume (0..128) times the
    channel's panning gain (0..255, both sides alike). Panning alone steps by 1/255, which in
    a fade to silence is a faint zipper; the product reaches 1/32640 near silence. The Sound
    volume moves at most about 6 % per update, so when the two controls are set a moment
    apart the error in between is under half a decibel."""
    if gain <= 0.0:
        return volume, 0
    gain = min(gain, 1.0)
    wanted = min(128, max(1, math.ceil(gain * 128 * 255 / 192)))  # panning near 192 of 255
    step = max(1, volume // 16)
    volume = min(max(wanted, volume - step), volume + step)
    pan = min(255, max(0, int(round(gain * 128 * 255 / volume))))
    return volume, pan


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


__all__ = ["Mixer", "breath_shape"]
