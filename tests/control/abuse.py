"""Clients that misbehave, for the panel's load and abuse tests and benchmarks/panel_load.py.

Raw sockets where a well-behaved library would not do it: WebSocket frames cut in the middle,
frames announcing a terabyte, bytes that are no protocol at all, HTTP requests cut off, TCP
resets (SO_LINGER 0) and silent, half-open peers. And well-behaved clients pushed hard: a flood
of commands without waiting for answers, and numbered notes resent after reconnects, whose
count in the record shows whether any was lost or applied twice.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import random
import socket
import struct
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import aiohttp

# --- raw WebSocket frames ------------------------------------------------------------------


def ws_frame(
    payload: bytes,
    opcode: int = 1,
    *,
    fin: bool = True,
    length: int | None = None,
    mask: bool = True,
) -> bytes:
    """One client frame. `length` announces another payload length than the one sent."""
    announced = len(payload) if length is None else length
    head = bytes([(0x80 if fin else 0) | opcode])
    bit = 0x80 if mask else 0
    if announced < 126:
        head += bytes([bit | announced])
    elif announced < 1 << 16:
        head += bytes([bit | 126]) + struct.pack("!H", announced)
    else:
        head += bytes([bit | 127]) + struct.pack("!Q", announced)
    if not mask:
        return head + payload
    key = os.urandom(4)
    stream = (key * (len(payload) // 4 + 1))[: len(payload)]
    masked = (int.from_bytes(payload, "big") ^ int.from_bytes(stream, "big")).to_bytes(
        len(payload), "big"
    )
    return head + key + masked


def text_frame(text: str) -> bytes:
    return ws_frame(text.encode())


class RawSocket:
    """A TCP connection to the panel server, with no help from any HTTP library."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self._texts: asyncio.Queue[str | None] | None = None
        self._frames: asyncio.Task[None] | None = None

    async def next_text(self, timeout: float) -> str | None:
        """The next text message from the server; None once it closed. TimeoutError when
        none comes within `timeout` (frames are read by a task of their own, so giving up
        waiting never cuts one in half)."""
        if self._texts is None:
            self._texts = asyncio.Queue()
            self._frames = asyncio.get_running_loop().create_task(self._read_frames())
        return await asyncio.wait_for(self._texts.get(), timeout)

    async def _read_frames(self) -> None:
        assert self._texts is not None
        while (text := await self.read_text()) is not None:
            self._texts.put_nowait(text)
        self._texts.put_nowait(None)

    @classmethod
    async def open(cls, port: int) -> RawSocket:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        return cls(reader, writer)

    async def send(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    def reset(self) -> None:
        """Vanish with a TCP reset (RST), as a tablet that loses power mid-message does."""
        sock = self.writer.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.writer.transport.abort()
        if self._frames is not None:
            self._frames.cancel()

    async def read_text(self) -> str | None:
        """The next text message from the server (control frames skipped); None once it
        closes. Frames from a server are never masked."""
        while True:
            try:
                head = await self.reader.readexactly(2)
                length = head[1] & 0x7F
                if length == 126:
                    length = struct.unpack("!H", await self.reader.readexactly(2))[0]
                elif length == 127:
                    length = struct.unpack("!Q", await self.reader.readexactly(8))[0]
                payload = await self.reader.readexactly(length)
            except (asyncio.IncompleteReadError, ConnectionError):
                return None
            opcode = head[0] & 0x0F
            if opcode == 8:
                return None
            if opcode == 1:
                return payload.decode()

    async def read_some(self, timeout: float = 2.0) -> bytes:
        """What the server says within `timeout` (b'' when it closed)."""
        try:
            return await asyncio.wait_for(self.reader.read(65536), timeout)
        except (TimeoutError, ConnectionError):
            return b""

    async def closed_by_server(self, timeout: float) -> bool:
        """True when the server closes this connection within `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                data = await asyncio.wait_for(self.reader.read(65536), deadline - time.monotonic())
            except TimeoutError:
                return False
            except ConnectionError:
                return True
            if not data:
                return True
        return False


def http_head(method: str, path: str, port: int, token: str | None, extra: str = "") -> bytes:
    auth = f"Authorization: Bearer {token}\r\n" if token else ""
    return (f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{auth}{extra}").encode()


async def open_websocket(port: int, token: str) -> RawSocket:
    """A raw socket after a real WebSocket handshake (101); frames are the caller's to send."""
    raw = await RawSocket.open(port)
    key = base64.b64encode(os.urandom(16)).decode()
    await raw.send(
        http_head(
            "GET",
            "/ws",
            port,
            token,
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n",
        )
    )
    answer = await asyncio.wait_for(raw.reader.readuntil(b"\r\n\r\n"), 5)
    if not answer.startswith(b"HTTP/1.1 101"):
        raise AssertionError(f"no WebSocket: {answer[:200]!r}")
    return raw


# --- the misbehaving clients ----------------------------------------------------------------


@dataclass
class Tally:
    """What the abusers did and what came back."""

    done: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)

    def note(self, kind: str) -> None:
        self.done[kind] += 1


