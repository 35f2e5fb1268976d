"""A film's pictures, decoded ahead in a thread of their own from FFmpeg run as a separate
process (ffmpeg.py: read as raw yuv420p pictures from its stdout), looped without a seam: the
last LOOP_FADE seconds are blended into the first ones, so the picture runs on from the end
into the start (a film whose last picture is its first, a loop already, is cut from end to
start instead; companion/film_loop.py decides which, and how long a pass is, once for the
picture and the sound alike). Frames come in film time (seconds since the film started,
across loops), as decoded (Y, U and V planes: the shader makes them colour, which costs the
CPU nothing), a few ahead only: memory stays flat however long the session.

Why a separate FFmpeg process: the only FFmpeg builds at hand (PyAV's wheels, imageio-ffmpeg's
binary) include GPL parts (libx264, libx265), and Companion (MIT) imports no GPL code; running
a program is allowed. Why not Panda3D's MovieTexture: tried first, Panda3D 1.10.16's FFmpeg
plugin gave black pictures for H.264 films made here (its conversion logs "bad src image
pointers"); and the film's time here must be the session's (it stops when the session pauses
and runs on a virtual clock in tests), with each picture's brightness measured for the comfort
guard before it is shown, where MovieTexture runs on its own clock."""

from __future__ import annotations

import threading
import time as clock
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from companion.film_loop import LOOP_FADE as LOOP_FADE  # re-exported: its seconds
from companion.film_loop import film_loop
from companion.stage.media.ffmpeg import Child
from companion.stage.media.ffmpeg import probe as ffprobe

AHEAD = 4  # frames decoded ahead, at least ...
AHEAD_BYTES = 64_000_000  # ... and as many more as fit in this (at most MAX_AHEAD): a reserve
MAX_AHEAD = 30  # for the loop's blend, when two FFmpeg processes decode at once
PRESTART = 1.5  # seconds before it is needed, the next pass's FFmpeg is started
THUMB = (24, 48)  # rows, columns measured for the comfort guard


class CodecError(ValueError):
    """The film's video is in a codec this machine's FFmpeg cannot decode."""


@dataclass(frozen=True)
class FilmInfo:
    width: int
    height: int
    fps: float
    duration: float
    codec: str
    has_sound: bool
    pixels: str = "yuv420p"  # FFmpeg's pixel format: other than yuv420p is converted per picture


Planes = tuple[np.ndarray, np.ndarray, np.ndarray]


@dataclass
class FilmFrame:
    time: float  # film time it is shown from
    index: int  # frames since the film started (across loops)
    planes: Planes  # Y (H x W), U and V (H/2 x W/2) bytes, top row first
    thumb: np.ndarray  # THUMB relative luminance, for the comfort guard


def probe(path: str | Path) -> FilmInfo:
    """What a film is (from `ffmpeg -i`, run as a separate process); raises FFmpegError (or
    CodecError) when it cannot be opened or its video cannot be decoded here."""
    found = ffprobe(path)
    if found.codec == "none":
        raise CodecError(f"there is no decoder here for its video codec ({found.tag or 'unknown'})")
    return FilmInfo(
        found.width,
        found.height,
        found.fps,
        found.duration,
        found.codec,
        found.has_sound,
        found.pixels or "unknown",
    )


def fit(width: int, height: int, limit: int) -> tuple[int, int]:
    """The film's size scaled down (if at all) to at most `limit` wide, even numbers."""
    if width <= limit:
        return width, height
    return limit - limit % 2, max(2, round(height * limit / width / 2) * 2)


def luminance_of_luma(luma: np.ndarray, limited: bool = True) -> np.ndarray:
    """Relative luminance (0..1, linear light) from 8-bit luma (video range 16-235, or full)."""
    from companion.stage.comfort import _LINEAR_OF_BYTE

    if limited:
        luma = np.clip((luma.astype(np.float32) - 16.0) * (255.0 / 219.0), 0, 255).astype(np.uint8)
    linear: np.ndarray = _LINEAR_OF_BYTE[luma]
    return linear


def thumbnail(luma: np.ndarray) -> np.ndarray:
    """THUMB samples of a picture's luminance, from its (video range) luma plane."""
    h, w = luma.shape
    rows = np.linspace(0, h - 1, THUMB[0]).astype(int)
    cols = np.linspace(0, w - 1, THUMB[1]).astype(int)
    return luminance_of_luma(luma[rows][:, cols])


def planes_of(picture: bytes | bytearray, size: tuple[int, int]) -> Planes:
    """A raw yuv420p picture's Y, U and V planes as arrays (views of its bytes, no copy)."""
    width, height = size
    cw, ch = (width + 1) // 2, (height + 1) // 2
    data = np.frombuffer(picture, np.uint8)
    y = data[: width * height].reshape(height, width)
    u = data[width * height : width * height + cw * ch].reshape(ch, cw)
    v = data[width * height + cw * ch : width * height + 2 * cw * ch].reshape(ch, cw)
    return y, u, v


