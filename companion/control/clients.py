"""One open panel (a WebSocket) and what is waiting to be sent to it.

Each panel has its own sender task, so one slow tablet never holds back the others: results
and notices queue in order, and of the session state only the newest is kept (a panel that
falls behind skips straight to the present).

A panel may have at most MAX_IN_FLIGHT commands on their way to the engine; beyond that its
messages are not read until results come back, so a client sending thousands of commands a
second is slowed down by TCP itself and nothing it sent is dropped. A panel that does not read
what it is sent, or sends message after message that is no command, is closed (once, with one
line in the log); a real page reconnects at once.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import deque
from typing import Any

from aiohttp import WSCloseCode, web

log = logging.getLogger(__name__)

MAX_OUTBOX = 200  # queued results and notices; a panel that far behind is closed (it reconnects)
MAX_IN_FLIGHT = 32  # commands from one panel waiting for the engine; then its socket is not read
MAX_ERRORS = 100  # messages that are no command, per connection; the page never sends any


class PanelClient:
    def __init__(
        self,
        number: int,
        address: str,
        ws: web.WebSocketResponse,
        transport: asyncio.Transport | None = None,
    ) -> None:
        self.number = number
        self.address = address
        self.ws = ws
        self.transport = transport
        self.in_flight = 0
        self.errors = 0
        self._outbox: deque[str] = deque()
        self._state: str | None = None
        self._wake = asyncio.Event()
        self._room = asyncio.Event()
        self._room.set()
        self._task: asyncio.Task[None] | None = None
        self._closing: asyncio.Task[None] | None = None

    @property
    def source(self) -> str:
        return f"panel {self.address} #{self.number}"

    @property
    def closing(self) -> bool:
        return self._closing is not None or self.ws.closed

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._send_loop())

    def send(self, message: dict[str, Any]) -> None:
        if self.closing:
            return
        if len(self._outbox) >= MAX_OUTBOX:
            self.drop("is not reading its messages", WSCloseCode.TRY_AGAIN_LATER, b"too far behind")
            return
        self._outbox.append(json.dumps(message, default=str))
        self._wake.set()

    def show(self, state_message: str) -> None:
        """The newest state (already encoded); replaces one not yet sent."""
        self._state = state_message
        self._wake.set()

    # --- commands on their way ------------------------------------------------------------

    def command_sent(self) -> None:
        self.in_flight += 1
        if self.in_flight >= MAX_IN_FLIGHT:
            self._room.clear()

    def command_answered(self) -> None:
        self.in_flight -= 1
        if self.in_flight < MAX_IN_FLIGHT:
            self._room.set()

    async def room(self) -> None:
        """Return once this panel may send another command."""
        await self._room.wait()

    def refused(self, reason: str) -> None:
        """A message that was no command: told so, and closed after MAX_ERRORS of them."""
        self.errors += 1
        if self.errors > MAX_ERRORS:
            self.drop(
                f"sent {MAX_ERRORS} messages that are no commands",
                WSCloseCode.POLICY_VIOLATION,
                b"too many malformed messages",
            )
            return
        self.send({"type": "error", "reason": reason})

    def drop(self, why: str, code: int, message: bytes) -> None:
        """Close this panel's connection (once; later calls do nothing)."""
        if self._closing is not None:
            return
        log.warning("panel %s %s; closing it", self.source, why)
        self._closing = asyncio.get_running_loop().create_task(self._close_now(code, message))

    async def _close_now(self, code: int, message: bytes) -> None:
        try:
            await asyncio.wait_for(self.ws.close(code=code, message=message), 2.0)
        except (TimeoutError, ConnectionError) as exc:  # the peer is gone or not reading
            log.debug("panel %s: %r while closing", self.source, exc)
            self.cut()
        self._wake.set()

    def cut(self) -> None:
        """Drop the TCP connection at once. A peer that reads nothing would otherwise keep
        it (and what is waiting to be sent to it) open for as long as TCP allows."""
        if self.transport is not None and not self.transport.is_closing():
            self.transport.abort()

    # --- the sender ---------------------------------------------------------------------

    async def _send_loop(self) -> None:
        while not self.ws.closed:
            await self._wake.wait()
            self._wake.clear()
            while self._outbox and not self.ws.closed:
                await self._send(self._outbox.popleft())
            if self._state is not None and not self.ws.closed:
                state, self._state = self._state, None
                await self._send(state)

    async def _send(self, text: str) -> None:
        try:
            await self.ws.send_str(text)
        except ConnectionError as exc:  # the panel went away mid-send; its handler cleans up
            log.debug("panel %s: %s", self.source, exc)

    async def close(self) -> None:
        # The close frame first: cancelling the sender mid-frame could cut the line instead.
        if not self.ws.closed:
            try:
                await asyncio.wait_for(
                    self.ws.close(
                        code=WSCloseCode.GOING_AWAY,
                        message=b"the session's panel server is stopping",
                    ),
                    2.0,
                )
            except (TimeoutError, ConnectionError) as exc:
                log.debug("panel %s: %r while closing", self.source, exc)
                self.cut()
        if self.transport is not None and self.transport.get_write_buffer_size():
            self.cut()  # closed, but what was sent is stuck: the peer is not reading
        self._room.set()
        for task in (self._task, self._closing):
            if task is not None and task is not asyncio.current_task():
                task.cancel()
