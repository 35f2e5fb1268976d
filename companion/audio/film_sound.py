"""A 360° film's own sound, played on the ambience bus while the film is the scene's place.

FFmpeg (the binary imageio-ffmpeg ships, run as a separate process: it is built with GPL
parts, so it is never imported) decodes the film's first audio stream to raw samples in the
mixer's own rate and channels; they are read a chunk at a time (CHUNK_SECONDS) and queued on
one mixer channel (pygame's `Channel.queue`: the next chunk starts when the playing one ends,
without a gap), so memory stays flat however long the film plays, and nothing is decoded
whole. The voice belongs to the mixer's channel pool on the "ambience" bus, so the bus level,
the duck under narration, the session's pause (the fade, then SDL pauses every channel; the
queue simply waits) and the end apply to it as to any ambience.

It loops with the picture: how the film loops is decided once, for picture and sound alike
(companion/film_loop.py): blended (the last LOOP_FADE seconds into the first, here with an
equal-power crossfade) or cut (a film that loops by itself), and each pass of the sound is
exactly as long as a pass of the picture (cut to it, or filled with silence if the sound
track is shorter), so the two keep together however many passes there are."""

from __future__ import annotations

import io
import logging
import re
import subprocess
import threading
import time
from collections.abc import Callable, Generator, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, cast

import numpy as np

from companion.audio.channels import panning_lost
from companion.audio.custom import (
    TARGETS_BY_BUS,
    LoudnessMeter,
    SoundFacts,
    _recalled,
    _remember,
    cache_key,
    default_cache_dir,
    gain_for,
)
from companion.audio.ramps import Param, silence_fade
from companion.film_loop import LOOP_FADE, FilmLoop, film_loop
from companion.script import media

log = logging.getLogger("companion.audio")
CHUNK_SECONDS = 0.5
POLL = 0.02  # s between looks at the channel's queue
# A chunk that comes when the channel has run dry (a busy machine) plays late; the sound then
# skips as much of what follows, as the picture skips late pictures, so the two stay together.
# Lateness is reckoned from the last chunk seen to begin (within POLL, on the sound card's
# clock), so it is good to a few hundredths of a second: less than CATCH_UP_OVER is let be.
CATCH_UP_OVER = 0.05
PROBE_TIMEOUT = 30.0


def _binary() -> str:
    import imageio_ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_exe())


