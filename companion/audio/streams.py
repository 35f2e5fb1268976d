"""Sound that is not decoded whole: the composer's chunks, made a few seconds ahead in a
worker process, and long files read a little ahead; either queued on one mixer channel, a
chunk at a time, as it is needed.

A `ComposedStream` is what the music bus plays for a composer piece. It owns its
`ComposerWorker` (started on a thread of its own, since starting a process takes tens of
milliseconds that the mixer's ramp thread must not wait for) and hands the channel the next
chunk whenever the channel has nothing queued (`pygame.mixer.Channel.queue` holds one Sound
to start, without a gap, when the playing one ends). So at most the worker's queue (two
0.5-s chunks), one chunk playing and one queued exist at any time: memory stays flat however
long the session, and a change of energy, tone or steady is heard within about 2 s.

Energy is steered here: the scene asks for an energy (`music: {piece:, energy:}`), which
glides over the scene's transition, and the therapist's intensity moves it (`energy_for`).
A worker that dies or stops sending is `failed`, with a message a therapist can act on; the
mixer then fades the music out under the ambience and says so.
"""

from __future__ import annotations

import threading
import time
import zlib
from collections import deque
from pathlib import Path
from typing import Any

import numpy as np

from companion.audio.composer.worker import ComposerStopped, ComposerWorker
from companion.audio.ramps import Param
from companion.script.models import DEFAULT_ENERGY as DEFAULT_ENERGY  # the format's, for the mixer

COMPOSED = "composer:"  # a music bus track name for a composer piece: composer:<piece>
DEFAULT_INTENSITY = 0.6  # the intensity at which the scene's energy plays as written
FIRST_CHUNK_LIMIT = 30.0  # s for a new worker's first chunk (starting Python and numpy, loaded)
STALL_LIMIT = 4.0  # s with the channel asking and no chunk coming: the worker is stuck
STEER_EVERY = 0.1  # s between energy messages while it glides


def is_composed(track: str) -> bool:
    return track.startswith(COMPOSED)


def piece_of(track: str) -> str:
    return track[len(COMPOSED) :]


def energy_for(scene_energy: float, intensity: float) -> float:
    """The composer's energy from the scene's and the therapist's intensity (0..1). At the
    default intensity the scene's energy plays as written; the control still spans all of
    it: down to 0 at intensity 0, up to 1 at intensity 1, in straight lines between."""
    scene_energy = min(1.0, max(0.0, scene_energy))
    intensity = min(1.0, max(0.0, intensity))
    if intensity <= DEFAULT_INTENSITY:
        return scene_energy * intensity / DEFAULT_INTENSITY
    up = (intensity - DEFAULT_INTENSITY) / (1.0 - DEFAULT_INTENSITY)
    return scene_energy + (1.0 - scene_energy) * up


def seed_for(session_seed: int, piece: str, count: int) -> int:
    """The seed of the `count`-th start of `piece` in a session: the same session seed gives
    the same music again (the record keeps it)."""
    return zlib.crc32(f"{session_seed}:{piece}:{count}".encode()) & 0x7FFFFFFF


class Stream:
    """What the channel pool asks of a stream (see ChannelPool.feed)."""

    failed: str | None = None
    reported = False  # the mixer has told the panel of `failed`
    playing = False  # a channel plays it (the bus started it)
    underruns = 0  # times the channel ran dry and the next chunk started late
    _closed = False

    def ready(self) -> bool:
        raise NotImplementedError

    def take(self, now: float) -> bytes | None:
        raise NotImplementedError

    def steer(self, play: float, wall: float, intensity: float) -> None:
        """Only the composer is steered."""

    def set_tone(self, tone: float) -> None:
        """Only the composer has a tone."""

    def hold(self, steady: bool) -> None:
        """Only the composer holds."""

    def close(self) -> None:
        self._closed = True

    @property
    def closed(self) -> bool:
        return self._closed

    def describe(self) -> dict[str, Any]:
        return {}


