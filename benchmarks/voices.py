"""The two narration engines side by side: the same paragraph, its rate as heard, its pitch
range and a spectrogram picture of each (for docs/sound.md).

    .venv/bin/python benchmarks/voices.py [--pictures docs/images]

Pitch: the fundamental of every voiced 40 ms frame by autocorrelation (70 to 250 Hz);
frames read an octave off the median are folded back; the range is from the 10th to the
90th percentile, in semitones. Silent gaps: digital silence of 20 to 250 ms inside the
speech (between words). Spectrogram: 0 to 8 kHz,
log magnitude over 70 dB, 23 ms windows, drawn with pygame (no plotting library)."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from companion.audio.narration.cache import NarrationCache  # noqa: E402
from companion.audio.narration.prepare import prepare_narration  # noqa: E402
from companion.script import require_script  # noqa: E402
from companion.script.timing import word_count  # noqa: E402

PARAGRAPH = (
    "Now bring your attention to your hands. Notice if they are warm or cool, heavy or "
    "light. You do not need to change anything. Simply notice, and let them rest... "
    "Let the breath move on its own, in and out, like a wave on the shore."
)

SCRIPT = """companion: 1
title: Comparison
voice: {{engine: {engine}, rate: {rate}}}
scenes:
  - id: one
    environment: shoreline
    steps:
      - say: "{text}"
