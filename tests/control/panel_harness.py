"""What the panel's tests share: a pump thread that stands in for companion/app.py's frame loop
(drain the command queue, apply each command with engine.command, tick, publish the snapshot),
a TCP proxy whose connections a test can cut, and raw HTTP requests."""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import json
import queue
import re
import threading
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from companion.control import PanelServer
from companion.session import Engine, VirtualClock
from companion.session.health import HealthBoard, published

SCRIPT = """\
companion: 1
title: Panel test session
safe_scene: haven
scenes:
  - id: arrive
    title: Arriving
    environment: shoreline
    music: drift
    ambience: waves
    steps:
      - say: Welcome. Let your body settle into the chair.
      - pause: 30s
      - breathe: {in: 4, hold: 2, out: 6, cycles: 5}
      - wait: therapist
      - say: Thank you.
  - id: journey
    title: The journey
    phase: journey
    environment: night-sky
    duration: 20m
    then: hold
  - id: return
    title: Coming back
    phase: integration
    environment: meadow
    steps:
      - say: Slowly come back to the room.
  - id: haven
    title: Safe place
    environment: haven
    then: hold
    steps:
      - say: You are safe.
"""

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


class Pump(threading.Thread):
    """Stands in for companion/app.py: the one thread that touches the engine. Each frame it
    applies the panel's queued commands, ticks the engine and publishes the snapshot when the
    revision changed (and at least twice a second). Tests reach the engine only through
    `call`, which runs a function on this thread."""

    def __init__(self, engine: Engine, server: PanelServer, frame: float = 1 / 60) -> None:
        super().__init__(name="test-pump", daemon=True)
        self.engine = engine
        self.health = HealthBoard(engine)  # the parts' health, published beside the engine's
        self.server = server
        self.frame = frame
        self.held = threading.Event()  # set: commands wait in the queue (a busy app loop)
        self.applied: list[tuple[str, dict[str, Any], str, str | None]] = []
        self.events: list[Any] = []
        self._calls: queue.SimpleQueue[tuple[Callable[[], Any], queue.SimpleQueue]] = (
            queue.SimpleQueue()
        )
        self._halt = threading.Event()

    def run(self) -> None:
        last_revision, last_publish = -1, 0.0
        while not self._halt.is_set():
            while not self._calls.empty():
                fn, answer = self._calls.get()
                try:
                    answer.put((True, fn()))
                except Exception as exc:  # noqa: BLE001 - handed to the test thread, which raises it
                    answer.put((False, exc))
            if not self.held.is_set():
                for command in self.server.take_commands():
                    result = self.engine.command(
                        command.name, source=command.source, **command.args
                    )
                    self.applied.append((command.name, command.args, command.source, command.id))
                    command.deliver(result)
            self.engine.tick()
            self.events.extend(self.engine.take_events())
            now = time.monotonic()
            if self.engine.revision != last_revision or now - last_publish >= 0.5:
                self.server.publish(published(self.engine, self.health))
                last_revision, last_publish = self.engine.revision, now
            time.sleep(self.frame)

    def call(self, fn: Callable[[], Any]) -> Any:
        answer: queue.SimpleQueue = queue.SimpleQueue()
        self._calls.put((fn, answer))
        ok, value = answer.get(timeout=5)
        if not ok:
            raise value
        return value

    def advance(self, seconds: float) -> None:
        """Move the session's virtual clock on (the next frame publishes the new state)."""
        self.call(lambda: self.engine.clock.advance(seconds))

    def wait_for(self, check: Callable[[Engine], Any], timeout: float = 30.0) -> Any:
        """Wait until check(engine), run on the pump's thread, is true; return its value.
        The timeout only bounds a hang (it returns as soon as the check holds): a key pressed
        in Chromium reached the engine after more than 5 s once, beside a second worker."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.call(lambda: check(self.engine))
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError("the engine did not reach the expected state in time")
            time.sleep(0.02)

    def count(self, name: str) -> int:
        """How many times the engine was asked to apply command `name`."""
        return self.call(lambda: sum(1 for c in self.applied if c[0] == name))

    def stop(self) -> None:
        self._halt.set()
        self.join(timeout=5)


@dataclass
class Session:
    engine: Engine
    clock: VirtualClock
    server: PanelServer
    pump: Pump
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.port}"

    @property
    def health(self) -> HealthBoard:
        return self.pump.health

    def snapshot(self) -> dict[str, Any]:
        return self.pump.call(lambda: published(self.engine, self.pump.health))


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: bytes
    seconds: float

    def json(self) -> Any:
        return json.loads(self.body)


def request(
    port: int,
    method: str,
    path: str,
    *,
    headers: dict[str, str] | None = None,
    body: bytes | str | None = None,
    host: str | None = "",
    token: str | None = None,
    source: str | None = None,
    timeout: float = 15.0,
) -> Reply:
    """One raw HTTP request (the path is sent exactly as given). host="" sends the usual
    Host header, host=None sends none; token sends `Authorization: Bearer`."""
    started = time.monotonic()
    connection = http.client.HTTPConnection(
        "127.0.0.1", port, timeout=timeout, source_address=(source, 0) if source else None
    )
    try:
        connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        all_headers = dict(headers or {})
        if host is not None:
            all_headers["Host"] = host or f"127.0.0.1:{port}"
        if token is not None:
            all_headers["Authorization"] = f"Bearer {token}"
        data = body.encode() if isinstance(body, str) else body
        if data is not None:
            all_headers.setdefault("Content-Type", "application/json")
            all_headers["Content-Length"] = str(len(data))
        for key, value in all_headers.items():
            connection.putheader(key, value)
        connection.endheaders(data)
        response = connection.getresponse()
        return Reply(response.status, response.headers, response.read(), time.monotonic() - started)
    finally:
        connection.close()


def command(session: Session, name: str, **args: Any) -> Reply:
    """POST /api/command with the session's token."""
    return request(
        session.server.port,
        "POST",
        "/api/command",
        token=session.server.token,
        body=json.dumps({"command": name, **args}),
    )


