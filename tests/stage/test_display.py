"""Display modes, and failing clearly where there is no screen."""

from __future__ import annotations

import pytest

from companion.session import actions as act
from companion.stage.host import HostConfig, StageError, prc_lines
from companion.stage.monitors import parse_xrandr
from companion.stage.stage import Stage


def test_a_window_without_a_screen_fails_with_a_clear_message(monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    with pytest.raises(StageError) as caught:
        Stage("window", (320, 180))
    assert "--display none" in str(caught.value)
    assert "DISPLAY" in str(caught.value)


def test_an_unknown_display_is_refused():
    with pytest.raises(StageError, match="unknown display"):
        Stage("hologram", (320, 180), headless=True)


def test_display_none_follows_every_action_and_draws_nothing():
    reports = []
    with Stage("none", report=lambda *r: reports.append(r)) as stage:
        for action in (
            act.SceneChange("a", "forest", {"time": "dusk"}, 3.0, "journey"),
            act.LookChange({"mist": 0.9}, 5.0),
            act.Say("hello", 2.0, True),
            act.Breathe(4, 0, 4, 0, 1, "tone"),
            act.StepEnded("breathe", False),
            act.Pause(),
            act.Resume(),
            act.SetCaptions(False),
            act.Recenter(),
            act.End("done"),
        ):
            stage.apply(action)
            stage.update()
        assert stage.environment == "forest" and stage.look == {"time": "dusk", "mist": 0.9}
        assert stage.ended and stage.captions_on is False
        with pytest.raises(StageError):
            stage.capture()
    assert reports == [("stage", True, "no display: sound only")]


def test_an_unknown_environment_is_reported_not_raised(player):
    player.stage.apply(act.SceneChange("x", "moon-base", {}, 1.0, "journey"))
    assert any(not ok and "moon-base" in message for _, ok, message in player.reports)
    player.frame()


def test_fullscreen_on_a_chosen_monitor_covers_it_without_decorations():
    from companion.stage.monitors import Monitor

    lines = prc_lines(
        HostConfig("fullscreen", (1280, 720), monitor=1), Monitor(1, 1920, 0, 2560, 1440)
    )
    assert (
        "undecorated true" in lines
        and "win-origin 1920 0" in lines
        and "win-size 2560 1440" in lines
    )
    plain = prc_lines(HostConfig("fullscreen", (1920, 1080)), None)
    assert "fullscreen true" in plain
    headless = prc_lines(HostConfig("stereo", (640, 360), headless=True), None)
    assert "load-display p3headlessgl" in headless and "window-type offscreen" in headless
    assert "audio-library-name null" in headless


def test_monitors_are_read_from_xrandr():
    text = (
        "Monitors: 2\n 0: +*eDP-1 1920/344x1080/194+0+0  eDP-1\n"
        " 1: +HDMI-1 2560/597x1440/336+1920+0  HDMI-1\n"
    )
    monitors = parse_xrandr(text)
    assert [(m.index, m.x, m.width, m.height, m.name) for m in monitors] == [
        (0, 0, 1920, 1080, "eDP-1"),
        (1, 1920, 2560, 1440, "HDMI-1"),
    ]
