"""Spectrogram pictures of the pieces for docs/sound.md, numpy and zlib only (a PNG writer of
a dozen lines: no imaging library needed).

    .venv/bin/python -m companion.audio.composer.pictures [--minutes 3] [--out docs/images]

Each picture: time left to right, frequency bottom to top on a log scale from 40 Hz to
8 kHz, faint lines at 100 Hz and 1 kHz and every minute; colour is level, 60 dB from black
to pale yellow."""

from __future__ import annotations

import argparse
import struct
import zlib
from pathlib import Path

import numpy as np

from companion.audio.signal import SAMPLE_RATE

LOW, HIGH, RANGE_DB = 40.0, 8000.0, 60.0
STOPS = np.array(
    [(0, 0, 0), (40, 15, 90), (140, 30, 120), (230, 90, 60), (250, 190, 70), (252, 250, 200)], float
)


def spectrogram(x: np.ndarray, width: int = 900, height: int = 260) -> np.ndarray:
    """(height, width, 3) uint8 picture of `x` (frames, channels)."""
    mono = x.mean(axis=1) if x.ndim == 2 else x
    size, hop = 4096, 1024
    frames = 1 + max(0, mono.size - size) // hop
    window = np.hanning(size)
    index = np.arange(size)[None, :] + hop * np.arange(frames)[:, None]
    power = np.abs(np.fft.rfft(mono[index] * window, axis=1)) ** 2
    freqs = np.fft.rfftfreq(size, 1.0 / SAMPLE_RATE)
    edges = np.geomspace(LOW, HIGH, height + 1)
    # band means from the running integral of power over frequency: exact for wide bands,
    # an interpolation for bands narrower than a bin (the lowest rows)
    step = freqs[1]
    integral = np.concatenate([np.zeros((frames, 1)), np.cumsum(power, axis=1) * step], axis=1)
    grid = np.concatenate([[0.0], freqs + step / 2])
    at_edges = np.stack([np.interp(edges, grid, integral[k]) for k in range(frames)])
    rows = np.diff(at_edges, axis=1) / np.diff(edges)
    columns = np.array_split(np.arange(frames), width)
    image = np.stack([rows[c].mean(axis=0) for c in columns], axis=1)[::-1]  # low at the bottom
    level = 10 * np.log10(image + 1e-20)
    level = np.clip((level - (level.max() - RANGE_DB)) / RANGE_DB, 0, 1)
    pos = level * (len(STOPS) - 1)
    i = np.minimum(pos.astype(int), len(STOPS) - 2)
    frac = (pos - i)[..., None]
    rgb = STOPS[i] * (1 - frac) + STOPS[i + 1] * frac
    for f in (100.0, 1000.0):
        row = height - 1 - int(np.searchsorted(edges, f) - 1)
        rgb[row] = rgb[row] * 0.6 + 255 * 0.4 * 0.5
    seconds = mono.size / SAMPLE_RATE
    for minute in range(1, int(seconds // 60) + 1):
        col = int(minute * 60 / seconds * width)
        if col < width:
            rgb[:, col] = rgb[:, col] * 0.6 + 255 * 0.4 * 0.5
    return rgb.astype(np.uint8)


def write_png(path: Path, rgb: np.ndarray) -> None:
    height, width, _ = rgb.shape
    raw = b"".join(b"\x00" + rgb[y].tobytes() for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def main(argv: list[str] | None = None) -> int:
    from companion.audio.composer import RECIPES, Composer

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=3.0)
    parser.add_argument("--out", type=Path, default=Path("docs/images"))
    parser.add_argument("pieces", nargs="*", default=list(RECIPES))
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for name in args.pieces:
        composer = Composer(name, seed=1)
        audio = composer.render(int(args.minutes * 60 * SAMPLE_RATE))
        path = args.out / f"music-{name}.png"
        write_png(path, spectrogram(audio))
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
