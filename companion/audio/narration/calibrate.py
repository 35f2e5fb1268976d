"""`rate` is words per minute as heard, pauses included: each engine's setting for a rate is
found by rendering a reference paragraph and measuring it, not taken from the engine's word.

Measured here (2026-12), espeak-ng told 132 spoke 153 to 170 words a minute, and the neural
voice's own pace (length scale 1) is about 150 with our pauses. So for a rate the engine
renders the paragraph at a first guess, the span from its first sound to its last is
measured, and the setting is corrected until the paragraph comes out within 2% of the rate
(two or three renders). The result is kept per engine and rate in the cache's
`calibration.json`, so this happens once per engine, voice model and rate."""

from __future__ import annotations

import hashlib
import json
import os
import threading
from pathlib import Path

import numpy as np

from companion.audio.narration.phrasing import clauses, pause_seconds, word_count

# About sixty words of the kind of narration sessions have: short sentences, a few commas,
# one longer pause. (The tests measure a different paragraph.)
REFERENCE = ("Let your eyes close, or rest them softly on the floor in front of you. Take a slow "
             "breath in through your nose, and let it go. There is nothing you need to do right "
             "now... Notice where your body meets the chair. Feel your feet on the ground, heavy "
             "and warm. With each breath out, let your shoulders soften a little more.")
TOLERANCE = 0.02
ROUNDS = 4
FILE = "calibration.json"
_lock = threading.Lock()


class CalibrationFailed(Exception):
    """The engine could not render the reference paragraph."""


def spoken_seconds(samples: np.ndarray, rate: int) -> float:
    """From a line's first sound to its last (the silence before and after not counted)."""
    from companion.audio.narration.render import loud_span

    span = loud_span(samples, rate)
    return 0.0 if span is None else (span[1] - span[0]) / rate


def measure(backend, setting: float, words_per_minute: int) -> float:
    """Words per minute as heard when the reference is rendered at `setting`."""
    from companion.audio.narration.render import assemble

    parts = clauses(REFERENCE)
    result: list = []
    backend.speak([parts], setting, lambda _index, spoken: result.append(spoken))
    if not result or isinstance(result[0], str):
        raise CalibrationFailed(backend.fatal or (result[0] if result else "the engine gave no sound"))
    line = assemble(result[0], parts, words_per_minute, backend.sample_rate, fit=False)
    seconds = spoken_seconds(line, backend.sample_rate)
    if seconds <= 0:
        raise CalibrationFailed("the engine gave silence")
    return word_count(REFERENCE) * 60.0 / seconds


def setting_for(backend, engine: str, words_per_minute: int, root: Path) -> float:
    """The engine's setting that speaks `words_per_minute` as heard (kept in root/FILE)."""
    path = root / FILE
    name = f"{engine}/{hashlib.sha256(REFERENCE.encode()).hexdigest()[:8]}@{words_per_minute}"
    with _lock:
        known = _read(path)
        if name in known:
            return float(known[name])
        parts = clauses(REFERENCE)
        pauses = pause_seconds(parts, words_per_minute)
        wanted_total = word_count(REFERENCE) * 60.0 / words_per_minute
        setting = backend.first_guess(words_per_minute)
        for _ in range(ROUNDS):
            heard = measure(backend, setting, words_per_minute)
            if abs(heard / words_per_minute - 1) <= TOLERANCE:
                break
            total = word_count(REFERENCE) * 60.0 / heard
            # Only the speech stretches with the setting; the pauses are ours.
            setting = backend.adjust(setting, max(0.1, total - pauses), max(0.1, wanted_total - pauses))
        known = _read(path)
        known[name] = round(setting, 4)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(known, indent=1, sort_keys=True), encoding="utf-8")
        os.replace(tmp, path)
        return setting


def _read(path: Path) -> dict[str, float]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {k: v for k, v in data.items() if isinstance(v, (int, float))} if isinstance(data, dict) else {}
