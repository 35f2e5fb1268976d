"""`companion run` as a clinic uses it: a real process with real sound capture, the panel's
HTTP API, the record, and the messages when something is missing."""

from __future__ import annotations

import json

import pytest

from tests.app.run_process import SHORT_SCRIPT, loudness_by_second, start
from tests.conftest import SCENES


def _script(tmp_path):
    path = tmp_path / "short.yaml"
    path.write_text(SHORT_SCRIPT)
    return path


def _events(folder):
    return [json.loads(line) for line in (folder / "events.jsonl").read_text().splitlines()]


@pytest.mark.parametrize(
    "display",
    [["--display", "none"], ["--display", "window", "--offscreen", "--size", "320x180"]],
    ids=["none", "offscreen"],
)
def test_a_short_session_plays_through_and_ends_cleanly(tmp_path, display):
    session = start([str(_script(tmp_path)), "--autostart", *display], tmp_path)
    session.wait_for_panel()
    state = session.wait_for(lambda s: s["state"] == "holding", what="the wait step")
    assert state["health"]["sound"]["ok"] and state["health"]["speech"]["ok"]
    assert state["health"]["display"]["ok"]
    if "--offscreen" in display:
        status, picture = session.request("/api/picture")
        assert status == 200 and picture[:2] == b"\xff\xd8"  # a JPEG of the patient's view
    assert session.command("note", text="calm and settled")["ok"]
    assert session.command("continue")["ok"]
    assert session.finish() == 0
    events = _events(session.record())
    kinds = [e["event"] for e in events]
    assert kinds[0] == "run_start" and kinds[-1] == "run_end"
    assert "end" in kinds and any(
        e["event"] == "note" and e["text"] == "calm and settled" for e in events
    )
    assert [e["scene"] for e in events if e["event"] == "scene_start"] == [
        "arrive",
        "middle",
        "calm",
    ]
    loudness = loudness_by_second(session.captured())
    assert max(loudness) > -35, loudness  # music, ambience and narration were heard
    assert "record kept in" in "\n".join(session.lines)


def test_the_panel_address_is_printed_as_a_qr_code_by_default(tmp_path):
    """As scripts/demo runs it: no --no-qr. The code is printed in half blocks under the
    address, and the session plays on."""
    session = start([str(_script(tmp_path)), "--autostart", "--display", "none"], tmp_path, qr=True)
    session.wait_for_panel()
    session.wait_for(lambda s: s["state"] in ("playing", "holding"), what="the session playing")
    output = "\n".join(session.lines)
    assert sum(line.count("\u2580") + line.count("\u2584") for line in session.lines) > 50, output
    assert session.command("end")["ok"]
    assert session.finish() == 0, session.stderr_text()


def test_a_bundled_session_on_a_fast_clock(tmp_path):
    """preparation.yaml (about 21 minutes) at 80x, the therapist continuing every hold."""
    session = start(
        [str(SCENES / "preparation.yaml"), "--display", "none", "--speed", "80"], tmp_path
    )
    session.wait_for_panel()
    assert session.state()["state"] == "ready"
    assert session.command("start", id="start-1")["ok"]
    assert session.command("start", id="start-1")["repeated"]  # a resend is not applied twice
    seen = set()
    while session.process.poll() is None:
        try:
            state = session.state()
        except OSError:
            break  # the app closed its panel as it ended
        if state["scene"]:
            seen.add(state["scene"]["id"])
        if state["state"] == "holding":
            session.command("continue")
        if state["state"] == "ended":
            break
    assert session.finish() == 0
    assert seen >= {"arrive", "settle", "breath", "intention", "ready"}
    assert _events(session.record())[-2]["event"] == "end"


def test_no_screen_says_what_to_do(tmp_path):
    session = start([str(_script(tmp_path))], tmp_path)
    code = session.finish(timeout=60)
    error = session.process.stderr.read()
    assert code == 2
    assert "--display none" in error and "Traceback" not in error


def test_a_broken_script_is_reported_at_its_line(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("companion: 1\ntitle: T\nscenes:\n  - {id: a, environment: lake}\n")
    session = start([str(path), "--display", "none"], tmp_path)
    assert session.finish(timeout=60) == 1
    assert f"{path}:4:" in session.process.stderr.read()


def test_a_taken_panel_port_is_a_clear_message(tmp_path):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        session = start([str(_script(tmp_path)), "--display", "none"], tmp_path, port=port)
        code = session.finish(timeout=60)
        error = session.process.stderr.read()
    assert code == 2 and "panel" in error and "Traceback" not in error