"""


def render(engine: str, rate: int, cache: NarrationCache, folder: Path) -> tuple[np.ndarray, int]:
    import soundfile

    path = folder / f"{engine}-{rate}.yaml"
    path.write_text(SCRIPT.format(engine=engine, rate=rate, text=PARAGRAPH), encoding="utf-8")
    narration = prepare_narration(require_script(path), path, cache=cache)
    if narration.problem or PARAGRAPH not in narration.by_text:
        sys.exit(f"{engine}: {narration.problem or narration.failed}")
    audio, sample_rate = soundfile.read(str(narration.by_text[PARAGRAPH]))
    return audio, sample_rate


def heard_rate(audio: np.ndarray, rate: int) -> float:
    envelope = np.convolve(np.abs(audio), np.ones(rate // 100) / (rate // 100), mode="same")
    loud = np.flatnonzero(envelope > envelope.max() * 10 ** (-40 / 20))
    return word_count(PARAGRAPH) * 60 / ((loud[-1] - loud[0]) / rate)


CLOSES = [
    "You are safe here.",
    "Let your shoulders soften.",
    "Notice the sound of the water.",
    "There is nothing you need to do.",
]


def pitch_track(audio: np.ndarray, rate: int) -> tuple[np.ndarray, np.ndarray]:
    """(times, pitches) of the voiced frames (octave errors not folded)."""
    frame, hop = int(0.04 * rate), int(0.01 * rate)
    lo, hi = int(rate / 250), int(rate / 70)
    level = np.sqrt(np.mean(audio**2))
    times, found = [], []
    for start in range(0, audio.size - frame, hop):
        x = audio[start : start + frame]
        if np.sqrt(np.mean(x**2)) < 0.3 * level:
            continue
        x = x - x.mean()
        ac = np.correlate(x, x, mode="full")[frame - 1 :]
        if ac[0] <= 0:
            continue
        ac = ac / ac[0]
        best = float(ac[lo:hi].max())
        if best < 0.6:
            continue
        lag = lo + int(np.flatnonzero(ac[lo:hi] >= 0.9 * best)[0])
        times.append(start / rate)
        found.append(rate / lag)
    return np.array(times), np.array(found)


def falling_close(engine: str, cache: NarrationCache, folder: Path) -> float:
    """Semitones from a sentence's median pitch to the median of its last 0.3 s of voice,
    averaged over CLOSES (negative: it falls)."""
    import soundfile

    path = folder / f"close-{engine}.yaml"
    steps = "".join(f'      - say: "{line}"\n' for line in CLOSES)
    path.write_text(
        SCRIPT.split("      - say")[0].format(engine=engine, rate=110) + steps, encoding="utf-8"
    )
    narration = prepare_narration(require_script(path), path, cache=cache)
    drops = []
    for line in CLOSES:
        audio, rate = soundfile.read(str(narration.by_text[line]))
        times, f0 = pitch_track(audio, rate)
        median = np.median(f0)
        f0 = np.where(f0 > 1.6 * median, f0 / 2, np.where(f0 < median / 1.6, f0 * 2, f0))
        last = f0[times >= times[-1] - 0.3]
        drops.append(12 * np.log2(np.median(last) / np.median(f0)))
    return float(np.mean(drops))


def pitches(audio: np.ndarray, rate: int) -> np.ndarray:
    frame, hop = int(0.04 * rate), int(0.01 * rate)
    lo, hi = int(rate / 250), int(rate / 70)
    level = np.sqrt(np.mean(audio**2))
    found = []
    for start in range(0, audio.size - frame, hop):
        x = audio[start : start + frame]
        if np.sqrt(np.mean(x**2)) < 0.5 * level:
            continue
        x = x - x.mean()
        ac = np.correlate(x, x, mode="full")[frame - 1 :]
        if ac[0] <= 0:
            continue
        ac = ac / ac[0]
        best = float(ac[lo:hi].max())
        if best < 0.6:  # unvoiced
            continue
        # The shortest lag nearly as periodic as the best: no octave jumps down.
        lag = lo + int(np.flatnonzero(ac[lo:hi] >= 0.9 * best)[0])
        found.append(rate / lag)
    f0 = np.array(found)
    if f0.size:  # an octave error (a frame read at twice or half its pitch) folded back
        median = np.median(f0)
        f0 = np.where(f0 > 1.6 * median, f0 / 2, np.where(f0 < median / 1.6, f0 * 2, f0))
    return f0


def word_gaps(audio: np.ndarray, rate: int) -> int:
    """Runs of digital silence (exact zeros) of 20 to 250 ms: gaps between words inside a
    clause (the pauses between clauses are longer)."""
    zero = np.concatenate([[False], np.abs(audio) < 1 / 32768, [False]])
    edges = np.flatnonzero(np.diff(zero.astype(np.int8)))
    lengths = (edges[1::2] - edges[::2]) / rate
    return int(np.sum((lengths >= 0.02) & (lengths < 0.25)))


def spectrogram_png(audio: np.ndarray, rate: int, out: Path, seconds: float = 12.0) -> None:
    import os

    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    import pygame

    audio = audio[: int(seconds * rate)]
    window, hop = 512, 128
    frames = [
        audio[i : i + window] * np.hanning(window) for i in range(0, audio.size - window, hop)
    ]
    spec = np.abs(np.fft.rfft(np.array(frames), axis=1))
    top = int(8000 / (rate / window))
    db = 20 * np.log10(spec[:, :top] + 1e-9)
    db = np.clip((db - (db.max() - 70)) / 70, 0, 1)
    image = (db[:, ::-1] * 255).astype(np.uint8)  # (time, frequency), high frequencies at the top
    rgb = np.stack([image * 0.55, image * 0.85, image], axis=2).astype(np.uint8)
    surface = pygame.transform.smoothscale(pygame.surfarray.make_surface(rgb), (960, 240))
    pygame.image.save(surface, str(out))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--pictures", metavar="DIR", help="write voice-neural.png and voice-espeak.png here"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        cache = NarrationCache(Path(folder) / "cache")
        print(
            f"{'engine':10} {'rate':>5} {'heard':>6} {'pitch range':>12} {'median':>7} "
            f"{'silent gaps':>12}"
        )
        for engine in ("neural", "espeak"):
            for rate in (90, 110, 140):
                audio, sample_rate = render(engine, rate, cache, Path(folder))
                f0 = pitches(audio, sample_rate)
                span = 12 * np.log2(np.percentile(f0, 90) / np.percentile(f0, 10))
                print(
                    f"{engine:10} {rate:>5} {heard_rate(audio, sample_rate):>6.1f} {span:>9.1f} st "
                    f"{np.median(f0):>5.0f} Hz {word_gaps(audio, sample_rate):>12}"
                )
                if rate == 110:
                    print(
                        f"{'':10} sentence close: "
                        f"{falling_close(engine, cache, Path(folder)):+.1f} semitones "
                        "(last 0.3 s against the sentence's median)"
                    )
                if args.pictures and rate == 110:
                    spectrogram_png(audio, sample_rate, Path(args.pictures) / f"voice-{engine}.png")


if __name__ == "__main__":
    main()