GARBAGE_JSON = [
    "{",
    "}",
    "not json",
    "[]",
    "null",
    "42",
    '"pause"',
    '{"command": 7}',
    '{"command": ""}',
    '{"command": "volume", "bus": {"deep": 1}}',
    '{"command": "volume", "bus": "music"}',
    '{"command": "volume", "bus": "music", "level": "loud"}',
    '{"command": "nope"}',
    '{"command": "note", "text": "x", "source": "forged"}',
    '{"command": "pause", "id": [1]}',
    '{"command": "note", "text": "\\ud800"}',
    "[" * 50_000,
    '{"a":' * 10_000,
    '{"command": "intensity", "level": 1e999}',
    "\u0000\u0001\u0002",
]


async def garbage_tcp(port: int, tally: Tally, rng: random.Random) -> None:
    """Bytes that are no HTTP at all; the server answers 400 or closes."""
    raw = await RawSocket.open(port)
    await raw.send(rng.randbytes(rng.randint(1, 4000)))
    await raw.read_some(1.0)
    raw.reset() if rng.random() < 0.5 else raw.writer.close()
    tally.note("garbage bytes")


async def garbage_websocket(port: int, token: str, tally: Tally, rng: random.Random) -> None:
    """A real handshake, then bytes that are no WebSocket frames: a first byte with reserved
    bits, a reserved opcode, or a control frame split in fragments; then random bytes."""
    raw = await open_websocket(port, token)
    first = rng.choice(
        [bytes([0x80 | 0x40 | 0x01, 0x85]), bytes([0x80 | 0x03, 0x85]), bytes([0x09, 0x80])]
    )
    await raw.send(first + rng.randbytes(rng.randint(0, 3000)))
    if not await raw.closed_by_server(3.0):
        tally.problems.append("a WebSocket sending garbage frames was not closed")
    raw.reset()
    tally.note("garbage frames")


async def malformed_json(port: int, token: str, tally: Tally) -> None:
    """Well-formed frames holding JSON that is no command: each gets an error, none applies."""
    raw = await open_websocket(port, token)
    with contextlib.suppress(ConnectionError):
        for text in GARBAGE_JSON:
            await raw.send(text_frame(text))
        await raw.send(ws_frame(b"\x01\x02\xff", opcode=2))  # binary
        await raw.send(ws_frame(b"\xff\xfe invalid utf-8"))  # text that is not UTF-8: closed (1007)
    await raw.read_some(1.0)
    raw.reset()
    tally.note("malformed json")


async def half_frame(
    port: int, token: str, tally: Tally, rng: random.Random, silent_for: float = 0.0
) -> None:
    """A frame that announces more bytes than it sends; then a reset, or silence (half-open)."""
    raw = await open_websocket(port, token)
    body = json.dumps({"command": "note", "text": "never complete " * 20}).encode()
    frame = ws_frame(body)
    await raw.send(frame[: rng.randint(1, len(frame) - 1)])
    if silent_for:
        await asyncio.sleep(silent_for)
    raw.reset()
    tally.note("half frame, then " + ("silence" if silent_for else "reset"))


async def refused_as_too_big(raw: RawSocket, timeout: float = 3.0) -> bool:
    """True when the server ends the connection within `timeout`: with a close frame (1009,
    message too big), or with a reset (a client still sending after the close frame gets one
    from the kernel, which may swallow the close frame before it is read)."""
    return await raw.closed_by_server(timeout)


