"""Issue 16, the server's side: command ids belong to their sender and their command, notes
lose their control characters, a too-long note says its length, one record row per slider
gesture, the kept sign-in, the LAN address, the refusal page's style."""

from __future__ import annotations

import json
import os
import stat

from panel_harness import command, panel_socket, request, run_async

from companion.control import keep
from companion.control.gestures import GestureRows
from companion.control.network import lan_address
from companion.control.server import REFUSAL_CSP, REFUSAL_STYLE
from companion.control.text import clean_text
from companion.session import Engine, VirtualClock
from companion.session.commands import MAX_TEXT


def test_an_id_reused_for_another_command_is_refused_never_a_repeat_over_http(session):
    command(session, "start")
    note = command(session, "note", text="settled", id="n-1")
    assert note.json()["ok"] is True
    end = command(session, "end", id="n-1")
    assert end.status == 409
    body = end.json()
    assert body["ok"] is False and body["repeated"] is False and body["command"] == "end"
    assert "already used for a 'note' command" in body["reason"]
    assert session.pump.call(lambda: session.engine.state.value) == "playing"  # nothing applied
    assert session.pump.count("end") == 0
    # the same command with other arguments is another command too
    other = command(session, "note", text="something else", id="n-1")
    assert other.status == 409 and "another 'note' command" in other.json()["reason"]
    # ...and a fresh id is applied
    assert command(session, "end", id="e-1").json()["ok"] is True
    assert session.pump.call(lambda: session.engine.state.value) == "ended"


def test_an_id_reused_for_another_command_is_refused_over_the_websocket(session):
    command(session, "start")
    server = session.server

    async def talk() -> list[dict]:
        url = f"http://127.0.0.1:{server.port}/ws"
        async with panel_socket(url, {"Authorization": f"Bearer {server.token}"}) as ws:
            results = []
            for message in (
                {"command": "note", "text": "a", "id": "n-1"},
                {"command": "end", "id": "n-1"},
                {"command": "note", "text": "a", "id": "n-1"},
            ):
                await ws.send_str(json.dumps(message))
                while True:
                    reply = json.loads((await ws.receive(timeout=5)).data)
                    if reply["type"] == "result":
                        results.append(reply)
                        break
            return results

    note, end, again = run_async(talk())
    assert note["ok"] is True and note["repeated"] is False
    assert end["ok"] is False and end["repeated"] is False and "already used" in end["reason"]
    assert again["ok"] is True and again["repeated"] is True  # the very same note: a repeat
    assert session.pump.call(lambda: session.engine.state.value) == "playing"
    assert session.pump.call(lambda: len(session.engine.notes)) == 1


def test_ids_belong_to_their_sender(session):
    command(session, "start")
    port, token = session.server.port, session.server.token
    body = json.dumps({"command": "note", "text": "same id, other machine", "id": "x"})
    assert (
        command(session, "note", text="same id, other machine", id="x").json()["repeated"] is False
    )
    other = request(port, "POST", "/api/command", token=token, body=body, source="127.0.0.2")
    assert other.json()["ok"] is True and other.json()["repeated"] is False
    assert session.pump.call(lambda: len(session.engine.notes)) == 2


def test_control_characters_leave_notes_before_the_engine(session):
    command(session, "start")
    text = "ok\x1b[2J\x07 line\r\ntwo\tcols \u202ereversed\u202c done\x00"
    assert command(session, "note", text=text).json()["ok"] is True
    note = session.pump.call(lambda: session.engine.notes[-1]["text"])
    assert note == "ok[2J line\ntwo\tcols reversed done"
    assert clean_text("Zoë 👩‍⚕️ مرحبا") == "Zoë 👩‍⚕️ مرحبا"  # letters and joiners stay


def test_a_too_long_note_says_its_length_and_the_limit(session):
    command(session, "start")
    reply = command(session, "note", text="x" * (MAX_TEXT + 1))
    assert reply.status == 400
    assert reply.json()["reason"] == "a note is at most 10,000 characters; this one has 10,001"
    assert command(session, "note", text="x" * MAX_TEXT).json()["ok"] is True


def test_a_slider_gesture_is_one_record_row_and_every_step_is_applied(script_file):
    from companion.script.loader import load_script

    engine = Engine(load_script(script_file).script, VirtualClock())
    engine.command("start")
    engine.take_events()
    rows = GestureRows(idle=0.8)
    written = []
    for step in range(30):  # 30 arrow-key steps, 50 ms apart: one gesture
        engine.command("volume", source="panel 127.0.0.1 #1", bus="music", level=0.5 - step / 100)
        written += rows.filter(engine.take_events(), now=step * 0.05, gesture=True)
        assert abs(engine.levels["music"] - (0.5 - step / 100)) < 1e-9  # applied at once
    assert written == []
    written += rows.filter([], now=1.5 + 0.8)  # still for longer than the gesture's idle
    assert [round(e.data["args"]["level"], 4) for e in written] == [0.21]
    # a note in the middle of a gesture: the rows stay in time order (the level first)
    engine.command("volume", source="panel 127.0.0.1 #1", bus="music", level=0.4)
    later = rows.filter(engine.take_events(), now=3.0, gesture=True)
    engine.command("note", source="panel 127.0.0.1 #1", text="mid-gesture")
    later += rows.filter(engine.take_events(), now=3.0)
    assert [e.kind for e in later] == ["command", "command", "note"]
    assert later[0].data["command"] == "volume" and later[1].data["command"] == "note"
    assert rows.holding == 0
    # level commands not marked as a slider's steps (a script's flood) are each kept
    for step in range(5):
        engine.command("volume", source="api 127.0.0.1", bus="effects", level=step / 10)
    assert len(rows.filter(engine.take_events(), now=4.0)) == 5


def test_the_sign_in_is_kept_for_the_user_only(tmp_path):
    path = keep.save(tmp_path, 8765, "t" * 32)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert keep.load(tmp_path) == keep.KeptPanel(8765, "t" * 32)
    keep.save(
        tmp_path, 8765, "t" * 32, host="0.0.0.0", url_host="panel.clinic.example", tls="self-signed"
    )
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    kept = keep.load(tmp_path)
    assert (kept.host, kept.url_host, kept.tls, kept.cert) == (
        "0.0.0.0",
        "panel.clinic.example",
        "self-signed",
        None,
    )
    os.chmod(path, 0o644)  # readable by others: anyone may have seen it, it is not used
    assert keep.load(tmp_path) is None
    path.write_text("{not json")
    os.chmod(path, 0o600)
    assert keep.load(tmp_path) is None
    keep.forget(tmp_path)
    keep.forget(tmp_path)  # twice is fine
    assert not path.exists()


def test_the_lan_address_is_never_loopback():
    address = lan_address()
    assert address is None or not address.startswith("127.")


def test_the_refusal_page_keeps_its_style_under_the_csp(session):
    reply = request(session.server.port, "GET", "/")
    assert reply.status == 401
    assert f"<style>{REFUSAL_STYLE}</style>".encode() in reply.body
    assert reply.headers["Content-Security-Policy"] == REFUSAL_CSP
    assert "'sha256-" in REFUSAL_CSP and "unsafe-inline" not in REFUSAL_CSP
