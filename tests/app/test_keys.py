"""Keys in the patient's window (a one-screen set-up), through Panda3D's own event system on
an offscreen window: a real keyboard cannot press keys here, so the button events a window
would send are sent to the app's messenger instead."""

from __future__ import annotations

import json

import pytest

from companion.app import RunOptions, SessionApp
from companion.script import require_script
from tests.app.run_process import SHORT_SCRIPT


@pytest.fixture
def app(tmp_path, monkeypatch):
    monkeypatch.setenv("SDL_AUDIODRIVER", "disk")
    monkeypatch.setenv("SDL_DISKAUDIOFILE", str(tmp_path / "heard.raw"))
    path = tmp_path / "short.yaml"
    path.write_text(SHORT_SCRIPT)
    options = RunOptions(
        display="window",
        offscreen=True,
        size=(320, 180),
        panel_port=0,
        qr=False,
        record_dir=tmp_path / "records",
        autostart=True,
        out=lambda line: None,
    )
    app = SessionApp(require_script(path), path, options)
    app.open()
    yield app
    app.close("test over")


def press(app: SessionApp, button: str, frames: int = 2) -> dict:
    app.stage.base.messenger.send("companion-button", [button])
    for _ in range(frames):
        app.step()
    return app.engine.snapshot()


def test_control_keys(app):
    # The session runs in real time: on a busy machine it may be further on than its first
    # step by now (opening the app took over 4 s once), so each key is judged from where it
    # was when pressed. It is paused for the keys after the first three, so nothing moves.
    app.step()
    assert press(app, "space")["state"] == "paused"
    assert press(app, "space")["state"] in ("playing", "holding")
    assert press(app, "space")["state"] == "paused"
    where = app.engine.snapshot()
    assert press(app, "c")["captions"] is False
    assert press(app, "t")["talk"] is True
    at = {"scene": where["scene"]["id"], "step": where["step"]["index"]}
    assert press(app, "g")["grounded"] == at
    assert press(app, "g")["grounded"] is None
    assert press(app, "n")["step"]["index"] == where["step"]["index"] + 1
    recorded = (app.record.folder / "events.jsonl").read_text().splitlines()
    sources = [json.loads(line).get("source") for line in recorded if '"command"' in line]
    assert sources.count("keys") == 8


def test_any_other_key_is_the_patients_signal(app):
    app.step()
    assert press(app, "x")["patient_signal"]["via"] == "key"
    assert press(app, "mouse1")["patient_signal"]["count"] == 2
    assert press(app, "wheel_up")["patient_signal"]["count"] == 2  # scrolling is not a signal


def test_escape_asks_again_before_ending(app):
    app.step()  # (playing, or holding at the wait if the machine was slow to get here)
    assert press(app, "escape")["state"] in ("playing", "holding")
    assert press(app, "x")["state"] in ("playing", "holding")  # another key cancels it
    press(app, "escape")
    assert press(app, "escape")["state"] == "ended"


def test_lines_without_sound_are_marked_for_the_stage(app, tmp_path):
    """The mixer tells the app which lines will not be heard (here: a recording that is gone),
    and the stage shows their captions even when captions are off."""
    from companion.session import actions as act

    say = act.Say("Hello. This is a short session.", 2.0, True)
    assert app.mixer.will_speak(say)
    assert not app.mixer.will_speak(act.Say("Hello.", 2.0, True, audio="gone.wav"))


def test_closing_gives_back_the_signal_handlers_it_found(app):
    """The app handles SIGINT, SIGTERM and SIGHUP from before the record opens; once closed,
    the handlers it found are back (a test runner's, an embedding program's, or SIG_IGN for a
    program started in the background), and none of its own is left behind."""
    import signal

    found = dict(app._signals_before)
    assert set(found) == {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}
    ours = signal.getsignal(signal.SIGHUP)
    assert callable(ours) and ours not in found.values()
    app.close("quit")
    for sig, before in found.items():
        assert signal.getsignal(sig) is before, sig
