"""A 360° film's own sound plays on the ambience bus (the real mixer on SDL's disk driver),
streamed, looped with the film's picture, and paused with the session. The film (a grey
picture with a 440 Hz tone in its sound track) is made by the test with FFmpeg."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from companion.audio.custom import TARGETS_BY_BUS
from companion.audio.film_sound import CHUNK_SECONDS, film_facts, film_gain, looped, probe_sound
from companion.film_loop import FilmLoop

pytestmark = pytest.mark.timeout(120)
RATE = 44100
TONE = 440.0


def tone_film(path: Path, seconds: float, sound: bool = True) -> Path:
    import imageio_ffmpeg

    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y"]
    command += ["-f", "lavfi", "-i", f"color=c=gray:s=128x64:r=30:d={seconds}"]
    if sound:
        command += ["-f", "lavfi", "-i", f"sine=frequency={TONE}:sample_rate={RATE}:d={seconds}"]
        command += ["-c:a", "aac", "-b:a", "128k"]
    command += ["-c:v", "libx264", "-pix_fmt", "yuv420p", "-shortest", str(path)]
    subprocess.run(command, check=True, timeout=60, capture_output=True)
    return path


def tone_level(audio: np.ndarray, start: float, end: float, rate: float = RATE) -> float:
    """RMS of the 440 Hz component in a stretch (a band around the tone, by FFT). `rate`
    maps seconds to the capture's frames (SDL's disk driver writes a few percent faster or
    slower than real time); the samples themselves are at RATE."""
    x = audio[int(start * rate) : int(end * rate)].mean(axis=1)
    spectrum = np.fft.rfft(x * np.hanning(x.size))
    freqs = np.fft.rfftfreq(x.size, 1 / RATE)
    band = np.abs(spectrum[(freqs > TONE - 20) & (freqs < TONE + 20)])
    return float(np.sqrt(np.sum(band**2)) / x.size)


def test_the_sound_is_streamed_and_looped_as_the_picture_is(tmp_path):
    film = tone_film(tmp_path / "tone.mp4", 5.0)
    duration = probe_sound(film)
    assert duration is not None and abs(duration - 5.0) < 0.1
    assert probe_sound(tone_film(tmp_path / "mute.mp4", 2.0, sound=False)) is None
    period = duration - 1.0  # the last second blended into the first, as a film's picture
    pcm = looped(film, FilmLoop(period, 1.0), RATE, 2)
    blocks = [next(pcm) for _ in range(24)]  # 12 s: past two loop seams
    pcm.close()
    assert max(b.shape[0] for b in blocks) == int(CHUNK_SECONDS * RATE)  # chunks, not whole
    audio = np.concatenate(blocks)
    # the tone runs on across each seam without a gap or a dip (equal-power blend of a tone
    # with itself at another phase dips at most to cos(45°) of it, about -3 dB)
    steady = tone_level(audio, 1.0, 1.5)
    for seam in (period, 2 * period):
        around = [tone_level(audio, t, t + 0.1) for t in np.arange(seam - 1.0, seam + 0.5, 0.1)]
        assert min(around) > 0.3 * steady, (seam, around, steady)


def test_a_films_sound_is_measured_before_the_session_and_levelled_for_the_ambience(tmp_path):
    import pyloudnorm

    film = tone_film(tmp_path / "tone.mp4", 3.0)
    cache = tmp_path / "cache"
    facts = film_facts(film, cache)
    assert facts is not None and abs(facts.seconds - 3.0) < 0.1
    pcm = looped(film, FilmLoop(3.0, 0.0), 48000, 2)
    heard = np.concatenate([next(pcm) for _ in range(6)])  # its 3 s (a short film is cut)
    pcm.close()
    independent = pyloudnorm.Meter(48000).integrated_loudness(heard.astype(np.float64))
    assert abs(facts.loudness - independent) < 0.3, (facts.loudness, independent)
    assert film_facts(film, cache, measure=False) == facts  # remembered for the session
    gain_db = 20 * np.log10(film_gain(film, cache))
    assert abs(facts.loudness + gain_db - TARGETS_BY_BUS["ambience"]) < 0.01
    assert film_facts(tone_film(tmp_path / "mute.mp4", 1.0, sound=False), cache) is None
    assert film_gain(tmp_path / "mute.mp4", cache) == 1.0


SCRIPT = """companion: 1
title: Film sound
scenes:
  - id: a
    environment: {film: tone.mp4}
    transition: 0.5s
    duration: 4s
  - id: b
    environment: haven
    transition: 0.5s
    steps:
      - pause: 30s
"""


def test_a_films_sound_plays_on_the_ambience_bus_pauses_and_ends_with_its_scene(tmp_path, play):
    tone_film(tmp_path / "tone.mp4", 5.0)
    played = play(
        SCRIPT,
        seconds=6.8,
        commands={2.4: ("pause", {}), 3.4: ("resume", {})},
        watch=lambda mixer: mixer.film_sound is not None and mixer.film_sound.playing,
    )
    assert any(playing for _, playing in played.watched)
    assert not played.watched[-1][1]  # let go when its scene had gone
    audio, rate = played.audio, played.rate
    begin = played.first("scene")[1] / rate
    paused, resumed = played.commands["pause"] / rate, played.commands["resume"] / rate
    # heard (faded in with the scene, once FFmpeg has started), and as loud after the pause
    heard = [tone_level(audio, begin + 1.5, begin + 2.0, rate)]
    heard.append(tone_level(audio, resumed + 0.7, resumed + 1.2, rate))
    assert min(heard) > 0.7 * max(heard) and min(heard) > 0.003, heard
    assert tone_level(audio, paused + 0.7, resumed - 0.05, rate) < 0.02 * max(heard)
    next_scene = played.frames_of("scene")[1] / rate
    assert tone_level(audio, next_scene + 0.8, next_scene + 1.3, rate) < 0.02 * max(heard)
    assert not any(h[0] == "sound" and h[1] is False for h in played.health), played.health