@contextlib.asynccontextmanager
async def panel_socket(
    url: str, headers: dict[str, str] | None = None, **ws_args: Any
) -> AsyncIterator[aiohttp.ClientWebSocketResponse]:
    """A WebSocket to the panel server (a client session of its own around it)."""
    async with (
        aiohttp.ClientSession() as client,
        client.ws_connect(url, headers=headers or {}, **ws_args) as ws,
    ):
        yield ws


def run_async(coroutine: Any) -> Any:
    """asyncio.run in a thread of its own: Playwright's sync API keeps an event loop running in
    the main thread once a browser test has run, and asyncio.run refuses to nest in it."""
    outcome: list[tuple[bool, Any]] = []

    def run() -> None:
        try:
            outcome.append((True, asyncio.run(coroutine)))
        except BaseException as exc:  # noqa: BLE001 - handed back to the test's thread, raised there
            outcome.append((False, exc))

    thread = threading.Thread(target=run, name="test-client")
    thread.start()
    thread.join(60)
    ok, value = outcome[0]
    if not ok:
        raise value
    return value


class Proxy:
    """A TCP forwarder on 127.0.0.1 in front of the panel server, standing in for the room's
    network: `cut()` drops every open connection at once; while `down` is set new connections
    hang unanswered (a lost network); while `refusing` is set they are reset at once (nothing
    listens: a stopped program); while `frozen` is set nothing is forwarded (a half-open line)."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = 0
        self.down = threading.Event()
        self.refusing = threading.Event()
        self.frozen = threading.Event()
        self._loop = asyncio.new_event_loop()
        self._writers: set[asyncio.StreamWriter] = set()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="test-proxy", daemon=True)
        self._server: asyncio.base_events.Server | None = None

    def start(self) -> None:
        self._thread.start()
        self._ready.wait(5)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._open())
        self._ready.set()
        self._loop.run_forever()

    async def _open(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.down.is_set():  # a lost network answers nothing: the connection hangs...
            self._writers.add(writer)
            while self.down.is_set() and not writer.transport.is_closing():
                await asyncio.sleep(0.05)
            writer.transport.abort()  # ...until it is back (the browser then tries again)
            self._writers.discard(writer)
            return
        if self.refusing.is_set():  # nothing listens: refused at once (a stopped program)
            writer.transport.abort()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.close()
            return
        self._writers.update((writer, up_writer))

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            try:
                while data := await src.read(65536):
                    while self.frozen.is_set():
                        await asyncio.sleep(0.05)
                    dst.write(data)
                    await dst.drain()
            except (ConnectionError, asyncio.CancelledError):
                return  # a cut connection: nothing more to forward
            finally:
                dst.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        self._writers.difference_update((writer, up_writer))

    def cut(self) -> None:
        def close_all() -> None:
            for writer in list(self._writers):
                transport = writer.transport
                transport.abort()
            self._writers.clear()

        self._loop.call_soon_threadsafe(close_all)

    def stop(self) -> None:
        self.cut()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)


STATIC = Path(__file__).resolve().parents[2] / "companion" / "control" / "static"


def stopped_after() -> int:
    """panel.js's STOPPED_AFTER: refused tries in a row before the page says Companion stopped."""
    found = re.search(r"const STOPPED_AFTER = (\d+);", (STATIC / "panel.js").read_text())
    assert found, "panel.js declares STOPPED_AFTER"
    return int(found.group(1))


def failed_probes(page: Any) -> list[str]:
    """The page's health probes that failed, as Playwright reports them (each try to reconnect
    asks api/health plainly): how many tries the page took, which no busy machine changes."""
    failed: list[str] = []
    page.on("requestfailed", lambda r: failed.append(r.url) if "api/health" in r.url else None)
    return failed
