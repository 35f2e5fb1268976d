"""`rate` is words per minute as heard, pauses included: each engine's setting for a rate is
found by rendering a reference paragraph and measuring it, not taken from the engine's word.

Measured here (2026-12), espeak-ng told 132 spoke 153 to 170 words a minute, and the neural
voice's own pace (length scale 1) articulates about 237. So each engine renders the
paragraph at two settings (`Backend.probes`), the length of its speech is measured (from
the first sound to the last, less our pauses), and a line is fitted through the two: speech
grows with the neural length scale (a + b x scale) and shrinks with espeak-ng's speed
(a + b / speed). For a rate, the speech the paragraph needs (its words at that rate, less
the pauses at that rate) gives the setting. Two renders once per engine and voice model,
kept in the cache's `calibration.json` (and for the process); render.assemble then fits each
line's pauses."""

from __future__ import annotations

import hashlib
import json
import os
import threading
from pathlib import Path

import numpy as np

from companion.audio.narration.phrasing import DEFAULT_RATE, clauses, pause_seconds
from companion.script.timing import word_count

# About sixty words of the kind of narration sessions have: short sentences, a few commas,
# one longer pause. (The tests measure a different paragraph.)
REFERENCE = (
    "Let your eyes close, or rest them softly on the floor in front of you. Take a slow "
    "breath in through your nose, and let it go. There is nothing you need to do right "
    "now... Notice where your body meets the chair. Feel your feet on the ground, heavy "
    "and warm. With each breath out, let your shoulders soften a little more."
)
FILE = "calibration.json"
_lock = threading.Lock()
# What this process measured, by engine: a measurement, like a loaded model, holds for the
# process (another cache folder need not measure the same engine again).
_measured: dict[str, list[list[float]]] = {}


class CalibrationFailed(Exception):
    """The engine could not render the reference paragraph."""


def spoken_seconds(samples: np.ndarray, rate: int) -> float:
    """From a line's first sound to its last (the silence before and after not counted)."""
    from companion.audio.narration.render import loud_span

    span = loud_span(samples, rate)
    return 0.0 if span is None else (span[1] - span[0]) / rate


def speech_seconds(backend, setting: float) -> float:
    """The reference's speech at `setting`: first sound to last, less our pauses."""
    from companion.audio.narration.render import assemble

    parts = clauses(REFERENCE)
    result: list = []
    backend.speak([parts], setting, lambda _index, spoken: result.append(spoken))
    if not result or isinstance(result[0], str):
        raise CalibrationFailed(
            backend.fatal or (result[0] if result else "the engine gave no sound")
        )
    line = assemble(result[0], parts, DEFAULT_RATE, backend.sample_rate, fit=False)
    seconds = spoken_seconds(line, backend.sample_rate) - pause_seconds(parts, DEFAULT_RATE)
    if seconds <= 0:
        raise CalibrationFailed("the engine gave silence")
    return seconds


def setting_for(backend, engine: str, words_per_minute: int, root: Path) -> float:
    """The engine's setting that speaks `words_per_minute` as heard."""
    name = f"{engine}/{hashlib.sha256(REFERENCE.encode()).hexdigest()[:8]}"
    path = root / FILE
    with _lock:
        points = _measured.get(name) or _read(path).get(name)
        if points is None:
            points = [
                [
                    probe,
                    round(max(speech_seconds(backend, probe) for _ in range(backend.repeats)), 4),
                ]
                for probe in backend.probes
            ]
            known = _read(path)
            known[name] = points
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(known, indent=1, sort_keys=True), encoding="utf-8")
            os.replace(tmp, path)
        _measured[name] = points
    (s1, t1), (s2, t2) = points
    x1, x2 = (1 / s1, 1 / s2) if backend.inverse else (s1, s2)
    slope = (t2 - t1) / (x2 - x1)
    parts = clauses(REFERENCE)
    needed = word_count(REFERENCE) * 60.0 / words_per_minute - pause_seconds(
        parts, words_per_minute
    )
    x = (needed - t1) / slope + x1 if slope else x1
    setting = 1 / x if backend.inverse and x > 0 else x
    low, high = backend.limits
    return float(min(high, max(low, setting))) if x > 0 else float(high if backend.inverse else low)


def _read(path: Path) -> dict[str, list[list[float]]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {
        k: v
        for k, v in data.items()
        if isinstance(v, list)
        and len(v) == 2
        and all(isinstance(p, list) and len(p) == 2 for p in v)
    }
