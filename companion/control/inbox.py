"""Commands from the panel on their way to the app loop, and their results on the way back.

The server's event loop thread puts `PanelCommand`s on a thread-safe queue; the app loop
(companion/app.py) takes them each frame, applies them with `engine.command(...)` and hands
the result back with `command.deliver(result)`. A command that carries an `id` is applied at
most once: a resend with the same id (after a reconnect) waits for, or gets, the first result.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from companion.session.commands import CommandResult

log = logging.getLogger(__name__)

REMEMBERED_IDS = 4096  # results kept for resends; a reconnect resends within seconds


@dataclass
class PanelCommand:
    """One therapist's command, as the app loop sees it."""

    name: str
    args: dict[str, Any]
    source: str  # who sent it, for the record: 'panel 127.0.0.1 #3', 'api 127.0.0.1'
    id: str | None = None
    received: float = field(default_factory=time.monotonic)
    _on_result: Callable[[CommandResult], None] | None = field(default=None, repr=False)

    def deliver(self, result: CommandResult) -> None:
        """Hand the engine's result back to whoever sent the command (any thread, once)."""
        callback, self._on_result = self._on_result, None
        if callback is not None:
            callback(result)


class CommandInbox:
    """The queue the app drains, and the memory of which ids were already applied.

    `submit` runs on the server's event loop; `take` runs on the app loop's thread.
    """

    def __init__(self, remembered: int = REMEMBERED_IDS) -> None:
        self.queue: queue.SimpleQueue[PanelCommand] = queue.SimpleQueue()
        self._remembered = remembered
        self._done: OrderedDict[str, CommandResult] = OrderedDict()
        self._pending: dict[str, asyncio.Future[CommandResult]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    def take(self) -> list[PanelCommand]:
        """Every command waiting, oldest first, without blocking (the app loop calls this)."""
        out: list[PanelCommand] = []
        while True:
            try:
                out.append(self.queue.get_nowait())
            except queue.Empty:
                return out

    async def submit(self, name: str, args: dict[str, Any], source: str, command_id: str | None,
                     timeout: float) -> tuple[CommandResult, bool]:
        """Queue a command and wait for its result. Returns (result, repeated), where
        `repeated` says the id had been seen and the command was not queued again.
        Raises TimeoutError when the app loop does not answer within `timeout`."""
        loop = asyncio.get_running_loop()
        if command_id is not None:
            if command_id in self._done:
                self._done.move_to_end(command_id)
                return self._done[command_id], True
            waiting = self._pending.get(command_id)
            if waiting is not None:
                return await asyncio.wait_for(asyncio.shield(waiting), timeout), True
        future: asyncio.Future[CommandResult] = loop.create_future()
        if command_id is not None:
            self._pending[command_id] = future

        def on_result(result: CommandResult) -> None:  # called on the app loop's thread
            self._from_other_thread(future, command_id, result)

        self.queue.put(PanelCommand(name, args, source, command_id, _on_result=on_result))
        return await asyncio.wait_for(asyncio.shield(future), timeout), False

    def _from_other_thread(self, future: asyncio.Future[CommandResult], command_id: str | None,
                           result: CommandResult) -> None:
        loop = self._loop
        if loop is None or loop.is_closed():
            log.debug("panel stopped before the result of %s came back", result.command)
            return
        try:
            loop.call_soon_threadsafe(self._resolve, future, command_id, result)
        except RuntimeError:  # the loop closed between the check and the call
            log.debug("panel stopped before the result of %s came back", result.command)

    def _resolve(self, future: asyncio.Future[CommandResult], command_id: str | None,
                 result: CommandResult) -> None:
        if command_id is not None:
            self._pending.pop(command_id, None)
            self._done[command_id] = result
            while len(self._done) > self._remembered:
                self._done.popitem(last=False)
        if not future.done():
            future.set_result(result)
