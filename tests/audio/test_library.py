"""The bundled library: exactly the catalog's names, each file at its loudness target (by a
standard meter, pyloudnorm), no clipping, long enough, seamless loops, gentle spectra."""

import json
import subprocess
import sys

import numpy as np
import pyloudnorm
import pytest

from companion.audio.library import MUSIC_LAYERS, PEAK_CEILING_DBTP, expected_files
from companion.audio.signal import true_peak
from companion.script import catalog, load_text
from tests.audio.analysis import band_db, clicks, db, loudness_range, rms_db

FILES = expected_files()


@pytest.fixture(scope="module")
def decoded(library):
    return {f.relpath: library.read(f.relpath)[0] for f in FILES}


def test_library_holds_exactly_the_catalog_names(library):
    assert library.problem() is None
    names = {(e["kind"], e["name"]) for e in library.entries()}
    assert names == (
        {("music", n) for n in catalog.MUSIC}
        | {("ambience", n) for n in catalog.AMBIENCE}
        | {("chime", n) for n in catalog.CHIMES}
        | {("breath", "tone")}
    )
    for name in catalog.MUSIC:
        roles = [e["role"] for e in library.entries() if e["name"] == name and e["kind"] == "music"]
        assert roles == list(MUSIC_LAYERS)


@pytest.mark.parametrize("spec", FILES, ids=[f.relpath for f in FILES])
def test_loudness_within_1_lu_of_target_and_no_clipping(spec, decoded):
    audio = decoded[spec.relpath]
    loudness = pyloudnorm.Meter(44100).integrated_loudness(audio)
    assert abs(loudness - spec.target) <= 1.0, (
        f"{spec.relpath}: {loudness:.2f} LUFS, target {spec.target}"
    )
    assert np.max(np.abs(audio)) < 10 ** (-1 / 20), "a sample peak above -1 dBFS"
    assert db(true_peak(audio)) <= PEAK_CEILING_DBTP + 0.3, "true peak above the ceiling"


def test_lengths_and_layers(decoded):
    for spec in FILES:
        seconds = decoded[spec.relpath].shape[0] / 44100
        if spec.kind == "music":
            assert seconds >= 120, (
                f"{spec.relpath} is {seconds:.0f} s; music must be at least two minutes"
            )
        elif spec.kind == "ambience":
            assert seconds >= 60
        elif spec.kind == "chime":
            assert 3 <= seconds <= 15
    for name in catalog.MUSIC:
        lengths = {decoded[f"music/{name}/{role}.ogg"].shape[0] for role in MUSIC_LAYERS}
        assert len(lengths) == 1, f"{name}: layers must be the same length to stay in step"


LOOPS = [f for f in FILES if f.loops]


@pytest.mark.parametrize("spec", LOOPS, ids=[f.relpath for f in LOOPS])
def test_loop_seam_has_no_click(spec, decoded):
    audio = decoded[spec.relpath]
    second = 44100
    around = np.concatenate([audio[-second:], audio[:second]])
    seam = [t for t in clicks(around) if abs(t - 1.0) < 0.02]
    assert not seam, f"click at the loop seam of {spec.relpath}"
    # The jump from the last sample to the first is like any other step in the file.
    steps = np.abs(np.diff(around, axis=0))
    assert np.all(np.abs(audio[0] - audio[-1]) <= np.percentile(steps, 99.9, axis=0) + 1e-4)


