"""FFmpeg as a separate process: the films' decoder and prober.

Licence: the ffmpeg binary that imageio-ffmpeg (BSD-2) ships is built with GPL parts
(libx264, libx265), so it is only ever run as a child process whose output is read here,
never imported or linked (Companion is MIT; PyAV, which loaded such an FFmpeg into this
process, was dropped for that reason).

The child is always ended: `Child.close()` kills it (scene change, session end), and it
writes its pictures into a pipe whose reading end belongs to this process, so if this
process dies (even by SIGKILL) the next write fails and FFmpeg ends (its stdin is closed and
`-nostdin` set: it waits for nothing else). Its messages go to a temporary file, not a pipe,
so a film that makes it talk a lot cannot block it."""

from __future__ import annotations

import io
import logging
import re
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import cast

log = logging.getLogger("companion.stage")
PROBE_TIMEOUT = 30.0
DECODE_THREADS = 2


class FFmpegError(ValueError):
    """FFmpeg could not open or decode a file; the message is its own reason, one line."""


def binary() -> str:
    """The ffmpeg program imageio-ffmpeg installed (or IMAGEIO_FFMPEG_EXE, if set)."""
    import imageio_ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_exe())


@dataclass(frozen=True)
class Probe:
    width: int
    height: int
    fps: float
    duration: float
    codec: str  # "none" when there is no decoder here
    tag: str  # the file's own name for the codec (its fourcc), "" if not said
    pixels: str
    has_sound: bool


_STREAM = re.compile(r"Stream #\d+:\d+.*?: Video: (?P<rest>.*)")
_DURATION = re.compile(r"Duration: (\d+):(\d\d):(\d\d(?:\.\d+)?)")
_SIZE = re.compile(r"(?<![\dx])(\d{2,5})x(\d{2,5})(?![\dx])")
_FPS = re.compile(r"([\d.]+)(k?) (fps|tbr)")


_NOISE = (
    "Terminating thread",
    "Task finished",
    "Nothing was written",
    "Could not open encoder",
    "output file",
    "At least one",
)


def _reason(text: str, default: str) -> str:
    """FFmpeg's telling line among its messages: a decoding error first, else an error, else
    its last line (without its "[h264 @ 0x...]" prefixes)."""
    lines = [re.sub(r"^(\[[^\]]*\]\s*)+", "", line.strip()) for line in text.splitlines()]
    lines = [line for line in lines if line and not any(noise in line for noise in _NOISE)]
    for wanted in (r"decod\w* error", r"error|invalid"):
        for line in lines:
            if re.search(wanted, line, re.IGNORECASE):
                return line[:200]
    return lines[-1][:200] if lines else default