async def huge_frame(port: int, token: str, tally: Tally, announce: int = 1 << 40) -> None:
    """A frame announcing a terabyte: refused from its header, nothing buffered (1009)."""
    raw = await open_websocket(port, token)
    await raw.send(ws_frame(b"x" * 1000, length=announce))
    with contextlib.suppress(ConnectionError):
        for _ in range(64):  # keep pushing: the server must not be reading it into memory
            await raw.send(os.urandom(16384))
    if not await refused_as_too_big(raw):
        tally.problems.append(f"a frame announcing {announce} bytes was not refused")
    raw.reset()
    tally.note("huge frame")


async def huge_message(port: int, token: str, tally: Tally, size: int = 1 << 20) -> None:
    """A real 1 MiB message in 64 KiB fragments (the limit is 64 KiB): closed with 1009."""
    raw = await open_websocket(port, token)
    chunk = b"a" * 65536
    parts = size // len(chunk)
    with contextlib.suppress(ConnectionError):
        for i in range(parts):
            opcode = 1 if i == 0 else 0
            await raw.send(ws_frame(chunk, opcode=opcode, fin=i == parts - 1))
    if not await refused_as_too_big(raw):
        tally.problems.append("a 1 MiB message was not refused")
    raw.reset()
    tally.note("huge message")


async def half_http(
    port: int, token: str, tally: Tally, rng: random.Random, silent_for: float = 0.0
) -> None:
    """An HTTP request cut in its headers or in its body; then a reset or silence."""
    raw = await RawSocket.open(port)
    body = json.dumps(
        {"command": "note", "text": "cut off " * 40, "id": f"cut-{rng.random()}"}
    ).encode()
    request = (
        http_head(
            "POST",
            "/api/command",
            port,
            token,
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n",
        )
        + body
    )
    await raw.send(request[: rng.randint(10, len(request) - 1)])
    if silent_for:
        await asyncio.sleep(silent_for)
    raw.reset()
    tally.note("half http request")


async def unauthorised(port: int, tally: Tally, rng: random.Random) -> None:
    """A request with a wrong token (the guessing throttle slows these down)."""
    raw = await RawSocket.open(port)
    await raw.send(http_head("GET", "/api/state", port, f"wrong-{rng.random()}", "\r\n"))
    await raw.read_some(0.5)
    raw.reset()
    tally.note("wrong token")


ABUSERS = (
    "garbage bytes",
    "garbage frames",
    "malformed json",
    "half frame",
    "huge frame",
    "huge message",
    "half http",
    "wrong token",
)


async def abuse(
    port: int, token: str, seconds: float, tally: Tally, seed: int = 1, workers: int = 4
) -> None:
    """Every kind of misbehaviour, from `workers` clients at once, for `seconds`."""
    rng = random.Random(seed)
    deadline = time.monotonic() + seconds

    async def worker(number: int) -> None:
        own = random.Random(rng.random())
        while time.monotonic() < deadline:
            kind = own.choice(ABUSERS)
            try:
                if kind == "garbage bytes":
                    await garbage_tcp(port, tally, own)
                elif kind == "garbage frames":
                    await garbage_websocket(port, token, tally, own)
                elif kind == "malformed json":
                    await malformed_json(port, token, tally)
                elif kind == "half frame":
                    await half_frame(port, token, tally, own, own.choice([0.0, 0.0, 0.5]))
                elif kind == "huge frame":
                    await huge_frame(port, token, tally)
                elif kind == "huge message":
                    await huge_message(port, token, tally)
                elif kind == "half http":
                    await half_http(port, token, tally, own, own.choice([0.0, 0.3]))
                else:
                    await unauthorised(port, tally, own)
            except (ConnectionError, TimeoutError, asyncio.IncompleteReadError) as exc:
                tally.problems.append(f"{kind}: {type(exc).__name__} {exc}")

    await asyncio.gather(*(worker(n) for n in range(workers)))


# --- well-behaved clients, pushed hard --------------------------------------------------------


@dataclass
class Flood:
    """One client sending commands as fast as the server takes them, never waiting for a
    result before the next; the server's back-pressure paces it."""

    sent: int = 0
    answered: int = 0
    failed: list[str] = field(default_factory=list)