def blend(a: Planes, b: Planes, weight: float) -> Planes:
    """`a` faded into `b` by `weight` (0..1), plane by plane, in 16-bit integers (weights
    in 256ths, rounded): in floats a 4096x2048 picture cost 72 ms and some 200 MB of
    temporary arrays; here two 16-bit copies of a plane at a time."""
    w = int(round(min(1.0, max(0.0, weight)) * 256))
    out = []
    for x, y in zip(a, b, strict=True):
        mixed = x.astype(np.uint16)
        mixed *= 256 - w
        other = y.astype(np.uint16)
        other *= w
        mixed += other
        del other
        mixed += 128
        mixed >>= 8  # at most (255 * 256 + 128) >> 8 = 255
        out.append(mixed.astype(np.uint8))
    return out[0], out[1], out[2]


class FilmDecoder:
    """Decodes `path` in a thread, looping, `AHEAD` frames ahead of `want(time)`."""

    def __init__(
        self,
        path: str | Path,
        size: tuple[int, int],
        info: FilmInfo | None = None,
        fade: float | None = None,
        step: int = 1,
    ) -> None:
        self.path = str(path)
        self.info = info or probe(path)
        self.size = size  # decoded at (even numbers)
        self.step = step  # and handed on at every step-th pixel
        self.shown = (size[0] // step, size[1] // step)
        self.fps = self.info.fps
        # how it loops (blended or cut, and the length of a pass), decided once for the
        # picture and the sound alike (companion/film_loop.py); `fade` forces it (tests)
        loop = film_loop(self.path)
        if fade is not None and fade != loop.fade:
            blend = self.info.duration > 4 * fade
            period = self.info.duration - fade if blend else loop.period + loop.fade
            loop = type(loop)(max(1.0 / self.fps, period), fade if blend else 0.0)
        self.fade = loop.fade
        self.period = loop.period
        self._frames: deque[FilmFrame] = deque()
        frame_bytes = self.shown[0] * self.shown[1] * 3 // 2
        self.ahead = max(AHEAD, min(MAX_AHEAD, AHEAD_BYTES // max(1, frame_bytes)))
        self._cond = threading.Condition()
        self._stop = False
        self._wanted = 0.0  # the film time last asked for: pictures before it are late
        self.error: str | None = None
        self.ended = False
        self.blended = 0  # loop pictures blended, and pictures dropped as late (for tests)
        self.dropped = 0
        # where the decoding thread's time goes (seconds; for benchmarks/render.py): waiting
        # for FFmpeg's next picture (its decoding and the pipe), making frames of them (planes,
        # thumbnails, the loop's blend), and waiting with the queue full (ahead)
        self.spent = {"ffmpeg": 0.0, "convert": 0.0, "ahead": 0.0}
        self._children: list[Child] = []  # FFmpeg processes running for this film
        self._lock = threading.Lock()
        self._thread = threading.Thread(
            target=self._run, name=f"film {Path(self.path).name}", daemon=True
        )
        self._thread.start()

    # --- the decoding thread ---------------------------------------------------------------

    def _start(self) -> Child | None:
        """A new FFmpeg process decoding the film from its start (None once closed). Started
        before its pictures are needed (PRESTART): opening the film and decoding its first
        pictures takes FFmpeg a few tenths of a second, which at the loop's seam made the
        pictures late while the end was still being decoded too."""
        with self._lock:
            if self._stop:
                return None
            # handed on at every step-th pixel: FFmpeg takes those pixels itself (no mixing,
            # the cheapest scaler), so only the smaller picture crosses the pipe
            child = Child(
                self.path, self.shown, self.fps, scaling="neighbor" if self.step > 1 else "bilinear"
            )
            self._children.append(child)
            return child

    def _pictures(self, child: Child | None = None) -> Iterator[tuple[float, bytearray]]:
        """(time in the file, raw yuv420p picture) of one pass from the start, from an FFmpeg
        process of its own (`child`, or one started now), which is ended when the pass is (or
        the decoder closed)."""
        child = child or self._start()
        if child is None:
            return
        try:
            pictures = child.frames()
            index = 0
            while True:
                began = clock.perf_counter()
                picture = next(pictures, None)
                self.spent["ffmpeg"] += clock.perf_counter() - began
                if picture is None:
                    break
                yield index / self.fps, picture
                index += 1
        finally:
            child.close()
            with self._lock:
                if child in self._children:
                    self._children.remove(child)

    def _run(self) -> None:
        passes: list[Iterator[tuple[float, bytearray]] | None] = [None, None]  # current, head
        try:
            self._loop(passes)
        except Exception as exc:  # noqa: BLE001 - the thread's boundary: reported once by the layer
            if not self._stop:
                self.error = f"{Path(self.path).name}: {exc}"
        finally:
            for pass_ in passes:
                if pass_ is not None:
                    pass_.close()  # type: ignore[attr-defined]  # ends its FFmpeg process
            with self._lock:  # and one started ahead for a pass that will not come
                left = list(self._children)
                self._children.clear()
            for child in left:
                child.close()
            with self._cond:
                self.ended = True
                self._cond.notify_all()

    def _loop(self, passes: list[Iterator[tuple[float, bytearray]] | None]) -> None:
        """Pass after pass of the film; `passes` holds the running ones, for `_run` to end."""
        index = 0
        offset = 0.0  # film time at which this pass's file time 0 shows
        first: np.ndarray | None = None
        current = passes[0] = self._pictures()
        while not self._stop:
            head: Iterator[tuple[float, bytearray]] | None = None
            early: Child | None = None  # the next pass's FFmpeg, started ahead of need
            last: tuple[float, np.ndarray] | None = None
            final = 0.0
            for t, frame in current:
                if self._stop:
                    return
                if not self.fade and t >= self.period - 1e-6:
                    break  # cut: the pass is as long as the sound's (film_loop)
                final = t
                if early is None and t >= self.period - PRESTART:
                    early = self._start()
                nxt = None
                if self.fade and t >= self.period:  # the end, to be blended into the start
                    if head is None:
                        head = passes[1] = self._pictures(early)
                    nxt = next(head, None)  # taken even when late: the start keeps step
                if first is not None and offset + t < self._wanted - 1.0 / self.fps:
                    index += 1  # already due to be dropped (blend pictures too): not made
                    self.dropped += 1
                    continue
                raw = self._deliver(offset + t, index, frame, nxt, t)
                first = raw if first is None else first
                last = (t, raw)
                index += 1
            if self._stop:
                return
            if first is None or (last is None and not final):
                # (a pass whose pictures all came too late, on a machine far too busy, is
                # not an error: the next one goes on)
                raise ValueError("no picture could be decoded")
            if head is not None:  # the next pass goes on from where the blend left its start
                offset += self.period
                current = passes[0] = head
            else:  # cut: the next pass starts a period after this one's start
                offset += self.period
                current.close()  # type: ignore[attr-defined]  # (it may have pictures left)
                current = passes[0] = self._pictures(early)
            passes[1] = None

    def _deliver(
        self,
        time: float,
        index: int,
        frame: bytearray,
        nxt: tuple[float, bytearray] | None,
        t: float,
    ) -> np.ndarray:
        """Hand on one picture (blended with the start's `nxt` at the loop's end); its own
        thumbnail, before any blend, is returned (for the seamless-loop check)."""
        began = clock.perf_counter()
        planes = planes_of(frame, self.shown)
        raw = thumb = thumbnail(planes[0])
        if nxt is not None:
            a = min(1.0, (t - self.period) / self.fade)
            planes = blend(planes, planes_of(nxt[1], self.shown), a)
            self.blended += 1
            thumb = thumbnail(planes[0])
        self.spent["convert"] += clock.perf_counter() - began
        self._put(FilmFrame(time, index, planes, thumb))
        return raw

    def _put(self, frame: FilmFrame) -> None:
        began = clock.perf_counter()
        with self._cond:
            while len(self._frames) >= self.ahead and not self._stop:
                self._cond.wait(0.5)
            self.spent["ahead"] += clock.perf_counter() - began
            self._frames.append(frame)
            self._cond.notify_all()

    # --- the stage's side ------------------------------------------------------------------

    def frame_at(self, time: float, wait: bool = False, timeout: float = 10.0) -> FilmFrame | None:
        """The newest frame due by `time` (older ones are dropped), or None if none is yet.
        `wait`: block until the decoder has got that far."""

        due = time + 1e-6
        give_up = clock.monotonic() + timeout
        with self._cond:
            self._wanted = time
            chosen = None
            while True:
                while self._frames and self._frames[0].time <= due:
                    chosen = self._frames.popleft()  # older due pictures make room ahead
                    self._cond.notify_all()
                caught_up = self._frames or self.ended or self.error
                if not wait or caught_up or clock.monotonic() > give_up:
                    return chosen
                self._cond.wait(0.2)

    def wait_ended(self, timeout: float) -> bool:
        """Wait until the decoding thread has ended (its film failed, or `close`), at most
        `timeout` seconds; whether it has. `error` is set before the end: the thread then
        still kills and reaps its FFmpeg processes."""
        give_up = clock.monotonic() + timeout
        with self._cond:
            while not self.ended and clock.monotonic() < give_up:
                self._cond.wait(0.2)
            return self.ended

    def close(self) -> None:
        """Stop decoding and end the FFmpeg processes (they may be blocked writing to us)."""
        with self._cond:
            self._stop = True
            self._cond.notify_all()
        with self._lock:
            children = list(self._children)
        for child in children:
            child.close()
        self._thread.join(timeout=2.0)

    @property
    def pids(self) -> list[int]:
        """The process ids of the FFmpeg children running now (for tests and reports)."""
        with self._lock:
            return [child.pid for child in self._children]