class ComposedStream(Stream):
    """One composer piece playing (or about to) on the music bus."""

    def __init__(
        self,
        piece: str,
        seed: int,
        energy: float,
        tone: float = 0.0,
        steady: bool = False,
        intensity: float = DEFAULT_INTENSITY,
    ) -> None:
        self.piece, self.seed = piece, seed
        self.energy = Param(energy)  # the scene's energy, gliding over transitions
        self._sent_energy = energy_for(energy, intensity)
        self._sent_at = -1.0
        self.tone, self.steady = tone, steady
        self.worker = ComposerWorker(piece, seed=seed, energy=self._sent_energy, tone=tone)
        if steady:
            self.worker.hold(True)
        self.chunks = 0  # taken from the worker
        self._next: bytes | None = None
        self._started = threading.Event()
        self._created = time.monotonic()
        self._asking_since: float | None = None
        self._closed = False
        threading.Thread(target=self._start, name=f"composer-{piece}-start", daemon=True).start()

    def _start(self) -> None:
        try:
            self.worker.start()
        except Exception as exc:  # noqa: BLE001 - reported as the stream's failure, not raised
            self.failed = f"the music composer ({self.piece}) could not start: {exc}"
        self._started.set()

    # --- what the bus asks -----------------------------------------------------------------

    def ready(self) -> bool:
        """A first chunk is here (the bus starts the track then, as with a decoded file)."""
        self._pull(time.monotonic())
        return self._next is not None

    def take(self, now: float) -> bytes | None:
        """The next chunk for the channel, or None (none yet, or failed: see `failed`)."""
        self._pull(now)
        chunk, self._next = self._next, None
        if chunk is None:
            if self._asking_since is None:
                self._asking_since = now
        else:
            self._asking_since = None
        return chunk

    def _pull(self, now: float) -> None:
        if self._next is not None or self.failed is not None or self._closed:
            return
        if not self._started.is_set():
            self._check_late(now)
            return
        try:
            self._next = self.worker.poll()
        except ComposerStopped as stopped:
            self.failed = str(stopped)
            return
        if self._next is not None:
            self.chunks += 1
        else:
            self._check_late(now)

    def _check_late(self, now: float) -> None:
        if self.chunks == 0:
            if now - self._created > FIRST_CHUNK_LIMIT:
                self.failed = (
                    f"the music composer ({self.piece}) did not start within "
                    f"{FIRST_CHUNK_LIMIT:g} s: music stops, the ambience plays on"
                )
        elif self._asking_since is not None and now - self._asking_since > STALL_LIMIT:
            self.failed = (
                f"the music composer ({self.piece}) sent nothing for {STALL_LIMIT:g} s: "
                "music stops, the ambience plays on"
            )

    # --- steering --------------------------------------------------------------------------

    def steer(self, play: float, wall: float, intensity: float) -> None:
        """Send the energy the scene's glide and the intensity ask for now, when it has moved
        (at most every STEER_EVERY seconds while it glides; the composer glides between)."""
        if self.failed is not None or self._closed:
            return
        wanted = energy_for(self.energy.value(play), intensity)
        if abs(wanted - self._sent_energy) < 0.002 or wall - self._sent_at < STEER_EVERY:
            return
        self._sent_energy, self._sent_at = wanted, wall
        self.worker.set_energy(wanted)

    @property
    def sent_energy(self) -> float:
        return self._sent_energy

    def set_tone(self, tone: float) -> None:
        if tone != self.tone and not self._closed:
            self.tone = tone
            self.worker.set_tone(tone)

    def hold(self, steady: bool) -> None:
        if steady != self.steady and not self._closed:
            self.steady = steady
            self.worker.hold(steady)

    def close(self) -> None:
        """Stop the worker on a thread of its own (joining a process takes a moment that the
        mixer's lock must not wait for). Safe to call twice."""
        if self._closed:
            return
        self._closed = True
        worker, started = self.worker, self._started

        def stop() -> None:
            started.wait(10)
            worker.close()

        threading.Thread(target=stop, name=f"composer-{self.piece}-stop", daemon=True).start()

    def describe(self) -> dict[str, Any]:
        """What the record keeps of it (a session heard again takes the same seed)."""
        return {"piece": self.piece, "seed": self.seed, "energy": round(self._sent_energy, 3)}


