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
and copies of Sounds), `buses.BusPlayer` (music and ambience: playlists, crossfades, what
waits to be decoded), `streams.ComposedStream` (a composer piece made in a worker process
and queued on its channel chunk by chunk), `ramp_loop.RampLoop` (the thread); this module
obeys the engine's actions, speaks narration, rings chimes, breathes the tone and sets every
voice's gain.
No sound device: a warning once, health reported, and every action is accepted silently.
A file that is missing or damaged (see damage.py): that sound is left out (its bus silent, a
narration line captions only), the panel is told which file and why, everything else plays.
"""

from __future__ import annotations

import logging
import math
import random
import secrets
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from companion.audio import device as dev
from companion.audio.buses import BusPlayer
from companion.audio.channels import ChannelPool, Voice, split_gain
from companion.audio.custom import levelled_path
from companion.audio.film_sound import FilmSound
from companion.audio.library import NARRATION_PEAK_DBFS, TARGETS, Library
from companion.audio.ramp_loop import RampClock, RampLoop
from companion.audio.ramps import Param, layer_weight, silence_fade
from companion.audio.streams import (
    COMPOSED,
    DEFAULT_ENERGY,
    STREAM_FILES_OVER,
    ComposedStream,
    FileStream,
    Stream,
    is_composed,
    piece_of,
    seed_for,
)
from companion.script import models
from companion.script.models import is_file_reference
from companion.session import actions as act

log = logging.getLogger("companion.audio")

Report = Callable[[str, bool, str], None]

LEVEL_SECONDS = 0.15  # therapist's volume: starts at once, done in 0.15 s, evenly in dB
INTENSITY_SECONDS = 2.5  # starts at once; a layer moves about 1 % of its level a buffer
PAUSE_SECONDS = 0.5  # evenly in dB to -60 dB, then silence: the spec asks for it within 0.6 s
RESUME_SECONDS = 0.6
TALK_LEVEL, TALK_DOWN, TALK_UP = 0.15, 0.5, 1.0
DUCK_DOWN, DUCK_UP, DUCK_HOLD = 0.35, 0.9, 0.6
STOP_SECONDS = 0.25  # narration cut short
BREATH_STOP = 0.6
CHIME_STOP = 0.5
DEFAULT_INTENSITY = 0.6  # the engine's starting intensity (no action announces it)
LATE_LIMIT = 1.0  # s: a sound still decoding after this is left out rather than played late


class FileTracks:
    """The buses' TrackSource for files: the library's layered pieces and ambiences, or a file
    the script names, decoded by the mixer's loader."""

    def __init__(self, mixer: Mixer) -> None:
        self._mixer = mixer

    def layers(self, bus: str, name: str) -> list[tuple[str, Any]]:
        mixer = self._mixer
        return [
            (role, mixer._request(path, bus, urgent=True))
            for role, path in mixer._sources(bus, name)
        ]

    def decoded(self, request: Any) -> tuple[Any, float] | None:
        got: tuple[Any, float] | None = self._mixer.loader.get(request)
        return got

    def failed(self, request: Any) -> bool:
        return bool(self._mixer.loader.failure(request))


