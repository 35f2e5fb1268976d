"""How a 360° film loops: decided once per file, the same for its picture
(stage/media/decode.py) and its sound (audio/film_sound.py), so that every pass of the
loop is one length for both and the two never drift apart.

A film whose last picture is its first again (nowhere more than SEAMLESS apart in
luminance) loops by itself: each pass is cut from its end to its start and lasts as long
as its pictures (their number over the frame rate). Any other film blends its last
LOOP_FADE seconds into its first ones: each pass lasts its length less the fade. A film of
at most four fades is always cut. The sound follows the picture's pass exactly: cut to its
length, or filled with silence if its track is shorter.

(Before, the picture found out that a film loops by itself at the end of its first pass and
cut it from then on, while its sound, which cannot see the pictures, kept blending: a second
apart at every pass.)

The decision takes FFmpeg (the binary imageio-ffmpeg ships, run as a separate process: it is
built with GPL parts, so it is never imported) a few tenths of a second: the film's first
and last pictures at 48x24 and a count of its pictures (copied, not decoded). It is made once
per file, size and date in this process (either side may ask first; the other waits for the
same answer). This module imports nothing of Companion's, so both adapters may use it."""

from __future__ import annotations

import re
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

LOOP_FADE = 1.0  # seconds of the end blended into the start
SEAMLESS = 8  # luma levels (of 255): the last picture differs from the first by no more
THUMB = (48, 24)  # columns, rows compared
TIMEOUT = 60.0


@dataclass(frozen=True)
class FilmLoop:
    period: float  # seconds of film from one pass's start to the next's
    fade: float  # seconds of its end blended into its start (0: cut)


_known: dict[tuple[str, int, int], FilmLoop] = {}
_lock = threading.Lock()


def film_loop(path: str | Path) -> FilmLoop:
    """How the film at `path` loops (its length and frame rate as FFmpeg says them)."""
    path = Path(path)
    try:
        stat = path.stat()
        key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    except OSError:
        key = (str(path), -1, -1)
    with _lock:  # one answer per file: the picture's thread and the sound's may both ask
        if key not in _known:
            _known[key] = _decide(path)
        return _known[key]


def _decide(path: Path) -> FilmLoop:
    duration, fps, pictures = _count_pictures(path)
    length = pictures / fps if pictures else duration
    if duration <= 4 * LOOP_FADE or _loops_by_itself(path):
        return FilmLoop(max(1.0 / fps, length), 0.0)
    return FilmLoop(max(1.0 / fps, duration - LOOP_FADE), LOOP_FADE)


def _ffmpeg(*arguments: str) -> subprocess.CompletedProcess[bytes] | None:
    import imageio_ffmpeg

    try:
        return subprocess.run(
            [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-nostdin", *arguments],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None


def _count_pictures(path: Path) -> tuple[float, float, int]:
    """The film's length (as `ffmpeg -i` says it), its first video stream's frame rate (30 if
    it says none a film is shown at, as the picture's decoder takes it) and its pictures
    (copied, not decoded; 0 if unknown)."""
    done = _ffmpeg("-i", str(path), "-map", "0:v:0", "-c", "copy", "-f", "null", "-")
    if done is None:
        return 0.0, 30.0, 0
    text = done.stderr.decode(errors="replace")
    duration = 0.0
    if found := re.search(r"Duration: (\d+):(\d\d):(\d\d(?:\.\d+)?)", text):
        duration = int(found[1]) * 3600 + int(found[2]) * 60 + float(found[3])
    fps = 30.0
    video = re.search(r"Stream #\d+:\d+.*?: Video: (.*)", text)
    if video and (rate := re.search(r"([\d.]+)(k?) (fps|tbr)", video[1])):
        fps = float(rate[1]) * (1000 if rate[2] else 1)
    if not 1.0 <= fps <= 240.0:
        fps = 30.0
    counts = re.findall(r"frame=\s*(\d+)", text)
    return duration, fps, int(counts[-1]) if counts else 0


def _thumb(path: Path, *before: str) -> np.ndarray | None:
    """The last picture FFmpeg decodes (from where `before` seeks to) as 48x24 luma."""
    scale = f"scale={THUMB[0]}:{THUMB[1]}:flags=area,format=gray"
    done = _ffmpeg(*before, "-i", str(path), "-map", "0:v:0", "-vf", scale, "-f", "rawvideo", "-")
    size = THUMB[0] * THUMB[1]
    if done is None or len(done.stdout) < size:
        return None
    return np.frombuffer(done.stdout[-size:], np.uint8).astype(np.int16)


def _loops_by_itself(path: Path) -> bool:
    first = _thumb(path, "-t", "0.001")
    last = _thumb(path, "-sseof", "-1")
    if first is None or last is None:
        return False
    return int(np.abs(last - first).max()) <= SEAMLESS