STREAM_FILES_OVER = 150.0  # s: a file longer than this is read as it plays, not decoded whole
FILE_CHUNK = 0.5  # s
FILE_AHEAD = 4  # chunks read ahead (2 s)


class FileStream(Stream):
    """A long file (a clinic's hour of music) read a chunk at a time on a thread of its own,
    a few chunks ahead, and looped: a whole decoded hour would hold 600 MB. Resampled to the
    device's rate (when the file's differs) by linear interpolation that carries its place
    from chunk to chunk; the short files and the library are decoded whole as before (and
    checked for damage: see damage.py), this one is only checked as far as libsndfile reads
    it. A file that cannot be opened or read is `failed`, in the loader's words."""

    def __init__(self, path: Path, frequency: int) -> None:
        import soundfile

        self.path, self.frequency = path, frequency
        self.chunks = 0
        self._queue: deque[bytes] = deque()
        self._lock = threading.Lock()
        self._room = threading.Event()
        self._room.set()
        info = soundfile.info(str(path))
        self.seconds = info.frames / info.samplerate
        self._thread = threading.Thread(target=self._read, name="file-stream", daemon=True)
        self._thread.start()

    def _read(self) -> None:
        import soundfile

        from companion.audio.sounds import why_not

        try:
            with soundfile.SoundFile(str(self.path)) as file:
                rate = file.samplerate
                step = rate / self.frequency  # file frames per output frame
                want = int(FILE_CHUNK * self.frequency)
                position = 0.0  # of the next output frame, in file frames from `held`'s start
                held = np.zeros((0, 2), dtype=np.float32)
                while not self._closed:
                    self._room.wait(0.2)
                    if self._closed:
                        break
                    with self._lock:
                        if len(self._queue) >= FILE_AHEAD:
                            self._room.clear()
                            continue
                    need = int(np.ceil(position + want * step)) + 2 - held.shape[0]
                    if need > 0:
                        block = file.read(need, dtype="float32", always_2d=True)
                        if block.shape[0] < need:  # the end: loop to the start
                            file.seek(0)
                            block = np.concatenate(
                                [block, file.read(need - block.shape[0], "float32", True)]
                            )
                        if block.shape[0] == 0:
                            raise ValueError("it holds no sound")
                        block = block[:, :2] if block.shape[1] >= 2 else np.repeat(block, 2, 1)
                        held = np.concatenate([held, block])
                    at = position + np.arange(want) * step
                    index = np.minimum(at.astype(np.int64), held.shape[0] - 2)
                    frac = (at - index)[:, None].astype(np.float32)
                    out = held[index] * (1 - frac) + held[index + 1] * frac
                    position += want * step
                    drop = int(position)
                    held, position = held[drop:], position - drop
                    ints = np.clip(np.round(out * 32767.0), -32768, 32767).astype("<i2")
                    with self._lock:
                        self._queue.append(ints.tobytes())
        except Exception as exc:  # noqa: BLE001 - the stream's failure, said by the mixer
            self.failed = why_not(self.path, exc)

    def ready(self) -> bool:
        with self._lock:
            return bool(self._queue)

    def take(self, now: float) -> bytes | None:
        with self._lock:
            chunk = self._queue.popleft() if self._queue else None
        self._room.set()
        if chunk is not None:
            self.chunks += 1
        return chunk

    def close(self) -> None:
        self._closed = True
        self._room.set()

    def describe(self) -> dict[str, Any]:
        return {"file": self.path.name}