class Tracks(FileTracks):
    """Files, long files read as they play, and composer pieces (`composer:<piece>`): a piece
    asked for gets a stream whose worker starts at once; the bus starts it once its first
    chunk is here, as it starts a file once it is decoded. Each start of a piece has its own
    seed, from the session's."""

    def __init__(self, mixer: Mixer) -> None:
        super().__init__(mixer)
        self.waiting: dict[str, ComposedStream] = {}  # bus -> asked for, not yet playing
        self.waiting_files: dict[tuple[str, str], FileStream] = {}  # (bus, path) -> not playing
        self.streams: list[Stream] = []  # every stream not yet closed
        self.energy = DEFAULT_ENERGY  # the energy a new stream starts at
        self.starts: dict[str, int] = {}  # piece -> streams made
        self._long: dict[Path, bool] = {}

    def is_long(self, path: Path) -> bool:
        """A file to read as it plays (over STREAM_FILES_OVER); asked of its header once."""
        if path not in self._long:
            import soundfile

            try:
                info = soundfile.info(str(path))
                self._long[path] = info.frames / info.samplerate > STREAM_FILES_OVER
            except Exception:  # noqa: BLE001 - decoded as before, and reported from there
                self._long[path] = False
        return self._long[path]

    def layers(self, bus: str, name: str) -> list[tuple[str, Any]]:
        if not is_composed(name):
            sources = self._mixer._sources(bus, name)
            if len(sources) == 1 and is_file_reference(name) and self.is_long(sources[0][1]):
                return [("", self._file(bus, sources[0][1]))]
            return super().layers(bus, name)
        piece = piece_of(name)
        stream = self.waiting.get(bus)
        if stream is not None and (stream.piece != piece or stream.closed or stream.playing):
            if not stream.playing:
                stream.close()
            stream = None
        if stream is None:
            stream = self._new(bus, piece)
        return [("", stream)]

    def _file(self, bus: str, path: Path) -> FileStream:
        key = (bus, str(path))
        stream = self.waiting_files.get(key)
        if stream is None or stream.playing or stream.closed:
            device = self._mixer.device
            stream = FileStream(path, device.frequency if device is not None else 44100)
            self.waiting_files[key] = stream
            self.streams.append(stream)
        return stream

    def _new(self, bus: str, piece: str) -> ComposedStream:
        mixer = self._mixer
        count = self.starts.get(piece, 0)
        self.starts[piece] = count + 1
        stream = ComposedStream(
            piece,
            seed_for(mixer.music_seed, piece, count),
            self.energy,
            tone=mixer.music_tone,
            steady=mixer.music_steady,
            intensity=mixer.intensity.target,
        )
        self.waiting[bus] = stream
        self.streams.append(stream)
        mixer._music_started.append({**stream.describe(), "music_seed": mixer.music_seed})
        return stream

    def decoded(self, request: Any) -> tuple[Any, float] | None:
        if isinstance(request, Stream):
            if not request.ready():
                return None
            return request, request.seconds if isinstance(request, FileStream) else math.inf
        return super().decoded(request)

    def failed(self, request: Any) -> bool:
        if isinstance(request, Stream):
            return request.failed is not None
        return super().failed(request)

    def tidy(self) -> list[Stream]:
        """Forget closed streams; the failed ones not yet told to the panel."""
        self.streams = [s for s in self.streams if not s.closed or s.failed and not s.reported]
        return [s for s in self.streams if s.failed is not None and not s.reported]

    def close(self) -> None:
        for stream in self.streams:
            stream.close()
        self.streams, self.waiting, self.waiting_files = [], {}, {}


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
        self._unduck_at: float | None = None
        self._narrator: Voice | None = None
        self._breath: Voice | None = None
        self._uses: dict[tuple[str, float | None], set[str]] = {}  # request key -> what it is for
        self._line_of: dict[tuple[str, float | None], str] = {}  # request key -> a line it speaks
        self._faults: dict[str, dict[str, str]] = {
            "sound": {},
            "narration": {},
        }  # part -> {file: why}
        self._waiting: list[
            tuple[Any, float, Callable[[Any, float], object], Any]
        ] = []  # not yet decoded
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
        self._preload()
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
                    self._say(action, play)
                case act.StepEnded():
                    self._step_ended(action, play)
                case act.Breathe():
                    self._breathe(action, play)
                case act.Chime():
                    self._chime(action.name, play)
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
            tracks = self._playlist(action.tracks, action.shuffle)
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

    def _playlist(self, tracks: tuple[str, ...], shuffle: bool) -> tuple[str, ...]:
        """Folders (`calm/`) become their sound files in name order; `shuffle` orders the
        whole list by a seed from the session's (the same session seed, the same order)."""
        names: list[str] = []
        for name in tracks:
            folder = self.folder / name
            if name.endswith(("/", "\\")) and folder.is_dir():
                names += [str(Path(name) / p.name) for p in models.folder_tracks(folder)]
            else:
                names.append(name)
        if shuffle:
            random.Random(seed_for(self.music_seed, "|".join(names), 0)).shuffle(names)
        return tuple(names)

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

    def _sources(self, bus: str, name: str) -> list[tuple[str, Path]]:
        """(layer role, file) for a track name or a file path relative to the script."""
        if is_file_reference(name):  # a clinic's file: its levelled copy, if prepared
            return [("", levelled_path((self.folder / name).resolve(), bus))]
        if bus == "music":
            return self.library.music_layers(name)
        return [("", self.library.ambience(name))]

    def _request(
        self,
        path: Path,
        use: str,
        normalise: float | None = None,
        urgent: bool = False,
        peak_db: float | None = None,
    ) -> Any:
        """Ask the loader for a file; `use` (music, ambience, chime, breathing tone, narration)
        names what falls silent if it cannot be played."""
        from companion.audio.sounds import Request

        seconds, known_peak = self.library.expected(path)
        request = Request(
            path,
            normalise,
            self.library.padding(path),
            seconds=seconds,
            peak_db=known_peak if known_peak is not None else peak_db,
            soften=use == "narration" and normalise is not None,
        )
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
            specs += [
                ("ambience", s.ambience) for s in scene.steps if isinstance(s, models.AmbienceStep)
            ]
            for bus, spec in specs:
                if isinstance(spec, models.MusicSpec) and spec.piece is not None:
                    self._warm(spec.piece, spec.energy)
                    continue
                for name in self._playlist(spec.track, False) if spec is not None else ():
                    for _, path in self._sources(bus, name):
                        if self._tracks is None or not self._tracks.is_long(path):
                            self._request(path, bus)
            for step in scene.steps:
                if isinstance(step, models.ChimeStep):
                    self._request(self.library.chime(step.chime), "chime")
                elif isinstance(step, models.BreatheStep) and step.breathe.sound == "tone":
                    self._request(self.library.breath_tone(), "breathing tone")
                elif isinstance(step, models.SayStep):
                    self._narration_request(step.say, step.id, step.audio)

    def _warm(self, piece: str, energy: float | None) -> None:
        """Start the script's first composer piece now, so it is ready when the scene asks
        (a worker takes a second or more to start); later pieces start when asked for, and
        the music playing then goes on until they are ready."""
        if self._tracks is None or self._tracks.streams:
            return
        self._tracks.energy = DEFAULT_ENERGY if energy is None else energy
        self._tracks.layers("music", COMPOSED + piece)

    def _narration_request(
        self, text: str, line_id: str | None, audio: str | None, urgent: bool = False
    ) -> Any:
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

    def _sound(self, request: Any) -> tuple[Any, float] | None:
        got: tuple[Any, float] | None = self.loader.get(request)
        return got

    def _note_failures(self) -> None:
        """Report files the loader could not play, as soon as it finds them (often before the
        session reaches them): the sound part for music, ambience and effects, the narration
        part for lines, which are then captions only."""
        for request, why in self.loader.take_failures():
            for use in sorted(self._uses.get(request.key, {"sound"})):
                if use == "narration":
                    if self._in_cache(request.path):  # its name is a hash: say what it is
                        why = why.replace(request.path.name, "its cached voice", 1)
                    self._faults["narration"][request.path.name] = captions_only(
                        self._line_of.get(request.key, ""), why
                    )
                    self._health_later("narration", False, fault_message(self._faults["narration"]))
                else:
                    self._faults["sound"][request.path.name] = f"{why}: the {use} is silent"
                    self._health_later("sound", False, fault_message(self._faults["sound"]))
            log.warning("%s (%s)", why, request.path)

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

    def _when_loaded(
        self,
        request: Any,
        play: float,
        start: Callable[[Any, float], object],  # what it returns is not used
        missed: Callable[[float], None] | None = None,
    ) -> None:
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
        self._narrator = self._start(
            got[0], "narration", Param(1.0), loops=0, one_shot=True, shape=lambda _t: volume
        )
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
            for voice in self._pool.voices if self._pool is not None else ():
                if voice.bus == "effects" and voice.one_shot:
                    voice.envelope.to(0.0, CHIME_STOP, play, "db")

    def _chime(self, name: str, play: float) -> None:
        def start(got: tuple[Any, float], _play: float) -> None:
            self._start(got[0], "effects", Param(1.0), loops=0, one_shot=True)

        self._when_loaded(
            self._request(self.library.chime(name), "chime", urgent=True), play, start
        )

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

    # --- each tick (on the ramp thread) ---------------------------------------------------------

    def _fault(self, exc: Exception) -> None:
        with self._lock:
            if self._health_state.get("sound", (True, ""))[0]:
                log.warning("mixer error: %s", exc, exc_info=True)
            self._health_later("sound", False, f"mixer error: {exc}")

    def _note_stream_failures(self) -> None:
        """A composer that died or stopped: said once, in words; its bus fades it out (the
        ambience plays on). A piece that plays again later clears the message."""
        assert self._tracks is not None
        for stream in self._tracks.tidy():
            stream.reported = True
            stream.close()
            if isinstance(stream, FileStream):
                why = f"{stream.failed}: the music is silent"
                self._faults["sound"][stream.path.name] = why
                self._health_later("sound", False, fault_message(self._faults["sound"]))
                log.warning("%s", why)
                continue
            self._faults["sound"]["composer"] = stream.failed or ""
            self._health_later("sound", False, fault_message(self._faults["sound"]))
            log.warning("%s", stream.failed)
        if "composer" in self._faults["sound"] and any(
            isinstance(s, ComposedStream) and s.playing and s.failed is None and s.chunks > 4
            for s in self._tracks.streams
        ):
            del self._faults["sound"]["composer"]
            if self._faults["sound"]:
                self._health_later("sound", False, fault_message(self._faults["sound"]))
            else:
                self._health_later("sound", True, "the music composer plays again")

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
        self._note_failures()
        self._note_stream_failures()
        for player in self._buses.values():
            player.advance(play)
        self._start_waiting(play)
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
        return bool(pool.voices) or self._pausing or bool(self._waiting)

    def _timeline(self, pool: ChannelPool, wall: float, play: float) -> None:
        """The end's release, narration ending, the duck coming back."""
        if self._ended and self.hush.done(wall):
            pool.release_all()
            for player in self._buses.values():
                player.clear()
            self._waiting.clear()
            self._narrator = self._breath = None
        narrator = self._narrator
        if narrator is not None and not pool.busy(narrator):
            self._narrator = None
            self._unduck_at = play + DUCK_HOLD
        if self._unduck_at is not None and play >= self._unduck_at:
            self._unduck_at = None
            for bus in ("music", "ambience"):
                self.duck[bus].to(1.0, DUCK_UP, play, "smooth")

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


def short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def captions_only(text: str, why: str) -> str:
    return f"'{short(text)}' is captions only: {why}"


def fault_message(faults: dict[str, str], shown: int = 3) -> str:
    """Several faults of one part in one line for the panel."""
    items = list(faults.values())
    more = f"; and {len(items) - shown} more" if len(items) > shown else ""
    return "; ".join(items[:shown]) + more


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


__all__ = ["Mixer", "breath_shape", "silence_fade", "split_gain"]
