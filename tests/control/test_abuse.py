"""The panel against clients that misbehave, with a real `companion run --offscreen` process:
the stage drawing through EGL, the mixer on SDL's disk driver, the record on disk, the panel
server in its own thread. The frame times come from the app itself (`GET /api/health`: the
gaps between its frames, as the panel server sees the app loop take its commands).

Garbage, WebSocket frames cut in the middle, frames announcing a terabyte, 1 MiB messages,
malformed JSON, HTTP requests cut off, TCP resets and silent half-open sockets, thousands of
commands a second, numbered notes resent after resets: the session never stalls (frame time
p99 within FRAME_BUDGET_MS), no command is lost or applied twice (the record holds each
numbered note once), and nothing ends in a traceback.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import threading
import time
from collections import Counter
from typing import Any

import aiohttp
import pytest
from abuse import (
    GARBAGE_JSON,
    Flood,
    Numbered,
    RawSocket,
    Tally,
    abuse,
    flood,
    garbage_tcp,
    garbage_websocket,
    half_frame,
    half_http,
    http_head,
    huge_frame,
    huge_message,
    numbered_notes,
    open_websocket,
    text_frame,
)
from panel_harness import run_async

from companion.control.server import HEARTBEAT
from tests.app.run_process import RunningSession, start

FRAME_BUDGET_MS = 50.0  # p99 of the app's frame times while it is abused (60 Hz is 16.7 ms)
ABUSE_SECONDS = 8.0

SCRIPT = """\
companion: 1
title: Abuse test
scenes:
  - id: long
    environment: meadow
    music: drift
    ambience: waves
    duration: 2h
    then: hold
    steps:
      - say: A long scene, while the panel is abused.
"""


class App:
    """The running app, its panel's address, and everything it writes to stderr (read as it
    comes: a full pipe would block the app's logging, and with it the app)."""

    def __init__(self, session: RunningSession) -> None:
        self.session = session
        self.stderr: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.session.process.stderr is not None
        for line in self.session.process.stderr:
            self.stderr.append(line)

    @property
    def port(self) -> int:
        return int(self.session.base_url.rsplit(":", 1)[1])

    @property
    def token(self) -> str:
        return self.session.token

    @property
    def ws_url(self) -> str:
        return f"{self.session.base_url.replace('http', 'ws')}/ws?token={self.token}"

    def health(self, window: float = 5.0) -> dict[str, Any]:
        status, body = self.session.request(f"/api/health?window={window}")
        assert status == 200, body
        return body

    def tracebacks(self) -> list[str]:
        text = "".join(self.stderr)
        return [part[:2000] for part in text.split("Traceback")[1:]]

    def record_commands(self) -> list[dict[str, Any]]:
        lines = (self.session.record() / "events.jsonl").read_text().splitlines()
        return [e for e in map(json.loads, lines) if e.get("event") == "command"]


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("abuse")
    script = tmp / "abuse.yaml"
    script.write_text(SCRIPT)
    session = start(
        [str(script), "--display", "window", "--offscreen", "--size", "320x180", "--autostart"], tmp
    )
    running = App(session)
    # The session is the machine's main job: ahead of whatever else runs on it (here: other
    # test suites on the same two cores), as a clinic's computer would run it. Only root may
    # raise a priority; elsewhere it runs at the default, which CI's quiet machine allows.
    if os.geteuid() == 0:
        os.setpriority(os.PRIO_PROCESS, session.process.pid, -5)
    try:
        session.wait_for_panel()
        session.wait_for(lambda s: s["state"] == "playing", what="the session to play")
        deadline = time.monotonic() + 30
        while running.health(1.0)["frames"]["count"] < 50:  # past start-up's first frames
            assert time.monotonic() < deadline, "the app does not run its frames"
            time.sleep(0.2)
        yield running
    finally:
        stopping = time.monotonic()
        if session.process.poll() is None:
            session.kill(signal.SIGTERM)
        stopped = time.monotonic() - stopping
    assert session.process.returncode == 128 + signal.SIGTERM, "".join(running.stderr)[-3000:]
    assert stopped < 8, f"the app took {stopped:.1f} s to close after the abuse"
    assert "record kept in" in "\n".join(session.lines)
    assert not running.tracebacks(), running.tracebacks()[0]


