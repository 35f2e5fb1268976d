"""Telling a damaged sound file from a sound, before it is played.

libsndfile decodes what it can: a WAV cut short plays as a shorter file (its header said
more), an Ogg stream with a damaged page skips it, and a WAV whose samples were overwritten
decodes the garbage as full-scale noise. Played, the first is a click at the loop seam, the
second a jump, the third a blast. So each decoded file is checked here, and one that fails is
left out (silence on its bus, a warning) rather than played:

- it has fewer frames than its header declares (truncated, or a page lost mid-stream), or
  it is an Ogg stream whose last page is cut or is not marked as the end of the stream;
- it is not the length or is louder than what we know it must be (the library's manifest,
  the narration cache's ceiling);
- a stretch of it is loud noise with no correlation between neighbouring samples: random
  bytes, not sound (real sound at 44.1 kHz is smooth from sample to sample; nothing a
  session plays is white noise near full scale).
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

NOISE_BLOCK = 4096  # frames
NOISE_RMS = 10 ** (-9 / 20)  # a block this loud (about -9 dBFS RMS) ...
NOISE_CORRELATION = 0.2  # ... whose neighbouring samples are this unrelated is garbage
PEAK_MARGIN_DB = 1.0  # above the known peak: not the file that was made
LENGTH_TOLERANCE = 0.05  # s


class Damaged(Exception):
    """A file that decodes but is not the sound it should be; the message says how."""


def wav_declared_frames(path: Path) -> int | None:
    """Frames a RIFF/WAVE file's header declares (None: not a WAV, or a streaming header
    that declares no size)."""
    try:
        with open(path, "rb") as file:
            head = file.read(12)
            if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
                return None
            block_align = 0
            while True:
                chunk = file.read(8)
                if len(chunk) < 8:
                    return None
                name, size = chunk[:4], struct.unpack("<I", chunk[4:])[0]
                if name == b"fmt ":
                    fmt = file.read(size + (size & 1))
                    if len(fmt) >= 14:
                        block_align = struct.unpack("<H", fmt[12:14])[0]
                elif name == b"data":
                    if size in (0, 0xFFFFFFFF) or not block_align:
                        return None
                    return size // block_align
                else:
                    file.seek(size + (size & 1), 1)
    except OSError:
        return None


def ogg_problem(path: Path) -> str | None:
    """An Ogg file cut short: its last page incomplete, or not flagged end-of-stream (an
    encoder flags the last page; a copy cut at a page boundary has no such page). None when
    it ends as an Ogg stream should, or is no Ogg file."""
    try:
        with open(path, "rb") as file:
            if file.read(4) != b"OggS":
                return None
            file.seek(0, 2)
            size = file.tell()
            file.seek(max(0, size - 65536))
            tail = file.read()
    except OSError:
        return None
    at = tail.rfind(b"OggS\x00")
    if at < 0 or len(tail) - at < 27:
        return "damaged: it is cut short"
    segments = tail[at + 27 : at + 27 + tail[at + 26]]
    if len(segments) < tail[at + 26] or at + 27 + len(segments) + sum(segments) > len(tail):
        return "damaged: it is cut short"
    if not tail[at + 5] & 0x04:
        return "damaged: it ends before the end of its stream (cut short)"
    return None


def check_length(path: Path, declared: int, decoded: int, rate: int) -> None:
    """Raise Damaged when fewer frames decoded than the file declares, or an Ogg stream is
    cut short."""
    if (why := ogg_problem(path)) is not None:
        raise Damaged(why)
    header = wav_declared_frames(path) if path.suffix.lower() in (".wav", ".wave") else None
    expected = max(declared, header or 0)
    if decoded < expected:
        missing = (expected - decoded) / rate
        raise Damaged(f"damaged: {missing:.1f} s of its {expected / rate:.1f} s cannot be read")


def check_samples(
    data: np.ndarray, rate: int, *, seconds: float | None = None, peak_db: float | None = None
) -> None:
    """Raise Damaged when the decoded samples (float, frames x channels) are not a sound:
    another length or a louder peak than expected (when known), or loud noise."""
    if data.shape[0] == 0:
        raise Damaged("damaged: it holds no sound")
    if seconds is not None and abs(data.shape[0] / rate - seconds) > LENGTH_TOLERANCE:
        raise Damaged(
            f"damaged: {data.shape[0] / rate:.1f} s long where it should be {seconds:.1f} s"
        )
    if peak_db is not None:
        peak = float(np.max(np.abs(data)))
        if peak > 10 ** ((peak_db + PEAK_MARGIN_DB) / 20):
            raise Damaged(
                f"damaged: it peaks at {20 * np.log10(peak):.1f} dBFS where it should stay "
                f"under {peak_db:.1f}"
            )
    at = noise_at(data, rate)
    if at is not None:
        raise Damaged(f"damaged: loud noise at {at:.1f} s (garbage in the file, not sound)")


def noise_at(data: np.ndarray, rate: int) -> float | None:
    """The time (s) of the first block that is loud, uncorrelated noise, or None."""
    blocks = data.shape[0] // NOISE_BLOCK
    if blocks == 0:
        return None
    x = data[: blocks * NOISE_BLOCK].reshape(blocks, NOISE_BLOCK, -1)
    power = np.mean(np.square(x, dtype=np.float64), axis=(1, 2))
    loud = np.flatnonzero(power > NOISE_RMS**2)
    for index in loud:  # rare: only blocks near full scale are looked at closely
        block = x[index].astype(np.float64)
        lag = np.sum(block[1:] * block[:-1]) / max(np.sum(block * block), 1e-20)
        if abs(lag) < NOISE_CORRELATION:
            return index * NOISE_BLOCK / rate
    return None


__all__ = [
    "Damaged",
    "check_length",
    "check_samples",
    "noise_at",
    "ogg_problem",
    "wav_declared_frames",
]
