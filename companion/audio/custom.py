"""A clinic's own sound files: music, ambience and recorded lines that a script names by path.

Each is opened as a whole before it is trusted, read in blocks (an hour of music is never held
in memory): it must be a sound libsndfile can decode, hold some sound, be as long as its
header says and not turn into loud noise part-way (damage.py), so `companion check` can say
so at the line that names it, instead of the session going silent.

A clinic's files come at any level: a film soundtrack mastered at -14 LUFS would drown the
narration, a field recording at -35 LUFS would vanish under it. So before a session each
music and ambience file is brought to its bus's loudness (the level the library's own sounds
are made at) and kept in a cache, like narration: the levelled copy (FLAC, the file's own
rate and channels) is keyed by the file's path, size, date and the target, so a changed file
is levelled again and an unchanged one costs a `stat`. A mono file is levelled as dual-mono
(it plays on both channels). The gain is lowered if it would take a peak over -1 dBFS (no
limiter: a whole mix is not squeezed). Recorded lines are levelled as they are decoded
(sounds.py, to the narration's -19 LUFS); they are checked here too.

    levelled_path(path, "music")   # the cached levelled copy, or `path` itself if none
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from companion.audio.damage import Damaged, noise_at, ogg_problem, wav_declared_frames
from companion.audio.library import TARGETS
from companion.audio.loudness import (
    ABSOLUTE_GATE,
    BLOCK_SECONDS,
    DUAL_MONO_DB,
    RELATIVE_GATE,
    SILENCE,
    STEP_SECONDS,
    _k_response,
)
from companion.audio.signal import fast_length
from companion.script.findings import Severity
from companion.script.models import (
    Script,
)
from companion.script.sound_files import Reference, mark_of, references
from companion.script.yaml_source import Mark, Source

# The library's music is three layers whose blend at the default intensity comes to about
# -21.5 LUFS (library.py); a clinic's piece is one finished mix, levelled to that blend.
TARGETS_BY_BUS = {
    "music": -21.5,
    "ambience": TARGETS["ambience"],
    "narration": TARGETS["narration"],
}
PEAK_CEILING = 10 ** (-1.0 / 20)  # -1 dBFS
READ_FRAMES = 1 << 16
LEAD_SECONDS = 0.5  # samples before each block filtered with it, so the K-weighting runs on
VERSION = 1  # of the levelling: a change makes every cached copy stale


class NotASound(ValueError):
    """The file is not one libsndfile can decode (not audio, or an unknown format)."""


@dataclass(frozen=True)
class SoundFacts:
    seconds: float
    rate: int
    channels: int
    loudness: float  # LUFS as heard (a mono file played on both channels: +3.01 dB)
    peak: float  # sample peak, linear

    @property
    def length(self) -> str:
        minutes, seconds = divmod(round(self.seconds), 60)
        return f"{minutes}:{seconds:02d}" if self.seconds >= 1 else f"{self.seconds:.2f} s"


class LoudnessMeter:
    """BS.1770 gated integrated loudness fed block by block (loudness.integrated_loudness
    needs the whole signal at once). Each block is K-weighted by FFT together with the
    LEAD_SECONDS before it, so the filter has settled where the block starts; the weighted
    power is summed per 100 ms step, and the 400 ms gating blocks are sums of four steps."""

    def __init__(self, rate: int, channels: int) -> None:
        self.rate = rate
        self.step = int(STEP_SECONDS * rate)
        self.weights = np.array(
            [1.0, 1.0, 1.0, 1.41, 1.41][:channels] + [1.0] * max(0, channels - 5)
        )
        self._lead = np.zeros((0, channels))
        self._carry = np.zeros(0)
        self._steps: list[np.ndarray] = []

    def add(self, block: np.ndarray) -> None:
        x = np.concatenate([self._lead, np.asarray(block, dtype=np.float64)])
        n = fast_length(x.shape[0] + int(0.5 * self.rate))
        spectrum = np.fft.rfft(x, n=n, axis=0)
        spectrum *= _k_response(n, self.rate)[:, None]
        weighted = np.fft.irfft(spectrum, n=n, axis=0)[self._lead.shape[0] : x.shape[0]]
        self._lead = x[-int(LEAD_SECONDS * self.rate) :]
        power = np.concatenate([self._carry, (weighted**2) @ self.weights])
        whole = power.size // self.step * self.step
        self._steps.append(power[:whole].reshape(-1, self.step).sum(axis=1))
        self._carry = power[whole:]

    def loudness(self) -> float:
        steps = np.concatenate(self._steps + [np.zeros(0)])
        if self._carry.size:
            steps = np.append(steps, self._carry.sum())
        per_block = round(BLOCK_SECONDS / STEP_SECONDS)
        if steps.size < per_block:  # shorter than one block: measured padded with silence
            steps = np.concatenate([steps, np.zeros(per_block - steps.size)])
        cumulative = np.concatenate([[0.0], np.cumsum(steps)])
        blocks = (cumulative[per_block:] - cumulative[:-per_block]) / (per_block * self.step)
        with np.errstate(divide="ignore"):
            levels = -0.691 + 10 * np.log10(blocks)
        kept = blocks[levels > ABSOLUTE_GATE]
        if kept.size == 0:
            return SILENCE
        relative = -0.691 + 10 * np.log10(kept.mean()) + RELATIVE_GATE
        kept = blocks[(levels > ABSOLUTE_GATE) & (levels > relative)]
        return float(-0.691 + 10 * np.log10(kept.mean()))


def _open(path: Path) -> Any:  # a soundfile.SoundFile
    import soundfile

    try:
        return soundfile.SoundFile(str(path))
    except (RuntimeError, TypeError, ValueError) as exc:  # libsndfile's are RuntimeErrors
        detail = str(getattr(exc, "error_string", exc)).strip().rstrip(".")
        raise NotASound(
            f"{path.name} is not a sound file this program can play ({detail})"
        ) from None


def measure(path: Path) -> SoundFacts:
    """Open and read a whole sound file in blocks: its length and loudness. Raises NotASound,
    Damaged (empty, cut short, noise) or OSError (unreadable), each with a message that names
    the file."""
    if (why := ogg_problem(path)) is not None:
        raise Damaged(f"{path.name} is {why}")
    with _open(path) as file:
        declared, rate, channels = file.frames, file.samplerate, file.channels
        meter = LoudnessMeter(rate, channels)
        frames, peak = 0, 0.0
        try:
            for block in file.blocks(READ_FRAMES, dtype="float32", always_2d=True):
                if (at := noise_at(block, rate)) is not None:
                    at += frames / rate
                    raise Damaged(
                        f"{path.name} is damaged: loud noise at {at:.1f} s (garbage, not sound)"
                    )
                meter.add(block)
                peak = max(peak, float(np.max(np.abs(block))) if block.size else 0.0)
                frames += block.shape[0]
        except RuntimeError as exc:  # libsndfile stopped part-way
            raise Damaged(f"{path.name} is damaged after {frames / rate:.1f} s ({exc})") from None
    if frames == 0:
        raise Damaged(f"{path.name} holds no sound (it is empty)")
    header = wav_declared_frames(path) if path.suffix.lower() in (".wav", ".wave") else None
    expected = max(declared, header or 0)
    if frames < expected:
        raise Damaged(
            f"{path.name} is damaged: cut short, {(expected - frames) / rate:.1f} s of its "
            f"{expected / rate:.1f} s cannot be read"
        )
    loudness = meter.loudness()
    if channels == 1 and loudness > SILENCE:
        loudness += DUAL_MONO_DB  # played on both channels
    return SoundFacts(frames / rate, rate, channels, loudness, peak)


def gain_for(facts: SoundFacts, target: float) -> float:
    """The linear gain that brings a file to `target` as heard, lowered to keep its peak
    under -1 dBFS; 1 for silence."""
    if facts.loudness <= SILENCE or facts.peak <= 0:
        return 1.0
    return min(10 ** ((target - facts.loudness) / 20), PEAK_CEILING / facts.peak)


# --- the cache -------------------------------------------------------------------------------


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "companion" / "sounds"


def cache_key(path: Path, target: float) -> str | None:
    """The levelled copy's name: the file's path, size and date and the target (None if the
    file cannot be read)."""
    try:
        stat = path.stat()
    except OSError:
        return None
    what = f"{VERSION}\0{path.resolve()}\0{stat.st_size}\0{stat.st_mtime_ns}\0{target:.2f}"
    return hashlib.sha256(what.encode()).hexdigest()[:32]


def _cached(path: Path, target: float, root: Path) -> Path | None:
    key = cache_key(path, target)
    return None if key is None else root / key[:2] / f"{key}.flac"


def measured(path: Path, root: Path | None = None) -> SoundFacts:
    """`measure`, remembered in the cache by the file's path, size and date (reading an hour
    of music takes seconds; `companion check` is run often). Failures are not remembered."""
    key = cache_key(path, 0.0)
    record = (root or default_cache_dir()) / "facts" / f"{key}.json" if key else None
    facts = _recalled(record) if record is not None else None
    if facts is None:
        facts = measure(path)
        if record is not None:
            _remember(record, facts)
    return facts


def _recalled(record: Path) -> SoundFacts | None:
    import json

    try:
        return SoundFacts(**json.loads(record.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None  # not measured yet, or a record from another version


def _remember(record: Path, facts: SoundFacts) -> bool:
    """Write the record (atomically); False if the cache cannot be written (a read-only
    home: the file is measured again next time)."""
    import json

    partial = record.with_name(f"{record.stem}.{os.getpid()}.partial")
    try:
        record.parent.mkdir(parents=True, exist_ok=True)
        partial.write_text(json.dumps(facts.__dict__), encoding="utf-8")
        partial.replace(record)
    except OSError:
        return False
    return True


def levelled_path(path: Path, bus: str, root: Path | None = None) -> Path:
    """The levelled copy of a clinic's music or ambience file made by `level_file`, or the
    file itself when there is none (not prepared, or another bus)."""
    target = TARGETS_BY_BUS.get(bus)
    if target is None or bus == "narration":
        return path
    copy = _cached(path, target, root or default_cache_dir())
    return copy if copy is not None and copy.is_file() else path


def level_file(path: Path, bus: str, root: Path | None = None) -> tuple[Path, SoundFacts | None]:
    """Make (or find) the levelled copy of `path` for `bus`: (copy, facts measured now, or None
    when the copy was already there). Raises as `measure` does."""
    target = TARGETS_BY_BUS[bus]
    copy = _cached(path, target, root or default_cache_dir())
    if copy is None:
        raise OSError(f"{path.name} cannot be read")
    if copy.is_file():
        return copy, None
    import soundfile

    facts = measured(path, root)
    gain = np.float32(gain_for(facts, target))
    copy.parent.mkdir(parents=True, exist_ok=True)
    partial = copy.with_name(f"{copy.stem}.{os.getpid()}.partial.flac")
    try:
        with (
            _open(path) as source,
            soundfile.SoundFile(
                str(partial), "w", facts.rate, facts.channels, "PCM_16", format="FLAC"
            ) as out,
        ):
            for block in source.blocks(READ_FRAMES, dtype="float32", always_2d=True):
                out.write(block * gain)
        partial.replace(copy)
    finally:
        partial.unlink(missing_ok=True)
    return copy, facts


def level_script(
    script: Script,
    folder: Path,
    *,
    root: Path | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, str]:
    """Level every music and ambience file the script names (before a session). Returns the
    files that could not be levelled, with why: the mixer reports those when it plays them,
    and plays nothing in their place."""
    say = progress or (lambda _line: None)
    problems: dict[str, str] = {}
    done: set[tuple[Path, str]] = set()
    for ref in references(script, folder):
        path = (folder / ref.name).resolve()
        if ref.bus == "narration" or (path, ref.bus) in done:
            continue
        done.add((path, ref.bus))
        try:
            _, facts = level_file(path, ref.bus, root)
        except (OSError, NotASound, Damaged) as exc:
            problems[ref.name] = str(exc)
            continue
        if facts is not None:
            say(
                f"levelled {path.name} ({facts.length}, {facts.loudness:.1f} LUFS) to "
                f"{TARGETS_BY_BUS[ref.bus]:.1f} LUFS for the {ref.bus}"
            )
    _measure_films(script, say, root)
    return problems


def _measure_films(script: Script, say: Callable[[str], None], root: Path | None) -> None:
    """A film's own sound plays on the ambience bus: measured here, levelled as it plays
    (film_sound.py)."""
    from companion.audio.film_sound import film_facts
    from companion.script import media

    specs = [media.parse(scene.environment) for scene in script.scenes]
    for file in sorted({s.file for s in specs if s is not None and s.kind == "film"}):
        path = Path(file)
        facts = film_facts(path, root) if path.is_file() else None
        if facts is not None:
            say(
                f"{path.name}: its sound ({facts.loudness:.1f} LUFS) plays at "
                f"{TARGETS_BY_BUS['ambience']:.1f} LUFS on the ambience bus"
            )


def sound_check(
    folder: Path, verbose: bool = False
) -> Callable[[Script, Source], Iterator[tuple[Mark, Severity, str]]]:
    """An ExtraCheck for `companion check`: opens every sound file the script names; a file
    that is not audio, is empty, cut short or damaged is an error at the line naming it.
    `verbose`: a note with each file's length and loudness."""

    def check(script: Script, source: Source) -> Iterator[tuple[Mark, Severity, str]]:
        seen: dict[Path, SoundFacts | str] = {}
        for ref in references(script, folder):
            path = (folder / ref.name).resolve()
            if path not in seen:
                try:
                    seen[path] = measured(path)
                except OSError as exc:
                    seen[path] = f"cannot read {path.name}: {exc.strerror or exc}"
                except (NotASound, Damaged) as exc:
                    seen[path] = str(exc)
            mark = mark_of(source, ref)
            found = seen[path]
            if isinstance(found, str):
                yield mark, "error", found
            elif verbose:
                target = TARGETS_BY_BUS[ref.bus]
                yield (
                    mark,
                    "note",
                    f"{path.name}: {found.length} long, {found.loudness:.1f} LUFS, "
                    f"played at {target:.1f} LUFS on the {ref.bus} bus",
                )

    return check


__all__ = [
    "LoudnessMeter",
    "NotASound",
    "Reference",
    "SoundFacts",
    "gain_for",
    "level_file",
    "level_script",
    "levelled_path",
    "mark_of",
    "measure",
    "measured",
    "references",
    "sound_check",
]
