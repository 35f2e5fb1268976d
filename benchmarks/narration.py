"""How many times faster than real time the bundled sessions' narration renders.

    .venv/bin/python benchmarks/narration.py [SCRIPT...]   (default: scenes/*.yaml)

Cold: an empty cache, every line synthesised (pyttsx3 + espeak-ng in child processes),
trimmed and levelled. Warm: the same again, every line found in the cache (no synthesis).
The ratio is seconds of speech per second of wall time. Goal: cold at least 50x; warm with
no line synthesised."""

from __future__ import annotations

import argparse
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


def run(paths: list[Path], cache: NarrationCache) -> tuple[float, float, int, int]:
    speech = rendered = reused = 0
    started = time.perf_counter()
    for path in paths:
        loaded = load_script(path)
        if not loaded.ok:
            print(f"skipping {path}: it has errors", file=sys.stderr)
            continue
        narration = prepare_narration(loaded.script, path, cache=cache)
        if narration.problem:
            sys.exit(f"{path}: {narration.problem}")
        speech += narration.speech_seconds
        rendered += narration.rendered
        reused += narration.reused
    return speech, time.perf_counter() - started, rendered, reused


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scripts", nargs="*")
    args = parser.parse_args()
    paths = scripts(args.scripts)
    print(f"sessions: {', '.join(p.name for p in paths)}")
    with tempfile.TemporaryDirectory() as folder:
        cache = NarrationCache(folder)
        speech, cold, rendered, _ = run(paths, cache)
        print(f"cold: {rendered} lines synthesised, {speech:.1f} s of speech in {cold:.2f} s "
              f"= {speech / cold:.0f}x real time (goal: at least 50x)")
        speech, warm, rendered, reused = run(paths, cache)
        print(f"warm: {rendered} lines synthesised, {reused} reused, {speech:.1f} s of speech in {warm:.3f} s "
              f"= {speech / warm:.0f}x real time (goal: nothing synthesised)")
    from results import emit  # benchmarks/results.py, beside this file

    emit("narration render, cold", round(speech / cold), "x real time", ">= 50x", speech / cold >= 50,
         f"{speech:.0f} s of speech")
    emit("narration render, warm", round(speech / warm), "x real time", "nothing synthesised", rendered == 0,
         f"{rendered} synthesised, {reused} reused")


if __name__ == "__main__":
    main()