def test_each_kind_of_abuse_is_refused_without_disturbing_the_session(app):
    before = app.session.state()
    panels = app.health()["panels"]
    tally = Tally()
    rng = random.Random(3)
    outcome: dict[str, Any] = {}

    async def silent_half_frame() -> None:
        """A frame cut in the middle, then silence: a half-open peer. Dropped by the heartbeat."""
        raw = await open_websocket(app.port, app.token)
        frame = text_frame(json.dumps({"command": "note", "text": "never finished"}))
        await raw.send(frame[: len(frame) // 2])
        started = time.monotonic()
        outcome["half-open dropped"] = await raw.closed_by_server(HEARTBEAT * 1.5 + 3)
        outcome["half-open after"] = time.monotonic() - started
        raw.reset()

    async def malformed() -> None:
        raw = await open_websocket(app.port, app.token)
        errors = 0
        for text in GARBAGE_JSON:
            await raw.send(text_frame(text))
        while True:
            try:
                message = await raw.next_text(3.0)
            except TimeoutError:
                break
            if message is None:
                break
            data = json.loads(message)
            if data["type"] in ("error", "result"):
                assert data["type"] == "error" or not data["ok"], data
                errors += 1
                if errors == len(GARBAGE_JSON):
                    break
        outcome["malformed answered"] = errors
        raw.reset()

    async def cut_request_then_ask() -> None:
        raw = await RawSocket.open(app.port)
        await raw.send(http_head("GET", "/api/state", app.port, app.token))  # headers cut off
        await asyncio.sleep(0.3)
        raw.reset()

    async def everything() -> None:
        await asyncio.gather(
            silent_half_frame(),
            malformed(),
            cut_request_then_ask(),
            garbage_tcp(app.port, tally, rng),
            garbage_websocket(app.port, app.token, tally, rng),
            half_frame(app.port, app.token, tally, rng),
            huge_frame(app.port, app.token, tally),
            huge_message(app.port, app.token, tally),
            half_http(app.port, app.token, tally, rng),
            half_http(app.port, app.token, tally, rng, silent_for=0.5),
        )

    run_async(everything())
    assert not tally.problems, tally.problems
    assert outcome["malformed answered"] == len(GARBAGE_JSON)  # each refused, with a reason
    assert outcome["half-open dropped"], "a silent, half-open panel was never dropped"
    assert outcome["half-open after"] <= HEARTBEAT * 1.5 + 2

    after = app.session.state()
    assert after["state"] == "playing" and after["notes"] == before["notes"]  # none applied
    assert after["session_time"] > before["session_time"]
    deadline = time.monotonic() + 5
    while app.health()["panels"] != panels:  # every abuser's connection is gone
        assert time.monotonic() < deadline, app.health()
        time.sleep(0.1)
    note = app.session.command("note", text="still listening", id="after-abuse")
    assert note["ok"] and not note["repeated"]
    assert not app.tracebacks(), app.tracebacks()[0]
    assert not any(
        "\ud800" in c["args"].get("text", "")
        for c in app.record_commands()
        if c["command"] == "note"
    )


def test_under_abuse_the_frames_stay_in_budget_and_no_command_is_lost_or_doubled(app):
    time.sleep(3.0)  # a window of frames after start-up's (whose first gap is seconds long)
    idle = app.health(3.0)["frames"]
    log_lines = len(app.stderr)
    tally = Tally()
    floods = [Flood(), Flood()]
    numbered = [Numbered("n0"), Numbered("n1")]
    notes_each = 150
    rng = random.Random(11)
    quiet: list[float] = []

    async def quiet_panel() -> None:
        """The therapist's own panel meanwhile: a command every 100 ms, each answered."""
        deadline = time.monotonic() + ABUSE_SECONDS
        async with aiohttp.ClientSession() as client, client.ws_connect(app.ws_url) as ws:
            n = 0
            while time.monotonic() < deadline:
                n += 1
                sent = time.perf_counter()
                await ws.send_str(
                    json.dumps(
                        {"command": "intensity", "level": (n % 40) / 100, "id": f"quiet-{n}"}
                    )
                )
                async for message in ws:
                    data = json.loads(message.data)
                    if data["type"] == "result" and data["id"] == f"quiet-{n}":
                        assert data["ok"], data
                        quiet.append((time.perf_counter() - sent) * 1000)
                        break
                await asyncio.sleep(0.1)

    async def everything() -> float:
        started = time.monotonic()
        await asyncio.gather(
            abuse(app.port, app.token, ABUSE_SECONDS, tally),
            *(flood(app.ws_url, ABUSE_SECONDS, f) for f in floods),
            *(
                numbered_notes(app.port, app.token, notes_each, n, random.Random(rng.random()))
                for n in numbered
            ),
            quiet_panel(),
        )
        return time.monotonic() - started

    before = app.health()
    applied_before = before["applied"]
    cpu_before, own_before = before["cpu_seconds"], time.process_time()
    elapsed = run_async(everything())
    health = app.health(elapsed)
    print(
        f"\npanel thread cpu {(health['cpu_seconds'] - cpu_before) / elapsed:.2f}, "
        f"test process cpu {(time.process_time() - own_before) / elapsed:.2f}"
    )
    frames = health["frames"]
    absorbed = (health["applied"] - applied_before) / elapsed
    print(
        f"\nidle: {idle}\nunder abuse ({elapsed:.1f} s): {frames}\n"
        f"absorbed {absorbed:.0f} commands/s; quiet panel's round trip max {max(quiet):.0f} ms; "
        f"abuse {dict(tally.done)}"
    )

    # The session never stalled: frames kept coming, within the budget. The budget is what
    # the abuse may add to the longest wait this machine gave the app's frames when nobody
    # abused it, measured just before in the same run: on a quiet machine that is about a
    # frame (16.7 ms) and the budget 50 ms; with other work on the cores (scripts/flaky
    # --load: a busy loop per core) idle frames already wait for a core (40 to 90 ms seen),
    # and that wait is the machine's, not the panel's. It may at most double the budget.
    budget = FRAME_BUDGET_MS + min(FRAME_BUDGET_MS, max(0.0, idle["max_ms"] - 1000 / 60))
    assert frames["p99_ms"] < budget, (frames, idle, budget)
    idle_rate = min(60.0, idle["count"] / idle["window"])
    assert frames["count"] >= 0.7 * idle_rate * elapsed, (frames, idle)
    assert frames["since_ms"] < 200, frames
    assert not tally.problems, tally.problems
    assert len(quiet) >= ABUSE_SECONDS * 5  # the therapist's panel was answered throughout
    assert absorbed > 1000  # thousands a second were sent; over a thousand a second applied

    # No command lost or applied twice: the record holds every flood command and every
    # numbered note exactly once, though some notes were sent two or three times.
    time.sleep(0.3)
    commands = app.record_commands()
    sent = sum(f.sent for f in floods)
    assert sum(f.answered for f in floods) == sent and not any(f.failed for f in floods)
    recorded_volume = sum(
        1
        for c in commands
        if c["command"] == "volume" and c["ok"] and c["args"].get("bus") == "effects"
    )
    assert recorded_volume == sent
    notes = Counter(
        c["args"]["text"]
        for c in commands
        if c["command"] == "note" and c["ok"] and c["args"]["text"].startswith("numbered")
    )
    for n in numbered:
        ids = [f"{n.prefix}-{i}" for i in range(notes_each)]
        assert all(i in n.confirmed for i in ids)
        assert [notes[n.text(i)] for i in ids] == [1] * notes_each
        assert n.reconnects >= 2  # cut with a reset mid-conversation, more than once
    resent = sum(count - 1 for n in numbered for count in n.sends.values())
    assert resent > 0 and any(n.confirmed[i] for n in numbered for i in n.confirmed)  # "repeated"
    assert not app.tracebacks(), app.tracebacks()[0]
    assert len(app.stderr) - log_lines < 40, "".join(app.stderr[log_lines:])[-3000:]
