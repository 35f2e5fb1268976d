"""The text preview says what each bus plays as the author wrote it: a composed piece with its
energy (the default when none is given), a shuffled playlist as shuffled."""

from companion.session.preview import at_moment, timeline
from tests.session.helpers import script_from

MUSIC = """
scenes:
  - id: arrive
    environment: meadow
    music: {piece: drift, energy: 0.3, fade: 2s}
    steps:
      - pause: 60s
  - id: deep
    environment: meadow
    music: {piece: hearth}
    ambience: {track: [waves, rain], shuffle: true}
    steps:
      - pause: 60s
"""


def test_the_timeline_shows_each_pieces_energy_and_a_shuffled_playlist() -> None:
    lines = timeline(script_from(MUSIC))
    arrive = next(line for line in lines if "scene arrive" in line)
    deep = next(line for line in lines if "scene deep" in line)
    assert "music drift (composed, energy 0.3)" in arrive
    assert "music hearth (composed, energy 0.5)" in deep
    assert "ambience waves → rain (shuffled)" in deep


def test_a_moment_shows_the_piece_playing_then() -> None:
    assert "music: drift (composed, energy 0.3)" in at_moment(script_from(MUSIC), 30)
    later = at_moment(script_from(MUSIC), 90)
    assert "music: hearth (composed, energy 0.5)" in later
    assert "ambience: waves → rain (shuffled)" in later
