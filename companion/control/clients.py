"""One open panel (a WebSocket) and what is waiting to be sent to it.

Each panel has its own sender task, so one slow tablet never holds back the others: results
and notices queue in order, and of the session state only the newest is kept (a panel that
falls behind skips straight to the present)."""

from __future__ import annotations

import asyncio
import json
import logging
from collections import deque
from typing import Any

from aiohttp import web

log = logging.getLogger(__name__)

MAX_OUTBOX = 200  # queued results and notices; a panel that far behind is closed (it reconnects)


class PanelClient:
    def __init__(self, number: int, address: str, ws: web.WebSocketResponse) -> None:
        self.number = number
        self.address = address
        self.ws = ws
        self._outbox: deque[str] = deque()
        self._state: str | None = None
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def source(self) -> str:
        return f"panel {self.address} #{self.number}"

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._send_loop())

    def send(self, message: dict[str, Any]) -> None:
        if len(self._outbox) >= MAX_OUTBOX:
            log.warning("panel %s is not reading its messages; closing it", self.source)
            asyncio.get_running_loop().create_task(self.ws.close(message=b"too far behind"))
            return
        self._outbox.append(json.dumps(message, default=str))
        self._wake.set()

    def show(self, state_message: str) -> None:
        """The newest state (already encoded); replaces one not yet sent."""
        self._state = state_message
        self._wake.set()

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
            await self.ws.close(code=1001, message=b"the session's panel server is stopping")
        if self._task is not None:
            self._task.cancel()
