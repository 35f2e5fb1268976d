"""A resumed session gets back the music's tone and steady as the therapist left them (from the
recorded commands), as it gets back the intensity."""

from __future__ import annotations

from companion.record.resume import ResumePoint, _apply_setting
from companion.script.loader import require_script
from companion.session.clock import VirtualClock
from companion.session.engine import Engine


def test_tone_and_steady_are_restored(tmp_path) -> None:
    point = ResumePoint(resumable=True, scene="a")
    _apply_setting(point, "tone", {"level": -0.4})
    _apply_setting(point, "steady", {"on": True})
    _apply_setting(point, "tone", {"level": 7})  # out of range: a damaged record, ignored
    _apply_setting(point, "tone", {"level": True})  # not a number
    assert (point.tone, point.steady) == (-0.4, True)
    assert point.to_json()["tone"] == -0.4
    script_path = tmp_path / "s.yaml"
    script_path.write_text(
        "companion: 1\ntitle: t\nscenes:\n  - id: a\n    environment: meadow\n"
        "    music: {piece: hearth}\n    steps:\n      - pause: 60s\n"
    )
    engine = Engine(require_script(script_path), VirtualClock())
    for name, args in point.commands():
        assert engine.command(name, source="resume", **args).ok, name
    assert (engine.tone, engine.steady) == (-0.4, True)
