"""The panel server's public face: the HTTP API, the command queue the app drains, publish,
and start/stop. A real Engine on a VirtualClock sits behind it; the pump thread stands in for
companion/app.py's frame loop."""

from __future__ import annotations

import asyncio
import json
import socket
import struct
import threading
import time
import zlib

import aiohttp
import pytest
from panel_harness import command, panel_socket, request, run_async

from companion.control import PanelError, PanelServer
from companion.session import CommandResult


def test_state_is_the_engine_snapshot(session):
    reply = request(session.server.port, "GET", "/api/state", token=session.server.token)
    assert reply.status == 200
    state = reply.json()
    assert state["title"] == "Panel test session"
    assert state["state"] == "ready"
    assert [scene["id"] for scene in state["scenes"]] == ["arrive", "journey", "return", "haven"]


def test_a_command_reaches_the_engine_with_its_source(session):
    reply = command(session, "start")
    assert reply.status == 200
    assert reply.json() == {
        "command": "start",
        "ok": True,
        "reason": None,
        "id": None,
        "repeated": False,
    }
    assert session.pump.call(lambda: session.engine.state.value) == "playing"
    name, args, source, _ = session.pump.call(lambda: session.pump.applied[-1])
    assert (name, args, source) == ("start", {}, "api 127.0.0.1")
    state = request(session.server.port, "GET", "/api/state", token=session.server.token).json()
    assert state["state"] == "playing"


def test_the_engine_refusal_comes_back_with_its_reason(session):
    reply = command(session, "resume")
    assert reply.status == 200
    assert reply.json()["ok"] is False
    assert reply.json()["reason"] == "the session has not started"


@pytest.mark.parametrize(
    "body, words",
    [
        ({"command": "paus"}, "did you mean 'pause'"),
        ({"command": "pause", "source": "forged"}, "no argument 'source'"),
        ({"command": "volume", "bus": "music"}, "needs the argument 'level'"),
    ],
)
def test_a_command_that_is_not_one_never_reaches_the_queue(session, body, words):
    reply = request(
        session.server.port,
        "POST",
        "/api/command",
        token=session.server.token,
        body=json.dumps(body),
    )
    assert reply.status == 400
    assert words in reply.json()["reason"]
    time.sleep(0.05)
    assert session.pump.call(lambda: len(session.pump.applied)) == 0


def test_a_command_with_an_id_is_applied_once(session):
    command(session, "start")
    first = command(session, "note", text="settled quickly", id="note-1")
    again = command(session, "note", text="settled quickly", id="note-1")
    assert first.json()["ok"] is True and first.json()["repeated"] is False
    assert again.json() == {**first.json(), "repeated": True}
    assert session.pump.call(lambda: len(session.engine.notes)) == 1
    other = command(session, "note", text="a second note", id="note-2")
    assert other.json()["repeated"] is False
    assert session.pump.call(lambda: len(session.engine.notes)) == 2


def test_a_resend_while_the_first_is_still_queued_waits_for_it(session):
    command(session, "start")
    session.pump.held.set()  # the app loop is busy: commands wait in the queue
    replies: list = []
    senders = [
        threading.Thread(target=lambda: replies.append(command(session, "next_step", id="same")))
        for _ in range(3)
    ]
    for sender in senders:
        sender.start()
    time.sleep(0.3)
    session.pump.held.clear()
    for sender in senders:
        sender.join(5)
    assert sorted(r.json()["repeated"] for r in replies) == [False, True, True]
    assert all(r.json()["ok"] for r in replies)
    assert session.pump.count("next_step") == 1
    assert session.pump.call(lambda: session.engine.position.step_index) == 1


def test_the_app_side_take_and_deliver():
    """Without the pump: the test drains the queue itself, as companion/app.py will."""
    server = PanelServer(command_timeout=5)
    server.start()
    try:
        replies: list = []
        sender = threading.Thread(
            target=lambda: replies.append(
                request(
                    server.port,
                    "POST",
                    "/api/command",
                    token=server.token,
                    body=json.dumps({"command": "volume", "bus": "music", "level": 0.25, "id": 7}),
                )
            )
        )
        sender.start()
        taken = []
        deadline = time.monotonic() + 5
        while not taken and time.monotonic() < deadline:
            taken = server.take_commands()
            time.sleep(0.01)
        assert len(taken) == 1
        item = taken[0]
        assert (item.name, item.args, item.id) == ("volume", {"bus": "music", "level": 0.25}, "7")
        assert item.source == "api 127.0.0.1"
        item.deliver(CommandResult("volume", False, "a reason from the engine"))
        item.deliver(CommandResult("volume", True))  # a second delivery is ignored
        sender.join(5)
        assert replies[0].json() == {
            "command": "volume",
            "ok": False,
            "id": "7",
            "reason": "a reason from the engine",
            "repeated": False,
        }
        assert server.take_commands() == []
    finally:
        server.stop()


