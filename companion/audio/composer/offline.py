"""Rendering a piece to a file (`companion music render`): in chunks straight to the encoder,
so memory stays flat for hours of music; the last seconds fade out (a file should not stop
mid-phrase). The composer already holds the music bus's loudness."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import numpy as np

from companion.audio.signal import SAMPLE_RATE

FORMATS = {".wav": ("WAV", "PCM_16"), ".ogg": ("OGG", "VORBIS"), ".flac": ("FLAC", "PCM_16")}
WRITE = 32768  # frames per write: libvorbis (via libsndfile) crashes on very large writes
FADE_SECONDS = 6.0


def render_to_file(
    piece: str,
    seconds: float,
    out: Path,
    seed: int = 0,
    energy: float = 0.5,
    tone: float = 0.0,
    progress: Callable[[float], None] | None = None,
) -> None:
    """Write `seconds` of `piece` to `out` (.wav, .ogg or .flac), atomically."""
    import soundfile

    from companion.audio.composer import Composer

    kind, subtype = FORMATS[out.suffix.lower()]
    composer = Composer(piece, seed=seed, energy=energy, tone=tone)
    total = int(round(seconds * SAMPLE_RATE))
    fade = min(int(FADE_SECONDS * SAMPLE_RATE), total // 4)
    tmp = out.with_name(f".{out.stem}.{os.getpid()}.tmp{out.suffix}")
    try:
        with soundfile.SoundFile(tmp, "w", SAMPLE_RATE, 2, format=kind, subtype=subtype) as f:
            done = 0
            while done < total:
                n = min(WRITE, total - done)
                x = composer.render(n)
                fading = np.arange(done, done + n) - (total - fade)
                if fading[-1] >= 0:
                    x = x * np.cos(np.pi / 2 * np.clip(fading / max(1, fade), 0, 1))[
                        :, None
                    ].astype(np.float32)
                f.write(x)
                done += n
                if progress:
                    progress(done / total)
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