def test_the_seam_check_can_fail(decoded):
    """Control: join a music layer's end to its middle instead of its start: a click."""
    audio = decoded["music/still-water/base.ogg"]
    joined = np.concatenate([audio[-44100:], audio[audio.shape[0] // 2 + 1234 :][:44100]])
    assert [t for t in clicks(joined) if abs(t - 1.0) < 0.02]


@pytest.mark.parametrize("name", catalog.MUSIC)
def test_music_is_gentle(name, decoded):
    """Nothing harsh: almost no energy above 5 kHz, a moderate crest, layers that differ."""
    layers = [decoded[f"music/{name}/{role}.ogg"] for role in MUSIC_LAYERS]
    mix = sum(layers)
    minute = mix[: 44100 * 60]
    total = rms_db(minute)
    assert band_db(minute, 5000, 22050) - total < -30, "too much energy above 5 kHz"
    crest = db(np.max(np.abs(mix))) - total
    assert crest < 20, f"crest factor {crest:.1f} dB: too spiky for a bed"
    centroids = []
    for layer in layers:
        mono = layer[: 44100 * 30].mean(axis=1)
        spec = np.abs(np.fft.rfft(mono))
        freqs = np.fft.rfftfreq(mono.size, 1 / 44100)
        centroids.append(float(np.sum(freqs * spec) / np.sum(spec)))
    assert centroids[0] < centroids[1] < centroids[2], (
        f"layers base<middle<high in pitch: {centroids}"
    )


@pytest.mark.parametrize("name", catalog.MUSIC)
def test_music_harmony_moves_slowly(name, decoded):
    """The harmony changes, but slowly: the spectrum 10 s apart is alike, a minute apart less so."""
    base = decoded[f"music/{name}/base.ogg"].mean(axis=1)

    def profile(at: float) -> np.ndarray:
        seg = base[int(at * 44100) : int(at * 44100) + 8192]
        spec = np.abs(np.fft.rfft(seg * np.hanning(seg.size)))[:800]
        return spec / np.linalg.norm(spec)

    near = [float(profile(t) @ profile(t + 2)) for t in range(0, 120, 20)]
    far = [float(profile(t) @ profile(t + 60)) for t in range(0, 80, 20)]
    assert min(near) > 0.6, f"changes too fast: {near}"
    assert np.mean(far) < np.mean(near), "the harmony should move over a minute"


def test_no_sudden_swells(decoded):
    """Beds for an hour: music moves within a few LU, ambience within about ten (a gust, a
    wave), measured as the spread of 3-second loudness."""
    for name in catalog.MUSIC:
        mix = sum(decoded[f"music/{name}/{role}.ogg"] for role in MUSIC_LAYERS)
        assert loudness_range(mix) < 7, name
    for name in catalog.AMBIENCE:
        assert loudness_range(decoded[f"ambience/{name}.ogg"]) < 11, name


def test_chimes_start_gently_and_fade_out(decoded):
    for name in catalog.CHIMES:
        audio = decoded[f"chimes/{name}.ogg"]
        assert np.max(np.abs(audio[:20])) < 0.05, f"{name} starts with a click"
        assert rms_db(audio[-4410:]) < rms_db(audio[:44100]) - 40, f"{name} does not ring out"


def test_library_command_lists_every_sound(library):
    out = subprocess.run(
        [sys.executable, "-m", "companion", "library", "--json"], capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    entries = json.loads(out.stdout)
    assert {e["file"] for e in entries} == {f.relpath for f in FILES}
    for entry in entries:
        assert entry["seconds"] > 0 and entry["loudness_lufs"] < -15
    text = subprocess.run(
        [sys.executable, "-m", "companion", "library"], capture_output=True, text=True
    )
    assert "still-water" in text.stdout and "LUFS" in text.stdout


def test_checker_suggests_the_nearest_library_name(tmp_path):
    text = (
        "companion: 1\ntitle: t\nscenes:\n  - id: a\n    environment: forest\n"
        "    music: stil-water\n"
        "    ambience: rian\n    steps:\n      - chime: sofy\n"
    )
    loaded = load_text(text, "s.yaml", base_dir=tmp_path)
    messages = " ".join(f.message for f in loaded.findings)
    assert "did you mean 'still-water'" in messages
    assert "did you mean 'rain'" in messages
    assert "did you mean 'soft'" in messages


def test_synthesis_is_deterministic_across_processes():
    """The same code makes the same sound, whatever the interpreter's hash seed."""
    code = (
        "import hashlib; from companion.audio.synth import chimes; "
        "print(hashlib.sha256(chimes.bell('soft').tobytes() + "
        "chimes.breath_tone().tobytes()).hexdigest())"
    )
    digests = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={**__import__("os").environ, "PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("1", "2")
    }
    assert len(digests) == 1


def test_measuring_a_loop_now_agrees_with_the_manifest(library):
    """`companion library --measure` measures a loop as it plays, without the padding that
    lets it decode seamlessly (it measured 96.19 s for a 96 s loop)."""
    from companion.commands.library import _measure

    loop = next(e for e in library.entries() if e["kind"] == "ambience")
    measured = _measure(library, loop)
    assert measured["seconds"] == pytest.approx(loop["seconds"], abs=0.01)
    assert measured["loudness_lufs"] == pytest.approx(loop["loudness_lufs"], abs=0.2)