def test_no_answer_in_time_then_the_resend_gets_the_late_result():
    server = PanelServer(command_timeout=0.3)
    server.start()
    try:
        body = json.dumps({"command": "pause", "id": "slow"})
        first = request(server.port, "POST", "/api/command", token=server.token, body=body)
        assert first.status == 504
        assert "did not answer" in first.json()["reason"]
        [item] = server.take_commands()
        item.deliver(CommandResult("pause", True))
        time.sleep(0.1)
        again = request(server.port, "POST", "/api/command", token=server.token, body=body)
        assert again.status == 200
        assert again.json()["ok"] is True and again.json()["repeated"] is True
        assert server.take_commands() == []  # not queued a second time
    finally:
        server.stop()


async def _read_states(url: str, token: str, seconds: float, **ws_args) -> list[dict]:
    states = []
    async with panel_socket(url, {"Authorization": f"Bearer {token}"}, **ws_args) as ws:
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                message = await ws.receive(timeout=left)
            except TimeoutError:
                break
            if message.type != aiohttp.WSMsgType.TEXT:
                break
            data = json.loads(message.data)
            if data["type"] == "state":
                states.append(data["state"])
    return states


def test_panels_hear_the_state_at_least_twice_a_second_without_publish():
    """The `state` callable alone (no publish at all) keeps open panels up to date."""
    calls = []

    def state() -> dict:
        calls.append(threading.current_thread().name)
        return {"revision": len(calls), "title": "from the state callable"}

    server = PanelServer(state=state)
    server.start()
    try:
        states = run_async(_read_states(f"http://127.0.0.1:{server.port}/ws", server.token, 1.3))
    finally:
        server.stop()
    assert len(states) >= 3  # one on connecting, then at least two a second
    assert states[-1]["title"] == "from the state callable"
    assert set(calls) == {"companion-panel"}  # called on the server's own thread


def test_publishing_faster_than_panels_read_sends_the_newest():
    server = PanelServer()
    server.start()
    try:

        async def scenario() -> list[dict]:
            async with panel_socket(
                f"http://127.0.0.1:{server.port}/ws", {"Authorization": f"Bearer {server.token}"}
            ) as ws:
                await ws.receive(timeout=2)  # hello
                for revision in range(1, 2001):
                    server.publish({"revision": revision})
                seen = []
                while not seen or seen[-1]["revision"] != 2000:
                    data = json.loads((await ws.receive(timeout=2)).data)
                    if data["type"] == "state":
                        seen.append(data["state"])
                return seen

        seen = run_async(scenario())
    finally:
        server.stop()
    assert seen[-1] == {"revision": 2000}
    assert len(seen) < 200  # coalesced: panels are not flooded with stale states


def _png(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    rows = b"".join(b"\x00" + bytes([40, 60, 80]) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def test_the_picture_of_the_patients_view():
    pictures = [None, _png(32, 18)]
    server = PanelServer(picture=lambda: pictures[0])
    server.start()
    try:
        empty = request(server.port, "GET", "/api/picture", token=server.token)
        assert empty.status == 204
        pictures[0] = pictures[1]
        reply = request(server.port, "GET", "/api/picture", token=server.token)
        assert reply.status == 200
        assert reply.headers["Content-Type"] == "image/png"
        assert reply.body == pictures[1]
    finally:
        server.stop()
    without = PanelServer()
    without.start()
    try:
        assert request(without.port, "GET", "/api/picture", token=without.token).status == 404
    finally:
        without.stop()


def test_the_command_list():
    server = PanelServer()
    server.start()
    try:
        listing = request(server.port, "GET", "/api/commands", token=server.token).json()
    finally:
        server.stop()
    assert listing["volume"] == {
        "bus": {"type": "str", "required": True},
        "level": {"type": "float", "required": True},
    }
    assert "ack_signal" in listing and "medicine" in listing


def test_start_and_stop():
    server = PanelServer(port=0)
    server.stop()  # before start: nothing to do
    server.start()
    assert server.port > 0
    assert server.url == f"http://127.0.0.1:{server.port}/?token={server.token}"
    assert len(server.token) >= 32
    assert request(server.port, "GET", "/api/commands", token=server.token).status == 200
    server.stop()
    server.stop()  # twice is fine
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", server.port), timeout=2)
    assert PanelServer().token != PanelServer().token


def test_a_taken_port_is_a_clear_error():
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen()
    try:
        server = PanelServer(port=holder.getsockname()[1])
        with pytest.raises(PanelError, match="cannot serve the panel on 127.0.0.1"):
            server.start()
        server.stop()
    finally:
        holder.close()


def test_stop_closes_open_panels(session):
    async def scenario() -> int:
        async with panel_socket(
            f"{session.base}/ws", {"Authorization": f"Bearer {session.server.token}"}
        ) as ws:
            await ws.receive(timeout=2)
            await asyncio.get_running_loop().run_in_executor(None, session.server.stop)
            while (message := await ws.receive(timeout=5)).type == aiohttp.WSMsgType.TEXT:
                continue
            assert message.type == aiohttp.WSMsgType.CLOSE
            return message.data  # the code the server closed with ("going away")

    assert run_async(scenario()) == 1001
