"""The composer: every piece at the music bus's loudness (by pyloudnorm, an independent
BS.1770 meter), true peak under -1 dBTP, no click anywhere (chunk joins included), the same
samples for the same seed however it is chunked, no repetition over minutes, and steering
(energy, tone, steady) heard within 2 s. Rendered on the composer's own sample clock."""

import numpy as np
import pyloudnorm
import pytest

from companion.audio.composer import BLOCK, RECIPES, Composer, target_lufs
from companion.audio.composer.repetition import Features, repetition
from companion.audio.signal import true_peak
from tests.audio.analysis import band_db, clicks, db, rms_db

RATE = 44100
MINUTE = 60 * RATE


@pytest.fixture(scope="module")
def minute():
    """A minute of each piece, rendered in half-second chunks (as the worker does)."""
    out = {}
    for name in RECIPES:
        composer = Composer(name, seed=1)
        out[name] = np.concatenate([composer.render(RATE // 2) for _ in range(120)])
    return out


def test_six_pieces_three_of_them_the_librarys():
    assert len(RECIPES) >= 6
    assert {"drift", "still-water", "open-sky"} <= set(RECIPES)
    for recipe in RECIPES.values():
        assert recipe.purpose and recipe.lines


@pytest.mark.parametrize("name", list(RECIPES))
def test_loudness_at_the_bus_target_and_peaks_under_minus_1_dbtp(minute, name):
    audio = minute[name]
    loudness = pyloudnorm.Meter(RATE).integrated_loudness(audio[5 * RATE :])
    assert abs(loudness - target_lufs(0.5)) <= 1.0, f"{name}: {loudness:.2f} LUFS"
    assert db(true_peak(audio)) < -1.0


@pytest.mark.parametrize("name", list(RECIPES))
def test_no_clicks_and_nothing_sharp_or_rumbling(minute, name):
    audio = minute[name]
    assert clicks(audio) == []
    body = audio[10 * RATE :]
    whole = band_db(body, 20, 20000)
    assert band_db(body, 5000, 20000) < whole - 30, "too much above 5 kHz for an hour's listening"
    assert band_db(body, 20, 40) < whole - 20, "rumble under 40 Hz"


def test_the_same_seed_gives_the_same_samples_however_it_is_chunked():
    whole = Composer("open-sky", seed=7).render(20 * RATE)
    composer = Composer("open-sky", seed=7)
    sizes = [1, 4410, 7919, BLOCK, 30000, 123457]
    parts, done = [], 0
    while done < whole.shape[0]:
        n = min(sizes[len(parts) % len(sizes)], whole.shape[0] - done)
        parts.append(composer.render(n))
        done += n
    assert np.array_equal(np.concatenate(parts), whole)
    other = Composer("open-sky", seed=8).render(20 * RATE)
    assert rms_db(other[10 * RATE :] - whole[10 * RATE :]) > rms_db(whole[10 * RATE :]) - 6, (
        "another seed, other music"
    )


def test_int16_chunks_are_the_float_render_rounded():
    a = Composer("drift", seed=2)
    b = Composer("drift", seed=2)
    chunk = np.frombuffer(a.render_int16(RATE), dtype="<i2").reshape(-1, 2)
    assert chunk.shape == (RATE, 2)
    assert np.max(np.abs(chunk / 32767.0 - b.render(RATE))) <= 1 / 32767


def test_minutes_of_a_piece_never_repeat_but_a_loop_of_them_does():
    features = Features()
    composer = Composer("drift", seed=3)
    first = None
    for _ in range(3):
        x = composer.render(MINUTE)
        first = x if first is None else first
        features.add(x)
    found = repetition(features.matrix())
    assert found.windows > 250
    assert not found.repeats, (
        f"a 20-s window at {found.at:.0f} s is {found.score:.2f} like the one "
        f"at {found.earlier:.0f} s"
    )
    looped = Features()
    for _ in range(3):
        looped.add(first)
    again = repetition(looped.matrix())
    assert again.repeats and again.score > 0.99
    assert (again.at - again.earlier) % 60 == pytest.approx(
        0, abs=0.5
    )  # found a minute (or two) back


def _level_after(
    composer: Composer, change, band: tuple[float, float], before: float = 20, after: float = 2.0
):
    """Band level (dB) in the second before a change and in the second ending `after` s later."""
    x = composer.render(int(before * RATE))
    change(composer)
    y = composer.render(int(after * RATE))
    return band_db(x[-RATE:], *band), band_db(y[-RATE:], *band)


def test_tone_brightens_within_2_s():
    composer = Composer("drift", seed=4, tone=-1.0)
    dark, bright = _level_after(composer, lambda c: setattr(c, "tone", 1.0), (2000, 6000))
    dark_low, bright_low = _level_after(
        Composer("drift", seed=4, tone=-1.0), lambda c: None, (2000, 6000)
    )
    assert bright - dark > (bright_low - dark_low) + 5, f"highs moved {bright - dark:.1f} dB"


def test_energy_rises_within_2_s():
    quiet, full = _level_after(
        Composer("open-sky", seed=4, energy=0.0), lambda c: setattr(c, "energy", 1.0), (20, 20000)
    )
    assert full - quiet > 1.5, f"level moved {full - quiet:.1f} dB"


def test_energy_brings_in_lines_and_notes():
    low = Composer("daybreak", seed=5, energy=0.0)
    high = Composer("daybreak", seed=5, energy=1.0)
    low.render(40 * RATE)
    high.render(40 * RATE)
    assert len(high.clips) > len(low.clips) + 3


def test_steady_holds_the_chord_until_released():
    composer = Composer("daybreak", seed=6)  # chords every 12 to 20 s
    composer.render(5 * RATE)
    composer.hold(True)
    chord, played = list(composer.chord), composer.chords_played
    held = composer.render(45 * RATE)  # the pace is 12 to 20 s: three chords' time
    assert composer.chord == chord and composer.chords_played == played
    assert rms_db(held[-10 * RATE :]) > -40, "still playing while held"
    composer.hold(False)
    composer.render(30 * RATE)
    assert composer.chords_played > played


def test_bad_steering_values_are_clamped():
    composer = Composer("drift")
    composer.energy = 7
    composer.tone = -3
    assert composer.energy == 1.0 and composer.tone == -1.0
    assert np.all(np.isfinite(composer.render(RATE)))
