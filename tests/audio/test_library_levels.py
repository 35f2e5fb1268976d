"""The library's level fixes (issue 18): chimes at about -26 LUFS, under the bed's level
rather than at the narration's, ambiences without rumble below 40 Hz, and a gentler duck by
default (-6 dB)."""

import numpy as np
import pyloudnorm
import pytest

from companion.script import catalog
from companion.script.models import Mix

RATE = 44100


@pytest.mark.parametrize("name", catalog.CHIMES)
def test_chimes_at_about_minus_26_lufs(library, name):
    audio, rate = library.read(f"chimes/{name}.ogg")
    assert abs(pyloudnorm.Meter(rate).integrated_loudness(audio) + 26) <= 1.0


def _share_below(audio: np.ndarray, hz: float) -> float:
    power = np.abs(np.fft.rfft(audio.mean(axis=1))) ** 2
    freqs = np.fft.rfftfreq(audio.shape[0], 1 / RATE)
    return float(power[freqs < hz].sum() / power.sum())


@pytest.mark.parametrize("name", catalog.AMBIENCE)
def test_ambiences_have_no_rumble(library, name):
    audio, _ = library.read(f"ambience/{name}.ogg")
    assert _share_below(audio, 40) < 0.03
    assert _share_below(audio, 60) < 0.15  # night had 46 % of its power below 60 Hz


def test_the_default_duck_is_gentler():
    assert Mix().duck == pytest.approx(0.5)  # -6 dB: narration stays clear of the ducked bed
