"""How many times faster than real time the bundled sessions' narration renders.

    .venv/bin/python benchmarks/narration.py [SCRIPT...]   (default: scenes/*.yaml)

Cold: an empty cache, every line synthesised, with each engine: the neural voice (the
default for English: a Piper model run by onnxruntime, phonemes from espeak-ng) and espeak-ng
(pyttsx3 in child processes), clause by clause, joined with pauses and levelled. The
engines' rate calibration is reported on its own (once per engine and voice model, kept in
the cache). CPU time is reported too: it does not depend on what else the machine runs.
Warm: the same again, every line found in the cache (no synthesis). The ratio is seconds of
speech per second of wall time. Goals: neural cold at least 10x; espeak-ng is
reported; warm with no line synthesised."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from companion.audio.narration.cache import NarrationCache  # noqa: E402
from companion.audio.narration.prepare import prepare_narration  # noqa: E402
from companion.script import load_script  # noqa: E402

SPEC_EXAMPLE = Path(__file__).resolve().parent.parent / "docs" / "format.md"


def scripts(paths: list[str]) -> list[Path]:
    if paths:
        return [Path(p) for p in paths]
    found = sorted((ROOT / "scenes").glob("*.yaml"))
    if found:
        return found
    # Until the bundled sessions exist: the format spec's whole example.
    text = SPEC_EXAMPLE.read_text(encoding="utf-8")
    example = text.split("```yaml", 1)[1].split("```", 1)[0]
    path = Path(tempfile.mkdtemp()) / "spec-example.yaml"
    path.write_text(example, encoding="utf-8")
    return [path]


def cpu_seconds() -> float:
    """CPU time of this process (every thread) and its ended children (espeak-ng's)."""
    import resource

    own, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def run(
    paths: list[Path], cache: NarrationCache, engine: str = "auto"
) -> tuple[float, float, int, int]:
    speech = rendered = reused = 0
    started = time.perf_counter()
    for path in paths:
        loaded = load_script(path)
        if not loaded.ok:
            print(f"skipping {path}: it has errors", file=sys.stderr)
            continue
        script = loaded.script
        script = script.model_copy(
            update={"voice": script.voice.model_copy(update={"engine": engine})}
        )
        narration = prepare_narration(script, path, cache=cache)
        if narration.problem:
            sys.exit(f"{path}: {narration.problem}")
        speech += narration.speech_seconds
        rendered += narration.rendered
        reused += narration.reused
    return speech, time.perf_counter() - started, rendered, reused


def calibrate(paths: list[Path], cache: NarrationCache, engine: str) -> float:
    """Render the calibration for every rate the scripts use (so `cold` times speech alone)."""
    from companion.audio.narration import calibrate as cal
    from companion.audio.narration.render import backend_for, engine_id
    from companion.audio.voices import choose_speaker

    started = time.perf_counter()
    for path in paths:
        script = load_script(path).script
        if script is None:
            continue
        script = script.model_copy(
            update={"voice": script.voice.model_copy(update={"engine": engine})}
        )
        speaker = choose_speaker(script, path.parent)
        cache.root.mkdir(parents=True, exist_ok=True)
        cal.setting_for(
            backend_for(speaker, cache), engine_id(speaker=speaker), script.voice.rate, cache.root
        )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scripts", nargs="*")
    args = parser.parse_args()
    paths = scripts(args.scripts)
    print(f"sessions: {', '.join(p.name for p in paths)}")
    from results import emit  # benchmarks/results.py, beside this file

    for engine, name, goal in (("auto", "neural", 10), ("espeak", "espeak-ng", None)):
        with tempfile.TemporaryDirectory() as folder:
            cache = NarrationCache(folder)
            setup = calibrate(paths, cache, engine)
            cpu = cpu_seconds()
            speech, cold, rendered, _ = run(paths, cache, engine)
            cpu = cpu_seconds() - cpu
            print(f"{name} calibration: {setup:.2f} s (once per engine and model)")
            print(
                f"{name} cold: {rendered} lines synthesised, {speech:.1f} s of speech in "
                f"{cold:.2f} s "
                f"= {speech / cold:.1f}x real time"
                + (f" (goal: at least {goal}x)" if goal else "")
                + f"; {cpu:.1f} CPU seconds = {speech / cpu:.1f}x real time per core (load average "
                f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)"
            )
            emit(
                f"narration render, {name}, cold",
                round(speech / cold, 1),
                "x real time",
                f">= {goal}x" if goal else "reported",
                speech / cold >= goal if goal else True,
                f"{speech:.0f} s of speech; calibration {setup:.1f} s once",
            )
            if engine == "auto":
                speech, warm, rendered, reused = run(paths, cache, engine)
                print(
                    f"warm: {rendered} lines synthesised, {reused} reused, {speech:.1f} s of "
                    "speech in "
                    f"{warm:.3f} s = {speech / warm:.0f}x real time (goal: nothing synthesised)"
                )
                emit(
                    "narration render, warm",
                    round(speech / warm),
                    "x real time",
                    "nothing synthesised",
                    rendered == 0,
                    f"{rendered} synthesised, {reused} reused",
                )


if __name__ == "__main__":
    main()
