"""The composer in a worker process, rendering ahead into a bounded queue of int16 chunks, so
a player only takes the next chunk and queues it (for pygame:
`channel.queue(pygame.mixer.Sound(buffer=chunk))` when `channel.get_queue()` is None).

Why a process: rendering takes about a tenth of a core in numpy, and in the player's process
it would hold the GIL against the render loop and the panel. Why bounded: memory stays flat
however long the session, and a steering change waits behind at most `depth` chunks. The
worker renders a chunk only when the queue has room, so what it has rendered is at most
`depth * chunk_seconds` ahead of what the player took (0.5 s chunks, depth 2: 1 s; add the
player's own playing and queued chunk, and a change is heard within about 2 s).

A worker that dies (killed, out of memory, an error) is a `ComposerStopped` from `get()`
with a message a therapist can act on; nothing waits for ever. The samples go through shared
memory (a ring of `depth + 2` slots) and only small messages through the queue: a pipe write
of under 4 kB is atomic, so a worker killed while it writes cannot leave half a message that
would block the reader for ever (as an 88 kB chunk sent through the queue could)."""

from __future__ import annotations

import multiprocessing as mp
import queue
import time
import traceback
from typing import Any

from companion.audio.signal import SAMPLE_RATE

CHUNK_SECONDS = 0.5
DEPTH = 2


class ComposerStopped(RuntimeError):
    """The worker process is gone; str() says why, in plain words."""


def _run(
    piece: str,
    seed: int,
    energy: float,
    tone: float,
    chunk_frames: int,
    depth: int,
    controls: Any,
    chunks: Any,
    stop: Any,
    ring: Any,
) -> None:
    try:
        import numpy as np

        from companion.audio.composer import Composer

        slots = np.frombuffer(ring, dtype=np.int16).reshape(depth + 2, chunk_frames * 2)

        composer = Composer(piece, seed=seed, energy=energy, tone=tone)
        index = 0
        while not stop.is_set():
            while True:
                try:
                    name, value = controls.get_nowait()
                except queue.Empty:
                    break
                if name == "energy":
                    composer.energy = value
                elif name == "tone":
                    composer.tone = value
                elif name == "steady":
                    composer.hold(value)
            if chunks.qsize() >= depth:
                time.sleep(0.01)
                continue
            slot = index % (depth + 2)
            slots[slot] = np.frombuffer(composer.render_int16(chunk_frames), dtype=np.int16)
            chunks.put(("chunk", index, slot))
            index += 1
    except BaseException as error:  # noqa: BLE001 - a child process: all goes to the parent, as health
        chunks.put(
            ("error", f"{type(error).__name__}: {error}"[:1000], traceback.format_exc()[-2000:])
        )


class ComposerWorker:
    """Start with `start()`; take chunks with `get()`; steer with `set_energy`, `set_tone`,
    `hold`; `close()` when done (safe to call twice)."""

    def __init__(
        self,
        piece: str,
        seed: int = 0,
        energy: float = 0.5,
        tone: float = 0.0,
        chunk_seconds: float = CHUNK_SECONDS,
        depth: int = DEPTH,
    ) -> None:
        from companion.audio.composer import BLOCK

        self.piece, self.seed = piece, seed
        blocks = max(1, round(chunk_seconds * SAMPLE_RATE / BLOCK))
        self.chunk_frames = blocks * BLOCK  # whole blocks: every chunk costs the same
        self.depth = depth
        self._initial = (energy, tone)
        context = mp.get_context("spawn")  # no fork of a process holding SDL's or Panda3D's threads
        self._controls = context.Queue()
        self._chunks = context.Queue(maxsize=depth + 1)
        self._stop = context.Event()
        self._ring = context.RawArray("h", (depth + 2) * self.chunk_frames * 2)
        self._process = context.Process(
            target=_run,
            name=f"composer-{piece}",
            daemon=True,
            args=(
                piece,
                seed,
                energy,
                tone,
                self.chunk_frames,
                depth,
                self._controls,
                self._chunks,
                self._stop,
                self._ring,
            ),
        )
        self.taken = 0

    @property
    def chunk_seconds(self) -> float:
        return self.chunk_frames / SAMPLE_RATE

    @property
    def pid(self) -> int | None:
        return self._process.pid

    def start(self) -> ComposerWorker:
        self._process.start()
        return self

    def alive(self) -> bool:
        return self._process.is_alive()

    def set_energy(self, value: float) -> None:
        self._controls.put(("energy", float(value)))

    def set_tone(self, value: float) -> None:
        self._controls.put(("tone", float(value)))

    def hold(self, steady: bool) -> None:
        self._controls.put(("steady", bool(steady)))

    def get(self, timeout: float = 5.0) -> bytes:
        """The next chunk (interleaved int16 stereo bytes). Raises ComposerStopped if the
        worker died or sent nothing within `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                item = self._chunks.get(timeout=0.1)
            except queue.Empty:
                if not self._process.is_alive():
                    raise ComposerStopped(self._why()) from None
                if time.monotonic() > deadline:
                    raise ComposerStopped(
                        f"the music composer ({self.piece}) sent nothing for {timeout:g} s"
                    ) from None
                continue
            return self._take(item)

    def poll(self) -> bytes | None:
        """The next chunk if one is ready, else None at once (a player's tick must not wait).
        Raises ComposerStopped if the worker died or failed."""
        try:
            item = self._chunks.get_nowait()
        except queue.Empty:
            if self._process.pid is not None and not self._process.is_alive():
                raise ComposerStopped(self._why()) from None
            return None
        return self._take(item)

    def _take(self, item: tuple[Any, ...]) -> bytes:
        if item[0] == "error":
            raise ComposerStopped(f"the music composer ({self.piece}) failed: {item[1]}")
        self.taken += 1
        size = self.chunk_frames * 4  # bytes of one slot
        return bytes(memoryview(self._ring).cast("B")[item[2] * size : (item[2] + 1) * size])

    def _why(self) -> str:
        code = self._process.exitcode
        if code is not None and code < 0:
            how = f"was killed (signal {-code})"
        else:
            how = f"stopped (exit code {code})"
        return f"the music composer ({self.piece}) {how}: music stops, the ambience plays on"

    def close(self, timeout: float = 2.0) -> None:
        self._stop.set()
        if self._process.pid is None:
            return
        while True:  # drain, so the child's queue feeder thread can finish and exit
            try:
                self._chunks.get_nowait()
            except (queue.Empty, OSError, ValueError):
                break
        self._process.join(timeout)
        if self._process.is_alive():
            self._process.kill()
            self._process.join(timeout)