def probe(path: str | Path) -> Probe:
    """What `ffmpeg -i` says of a film's first video stream; raises FFmpegError when it
    cannot open the file or finds no video in it."""
    try:
        result = subprocess.run(
            [binary(), "-hide_banner", "-nostdin", "-i", str(path)],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            errors="replace",
            timeout=PROBE_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise FFmpegError(f"ffmpeg took more than {PROBE_TIMEOUT:.0f} s to open it") from None
    text = result.stderr
    video = _STREAM.search(text)
    if video is None:
        if "Input #0" in text:
            raise FFmpegError("it holds no video")
        raise FFmpegError(_reason(text, "ffmpeg cannot open it"))
    rest = video.group("rest")
    codec = rest.split(",")[0].split(" ")[0].strip()
    tag_match = re.search(r"\((\w{4}) / 0x", rest)
    parts = [p.strip() for p in re.split(r",(?![^(]*\))", rest)]
    pixels = parts[1].split("(")[0].strip() if len(parts) > 1 else "unknown"
    size = _SIZE.search(rest)
    if size is None:
        raise FFmpegError("ffmpeg does not say how large its pictures are")
    fps = 30.0
    for value, kilo, _ in _FPS.findall(rest):
        fps = float(value) * (1000 if kilo else 1)
        break
    if not 1.0 <= fps <= 240.0:  # not a rate a film is shown at: FFmpeg is asked for 30
        fps = 30.0
    duration = 0.0
    if found := _DURATION.search(text):
        hours, minutes, seconds = found.groups()
        duration = int(hours) * 3600 + int(minutes) * 60 + float(seconds)
    has_sound = re.search(r"Stream #\d+:\d+.*?: Audio:", text) is not None
    return Probe(
        int(size.group(1)),
        int(size.group(2)),
        fps,
        duration,
        codec,
        tag_match.group(1) if tag_match else "",
        pixels,
        has_sound,
    )


class Child:
    """One `ffmpeg` reading `path` and writing raw yuv420p pictures of `size` to our pipe,
    at `fps` a second (frames repeated or dropped to hold that rate). `stop_on_error`: a
    damaged picture ends it with an error (the check) rather than being played over (the
    stage); `seconds`: only the film's first seconds; `scaling`: FFmpeg's scaler ("neighbor":
    a pixel taken, none mixed, the cheapest)."""

    def __init__(
        self,
        path: str | Path,
        size: tuple[int, int],
        fps: float,
        *,
        stop_on_error: bool = False,
        seconds: float | None = None,
        scaling: str = "bilinear",
    ) -> None:
        width, height = size
        self.frame_bytes = width * height + 2 * ((width + 1) // 2) * ((height + 1) // 2)
        self._log = tempfile.TemporaryFile()
        command = [binary(), "-hide_banner", "-nostdin", "-v", "error"]
        if stop_on_error:
            command += ["-xerror"]
        # two decoding threads, not FFmpeg's default of one per core and one more: the same CPU
        # time for a 3840x1920 film (1.95 s for 180 pictures), 115 MB resident instead of
        # 150 (each thread holds pictures in flight; at a loop's seam two processes run)
        command += ["-threads", str(DECODE_THREADS)]
        command += [
            "-i",
            str(path),
            "-map",
            "0:v:0",
            "-an",
            "-sn",
            "-dn",
            "-vf",
            f"scale={width}:{height}:flags={scaling}",
            "-r",
            f"{fps:.6g}",
            "-pix_fmt",
            "yuv420p",
        ]
        if seconds is not None:
            command += ["-t", f"{seconds:.3f}"]
        command += ["-f", "rawvideo", "pipe:1"]
        self.process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self._log,
            bufsize=0,
            close_fds=True,
            # not in our process group: a Ctrl-C meant for Companion
            # is Companion's to handle; it ends this child itself
            start_new_session=True,
        )
        self._lock = threading.Lock()
        self.closed = False

    @property
    def pid(self) -> int:
        return self.process.pid

    def frames(self) -> Iterator[bytearray]:
        """Each picture's bytes (Y, then U, then V) until the film ends; raises FFmpegError
        if FFmpeg stopped on an error (what it had decoded before is still given)."""
        assert self.process.stdout is not None
        stream = cast(io.RawIOBase, self.process.stdout)  # unbuffered (bufsize=0): a FileIO
        while not self.closed:
            buffer = bytearray(self.frame_bytes)
            view = memoryview(buffer)
            got = 0
            while got < self.frame_bytes:
                try:
                    n = stream.readinto(view[got:])
                except (OSError, ValueError):  # closed under us: close() was called
                    n = 0
                if not n:
                    break
                got += n
            if got < self.frame_bytes:
                break
            yield buffer  # a new buffer each time: the pictures handed on are not overwritten
        if self.closed:
            return
        code = self.process.wait()
        if code != 0:
            raise FFmpegError(_reason(self.errors(), f"ffmpeg stopped (exit status {code})"))

    def errors(self) -> str:
        try:
            self._log.seek(0)
            return self._log.read().decode("utf-8", "replace")
        except (OSError, ValueError):
            return ""

    def close(self) -> None:
        """End the child now (it may be blocked writing to us) and reap it."""
        with self._lock:
            if self.closed:
                return
            self.closed = True
        if self.process.poll() is None:
            self.process.kill()
        try:
            self.process.wait(timeout=5.0)
        except subprocess.TimeoutExpired:  # a kill not taken within 5 s: nothing more to do
            log.warning("ffmpeg (pid %d) did not end within 5 s of being killed", self.process.pid)
        if self.process.stdout is not None:
            self.process.stdout.close()
        self._log.close()
