"""The three bundled sessions pass `check` with no warning and have the lengths they promise."""

from __future__ import annotations

import pytest

from companion.script import load_script, models
from companion.script.timing import EstimatedTiming, scene_seconds
from tests.conftest import SCENES

LENGTHS_MINUTES = {"preparation": (17, 24), "journey": (60, 90), "integration": (17, 24)}


@pytest.mark.parametrize("name", sorted(LENGTHS_MINUTES))
def test_bundled_session(name):
    loaded = load_script(SCENES / f"{name}.yaml")
    assert loaded.findings == []
    script = loaded.script
    assert script is not None
    low, high = LENGTHS_MINUTES[name]
    played = [s for s in script.scenes if s.id != script.safe_scene]
    minutes = sum(scene_seconds(s, script, EstimatedTiming()) for s in played) / 60
    assert low <= minutes <= high


def test_journey_is_music_led_with_holds():
    script = load_script(SCENES / "journey.yaml").script
    journey = [s for s in script.scenes if script.scene_phase(s) == "journey"]
    assert journey and all(s.music is not None for s in journey)
    assert not any(isinstance(step, models.SayStep) for s in journey for step in s.steps)
    assert sum(s.then == "hold" for s in journey) >= 2