def probe_sound(path: Path) -> float | None:
    """The film's length in seconds if it has a sound track, else None."""
    try:
        result = subprocess.run(
            [_binary(), "-hide_banner", "-nostdin", "-i", str(path)],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            errors="replace",
            timeout=PROBE_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if not re.search(r"Stream #\d+:\d+.*?: Audio:", result.stderr):
        return None
    found = re.search(r"Duration: (\d+):(\d\d):(\d\d(?:\.\d+)?)", result.stderr)
    if found is None:
        return 0.0
    hours, minutes, seconds = found.groups()
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


class _Child:
    """One FFmpeg writing the film's sound from its start as float32 samples to our pipe (it
    ends when we close the pipe: its next write fails)."""

    def __init__(self, path: Path, rate: int, channels: int) -> None:
        self.channels = channels
        self.process = subprocess.Popen(
            [
                *(_binary(), "-hide_banner", "-nostdin", "-v", "error", "-i", str(path)),
                *("-map", "0:a:0", "-vn", "-sn", "-dn", "-ac", str(channels), "-ar", str(rate)),
                *("-f", "f32le", "pipe:1"),
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            bufsize=0,
            start_new_session=True,  # a Ctrl-C meant for Companion is Companion's to handle
        )

    def read(self, frames: int) -> np.ndarray:
        """Up to `frames` frames (fewer only at the end of the film), float32 (n, channels)."""
        assert self.process.stdout is not None
        stream = cast(io.RawIOBase, self.process.stdout)  # unbuffered (bufsize=0): a FileIO
        want = frames * self.channels * 4
        buffer = bytearray(want)
        view = memoryview(buffer)
        got = 0
        while got < want:
            try:
                n = stream.readinto(view[got:])
            except (OSError, ValueError):  # closed under us
                n = 0
            if not n:
                break
            got += n
        got -= got % (self.channels * 4)
        return np.frombuffer(buffer, np.float32, got // 4).reshape(-1, self.channels)

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        try:
            self.process.wait(timeout=5.0)
        except subprocess.TimeoutExpired:  # a kill not taken within 5 s: nothing more to do
            log.warning("ffmpeg (pid %d) did not end within 5 s of being killed", self.process.pid)
        if self.process.stdout is not None:
            self.process.stdout.close()


def film_facts(path: Path, root: Path | None = None, measure: bool = True) -> SoundFacts | None:
    """Length and loudness of a film's sound track (None: it has none, or it cannot be
    decoded), measured once through FFmpeg and remembered in the custom sounds' cache (by
    path, size and date). `measure=False`: only what is remembered (the session's side)."""
    key = cache_key(path, -1.0)  # -1: the film's sound, not a levelled copy
    record = (root or default_cache_dir()) / "facts" / f"{key}.json" if key else None
    facts = _recalled(record) if record is not None else None
    if facts is not None or not measure or probe_sound(path) is None:
        return facts
    rate, channels = 48000, 2
    meter = LoudnessMeter(rate, channels)
    child = _Child(path, rate, channels)
    frames, peak = 0, 0.0
    try:
        while (block := child.read(rate * 10)).shape[0]:
            meter.add(block)
            peak = max(peak, float(np.max(np.abs(block))))
            frames += block.shape[0]
    finally:
        child.close()
    if not frames:
        return None
    facts = SoundFacts(frames / rate, rate, channels, meter.loudness(), peak)
    if record is not None:
        _remember(record, facts)
    return facts


def film_gain(path: Path, root: Path | None = None) -> float:
    """The gain that brings a film's sound to the ambience bus's loudness, as measured before
    the session (1 if it was not)."""
    facts = film_facts(path, root, measure=False)
    return 1.0 if facts is None else gain_for(facts, TARGETS_BY_BUS["ambience"])


def looped(
    path: Path,
    loop: FilmLoop | Future[FilmLoop],
    rate: int,
    channels: int,
    sure: float = 0.0,
) -> Generator[np.ndarray, None, None]:
    """The film's sound for ever, in chunks of CHUNK_SECONDS, pass by pass as the picture
    loops (`loop`, from film_loop): each pass exactly `loop.period` long (the track cut to
    it, or filled with silence), and with a fade its last `loop.fade` seconds crossfaded
    (equal power) into the next pass's first ones. `loop` may still be being decided (a
    Future): the first `sure` seconds, shorter than any pass can be, play meanwhile."""
    chunk = max(1, int(CHUNK_SECONDS * rate))
    decided = loop if isinstance(loop, FilmLoop) else None
    blend, period = 0, int(sure * rate)
    start_at = 0
    current = _Child(path, rate, channels)
    # the next pass's FFmpeg, started a pass ahead (it waits on the full pipe meanwhile):
    # opening the film takes FFmpeg tenths of a second, on a busy machine more than the
    # second the channel holds, and the sound ran dry at each seam
    upcoming = _Child(path, rate, channels)
    try:
        while True:
            given, heard = start_at, False
            while True:
                if decided is None and (given >= period or cast(Future, loop).done()):
                    decided = cast("Future[FilmLoop]", loop).result()
                if decided is not None:
                    blend = int(round(decided.fade * rate))
                    period = max(1, int(round(decided.period * rate)))
                if given >= period:
                    break
                block = current.read(min(chunk, period - given))
                if not block.shape[0]:  # the track is shorter than the picture: silence
                    block = np.zeros((min(chunk, period - given), channels), np.float32)
                else:
                    heard = True
                given += block.shape[0]
                yield block
            if not heard and start_at == 0:
                raise ValueError("no sound could be decoded")
            tail = current.read(blend) if blend else np.zeros((0, channels), np.float32)
            current.close()
            current, upcoming = upcoming, _Child(path, rate, channels)
            if not blend:  # cut: the next pass from the start
                start_at = 0
                continue
            head = current.read(blend)
            mixed = np.zeros((blend, channels), np.float32)
            angle = np.linspace(0.0, np.pi / 2, blend, dtype=np.float32)[:, None]
            mixed[: tail.shape[0]] += tail * np.cos(angle[: tail.shape[0]])
            mixed[: head.shape[0]] += head * np.sin(angle[: head.shape[0]])
            start_at = blend  # the pass's first `blend` samples are in the mix
            for at in range(0, blend, chunk):
                yield mixed[at : at + chunk]
    finally:
        current.close()
        upcoming.close()


def _film(environment: str) -> Path | None:
    spec = media.parse(environment)
    return Path(spec.file) if spec is not None and spec.kind == "film" else None


class FilmSound:
    """The film sound of the scene's place, if it is a film with a sound track. The mixer
    calls `scene` for each scene change and `close` at its end; the rest runs in a thread."""

    def __init__(
        self,
        pygame: Any,
        pool: Any,  # the mixer's ChannelPool
        lock: Any,  # the mixer's lock, held for every use of the pool
        play_clock: Callable[[], float],  # the mixer's play time (stops while paused)
        device: tuple[int, int, int],  # frequency, channels, sample size (16 or 32: float)
        report: Callable[[str], None] = lambda _message: None,
        environments: Iterable[str] = (),  # the script's: its films are looked at ahead
    ) -> None:
        self._pygame, self._pool, self._lock, self._clock = pygame, pool, lock, play_clock
        self._device = device
        self._report = report
        self._stream: _Stream | None = None
        self._probed: dict[Path, float | None] = {}
        films = [path for name in environments if (path := _film(name)) is not None]
        if films:  # whether each has sound, how long it is and how it loops, found ahead
            threading.Thread(
                target=lambda: [self.duration(path) is None or film_loop(path) for path in films],
                name="film sound probe",
                daemon=True,
            ).start()

    def duration(self, path: Path) -> float | None:
        """The film's length if it has a sound track, else None (probed once)."""
        if path not in self._probed:
            self._probed[path] = probe_sound(path)
        return self._probed[path]

    def scene(self, environment: str, transition: float) -> None:
        file = _film(environment)
        if self._stream is not None and self._stream.path == file:
            return  # the same film goes on
        if self._stream is not None:
            self._stream.fade_out(transition)
        self._stream = _Stream(self, file, transition) if file is not None else None

    @property
    def skipped(self) -> float:
        """Seconds of the film's sound skipped to catch up after running dry (tests)."""
        return self._stream.skipped if self._stream is not None else 0.0

    @property
    def playing(self) -> bool:
        return self._stream is not None and self._stream.voice is not None

    def close(self) -> None:
        if self._stream is not None:
            self._stream.stop()
            self._stream = None


class _Stream:
    def __init__(self, owner: FilmSound, path: Path, fade_in: float) -> None:
        self.owner, self.path, self.fade_in = owner, path, fade_in
        self.envelope = Param(0.0)
        self.voice: Any = None
        self.gain = np.float32(1.0)
        self.skipped = 0.0  # seconds of sound skipped to catch up after running dry
        self._given = 0  # samples of the film's sound handed to the channel or skipped
        self._last = 0  # where (in samples) the chunk handed to the channel last begins
        self._origin: float | None = None  # play time at which sample 0 was due, once seen
        self._skip = 0  # samples still to skip
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"sound {path.name}", daemon=True)
        self._thread.start()

    def fade_out(self, seconds: float) -> None:
        """The mixer lets the voice go when the fade is done; the thread then ends."""
        with self.owner._lock:
            fade = max(0.05, seconds)
            self.envelope.to(0.0, fade, self.owner._clock(), silence_fade(fade, False))
        if self.voice is None:
            self._stop.set()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5.0)

    def _sound(self, block: np.ndarray) -> Any:
        _, _, size = self.owner._device
        block = block * self.gain
        if size == 32:
            raw = np.ascontiguousarray(block, "<f4").tobytes()
        else:
            raw = np.clip(np.round(block * 32767.0), -32768, 32767).astype("<i2").tobytes()
        return self.owner._pygame.mixer.Sound(buffer=raw)

    def _gone(self) -> bool:
        """Stopped, or the mixer let the voice go (faded out, or the session ended)."""
        return self._stop.is_set() or (
            self.voice is not None and self.voice not in self.owner._pool.voices
        )

    def _run(self) -> None:
        frequency, channels, _ = self.owner._device
        duration = self.owner.duration(self.path)
        if duration is None or self._stop.is_set():
            return  # a silent film: nothing to play
        self.gain = np.float32(film_gain(self.path))  # levelled before the session
        pool, lock = self.owner._pool, self.owner._lock
        # how the film loops is decided by FFmpeg meanwhile (a few tenths of a second): the
        # sound does not wait for it, its first seconds play (all but the last fade's)
        deciding = ThreadPoolExecutor(1, thread_name_prefix="film loop")
        loop = deciding.submit(film_loop, self.path)
        deciding.shutdown(wait=False)  # its one task goes on; the thread ends with it
        sure = max(0.0, duration - 2 * LOOP_FADE)
        pcm = looped(self.path, loop, frequency, channels, sure=sure)
        try:
            for whole in pcm:
                block = whole[self._skip :]  # caught up: what should have played meanwhile
                self._skip -= whole.shape[0] - block.shape[0]
                self._given += whole.shape[0] - block.shape[0]
                if not block.shape[0]:
                    continue
                if self._stop.is_set() or not self._play(self._sound(block)):
                    return
                self._given += block.shape[0]
        except (OSError, ValueError) as exc:
            self.owner._report(f"the film's sound cannot be played ({self.path.name}: {exc})")
        finally:
            pcm.close()
            if self._stop.is_set() and self.voice is not None:
                with lock:
                    if self.voice in pool.voices:
                        pool.release(self.voice)

    def _follow(self, channel: Any) -> None:
        """The pool sets the voice's volume on its newest chunk (`voice.sound`, queued); the
        chunk playing meanwhile is kept at the same volume here (SDL_mixer keeps a volume per
        Sound), or a change (the pause's fade, the resume) would reach it only a chunk late."""
        with self.owner._lock:
            playing = channel.get_sound()
            volume = self.voice.level[0] if self.voice is not None else -1
            if playing is not None and volume >= 0 and not self._gone():
                playing.set_volume((volume + 0.5) / 128)

    def _play(self, sound: Any) -> bool:
        """Start the voice with the first chunk, queue each later one when the channel's queue
        is free; False once the voice is gone (or could not start: the pool has said why)."""
        pool, lock = self.owner._pool, self.owner._lock
        if self.voice is None:
            with lock:
                fade = max(0.05, self.fade_in)
                self.envelope.to(1.0, fade, self.owner._clock(), silence_fade(fade, True))
                self.voice = pool.start(sound, "ambience", self.envelope, loops=0, joins=True)
            self._last = self._given
            return self.voice is not None
        channel = self.owner._pygame.mixer.Channel(self.voice.channel)
        waited = False
        while not self._gone() and channel.get_queue() is not None:
            waited = True
            self._follow(channel)
            time.sleep(POLL)
        frequency = self.owner._device[0]
        with lock:
            if self._gone():
                return False
            # the chunk plays at the voice's volume; the pool sets it from now on
            volume = self.voice.level[0]
            sound.set_volume((volume + 0.5) / 128 if volume >= 0 else 1.0)
            self.voice.sound = sound
            panning_lost(self.voice)  # the chunk queued last began, or the channel ran dry
            if channel.get_busy():
                if waited:  # the chunk queued last began just now: where the sound is
                    self._origin = self.owner._clock() - self._last / frequency
                channel.queue(sound)
            else:  # ran dry (a late chunk): play it now, and skip as much of what follows
                channel.play(sound)
                if self._origin is not None:
                    late = self.owner._clock() - (self._origin + self._given / frequency)
                    if late > CATCH_UP_OVER:
                        self._skip += int(round(late * frequency))
                        self.skipped += late
            self._last = self._given
        return True