async def flood(
    url: str, seconds: float, result: Flood, command: dict[str, Any] | None = None, ahead: int = 256
) -> None:
    """Send commands for `seconds` without waiting for each result: up to `ahead` unanswered
    (far beyond the server's own limit per panel, so its back-pressure is what paces this)."""
    command = command or {"command": "volume", "bus": "effects", "level": 0.5}
    deadline = time.monotonic() + seconds
    async with aiohttp.ClientSession() as client, client.ws_connect(url) as ws:
        answered = asyncio.Event()

        async def read() -> None:
            async for message in ws:
                if message.type != aiohttp.WSMsgType.TEXT:
                    break
                data = json.loads(message.data)
                if data["type"] == "result":
                    result.answered += 1
                    answered.set()
                    if not data["ok"]:
                        result.failed.append(data["reason"])

        reader = asyncio.get_running_loop().create_task(read())
        while time.monotonic() < deadline and not reader.done():
            if result.sent - result.answered >= ahead:
                answered.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(answered.wait(), 1.0)
                continue
            level = (result.sent % 100) / 100
            await ws.send_str(
                json.dumps({**command, "level": level} if "level" in command else command)
            )
            result.sent += 1
        settle = time.monotonic() + 10
        while result.answered < result.sent and time.monotonic() < settle and not reader.done():
            await asyncio.sleep(0.02)
        await ws.close()
        reader.cancel()


@dataclass
class Numbered:
    """Numbered notes with ids: which ids were confirmed, and how often each was sent."""

    prefix: str
    confirmed: dict[str, bool] = field(
        default_factory=dict
    )  # id -> repeated flag of its last result
    sends: Counter[str] = field(default_factory=Counter)
    reconnects: int = 0
    refusals: int = 0

    def text(self, command_id: str) -> str:
        return f"numbered {command_id}"


async def numbered_notes(
    port: int, token: str, count: int, numbered: Numbered, rng: random.Random, drop_every: int = 40
) -> None:
    """Send `count` notes with ids over raw WebSockets; every ~`drop_every` sends the connection
    is cut with a TCP reset while results are still on their way. After reconnecting, every
    unconfirmed id is sent again and a few confirmed ones too. Returns once every id is
    confirmed."""
    ids = [f"{numbered.prefix}-{i}" for i in range(count)]
    fresh = list(ids)
    while any(i not in numbered.confirmed for i in ids):
        try:
            raw = await open_websocket(port, token)
        except AssertionError:  # refused (too many panels open): try again, as the page does
            numbered.refusals += 1
            await asyncio.sleep(0.25)
            continue
        sent_before = [i for i in ids if numbered.sends[i] and i not in numbered.confirmed]
        again = rng.sample(sorted(numbered.confirmed), min(3, len(numbered.confirmed)))
        batch = sent_before + again
        cut_after = rng.randint(drop_every // 2, drop_every * 3 // 2)
        sent_here = 0
        while (batch or fresh) and sent_here < cut_after:
            command_id = batch.pop(0) if batch else fresh.pop(0)
            await raw.send(
                text_frame(
                    json.dumps(
                        {"command": "note", "id": command_id, "text": numbered.text(command_id)}
                    )
                )
            )
            numbered.sends[command_id] += 1
            sent_here += 1
            if sent_here % 8 == 0:
                await _read_results(raw, numbered, 0.001)
        if fresh or batch:  # vanish mid-conversation, results still on their way
            await _read_results(raw, numbered, 0.005)
            raw.reset()
            numbered.reconnects += 1
            continue
        deadline = time.monotonic() + 15
        while any(i not in numbered.confirmed for i in ids) and time.monotonic() < deadline:
            await _read_results(raw, numbered, 0.2)
        raw.reset()


async def _read_results(raw: RawSocket, numbered: Numbered, wait: float) -> None:
    """Read the server's messages until none comes within `wait` seconds."""
    while True:
        try:
            text = await raw.next_text(wait)
        except TimeoutError:
            return
        if text is None:
            return
        data = json.loads(text)
        if data.get("type") == "result" and str(data.get("id", "")).startswith(numbered.prefix):
            if not data["ok"]:
                raise AssertionError(f"note {data['id']} refused: {data['reason']}")
            numbered.confirmed[data["id"]] = data["repeated"]
