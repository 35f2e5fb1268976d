"""Commands from the panel on their way to the app loop, and their results on the way back.

The server's event loop thread puts `PanelCommand`s on a thread-safe queue; the app loop
(companion/app.py) takes them each frame, applies them with `engine.command(...)` and hands
the result back with `command.deliver(result)`. A command that carries an `id` is applied at
most once: a resend with the same id (after a reconnect) waits for, or gets, the first result.
An id belongs to its sender and its command: the same id from another sender is another
command, and an id reused for a different command (or other arguments) is refused with a
reason, never answered as a repeat (a safety command must never be swallowed that way).

However hard the panels push, a frame never gets more than `per_frame` commands (the rest wait
for the next frame), taken in turn from each sender, so one client flooding the session delays
another's command by a frame at most. How many may wait is bounded per sender: a WebSocket
panel's own limit (companion/control/clients.py; it is then not read, and TCP slows the client
down) and `max_queued` HTTP callers at once. Nothing is dropped, and each sender's commands are
applied in the order it sent them.
"""

from __future__ import annotations

import asyncio
import json
import logging
import queue
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from companion.control.frames import FrameTimes
from companion.session.commands import CommandResult

log = logging.getLogger(__name__)

Answer = Callable[["CommandResult | None", bool], None]

# Commands applied in one frame at most. The dearest, a volume change, costs ~150 us through
# the engine, the mixer and the record: 20 stay within ~3 ms of a 16.7 ms frame, and 1,200 a
# second at 60 Hz is some hundred times what a therapist sends.
PER_FRAME = 20
MAX_QUEUED = (
    1024  # HTTP callers waiting for the app loop at most (each WebSocket has its own limit)
)
# Ids remembered for resends. The page drops a command unconfirmed for 30 s, so an id must be
# remembered longer than that: at PER_FRAME x 60 Hz this many last 55 s even under a flood.
REMEMBERED_IDS = 65_536
REUSED_ID = "the id"  # how a refusal for a reused id begins (the HTTP API answers it with 409)

Key = tuple[str, str]  # (sender, id)


@dataclass
class PanelCommand:
    """One therapist's command, as the app loop sees it."""

    name: str
    args: dict[str, Any]
    source: str  # who sent it, for the record: 'panel 127.0.0.1 #3', 'api 127.0.0.1'
    id: str | None = None
    received: float = field(default_factory=time.monotonic)
    gesture: bool = False  # a slider's step: its record row may give way to the next one
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

    def __init__(
        self,
        remembered: int = REMEMBERED_IDS,
        per_frame: int = PER_FRAME,
        max_queued: int = MAX_QUEUED,
    ) -> None:
        self.queue: queue.SimpleQueue[PanelCommand] = queue.SimpleQueue()
        self.frames = FrameTimes()
        self.applied = 0  # results handed back by the app loop, since the start
        self.waiting = 0  # commands queued and not yet answered
        self._remembered = remembered
        self._per_frame = per_frame
        self._slots = asyncio.Semaphore(max_queued)  # bound to the server's loop on first use
        self._done: OrderedDict[Key, tuple[str, CommandResult]] = OrderedDict()
        self._pending: dict[Key, tuple[str, asyncio.Future[CommandResult]]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._results: list[tuple[asyncio.Future[CommandResult], Key | None, CommandResult]] = []
        self._results_lock = threading.Lock()
        self._flush_scheduled = False
        # The app loop's side: commands taken from the queue, by sender, not yet handed out;
        # and how many handed out are not yet delivered (their results go back in one batch).
        self._by_source: OrderedDict[str, deque[PanelCommand]] = OrderedDict()
        self._undelivered = 0

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    def take(self) -> list[PanelCommand]:
        """The commands waiting, oldest first and at most `per_frame` of them, without
        blocking. The app loop calls this once a frame: the gaps between calls are its frame
        times."""
        self.frames.mark()
        if self._undelivered:  # the last frame's batch was not all delivered: send what was
            self._undelivered = 0
            self._wake_server()
        by_source = self._by_source
        while True:
            try:
                command = self.queue.get_nowait()
            except queue.Empty:
                break
            by_source.setdefault(command.source, deque()).append(command)
        out: list[PanelCommand] = []
        while by_source and len(out) < self._per_frame:  # one from each sender in turn
            source, commands = next(iter(by_source.items()))
            out.append(commands.popleft())
            if commands:
                by_source.move_to_end(source)
            else:
                del by_source[source]
        self._undelivered = len(out)
        return out

    def post(
        self,
        name: str,
        args: dict[str, Any],
        source: str,
        command_id: str | None,
        timeout: float,
        answer: Answer,
        sender: str | None = None,
        gesture: bool = False,
    ) -> None:
        """Queue a command and return at once (on the server's loop). `answer(result, repeated)`
        is called once on the loop: when the app loop has applied it, at once when its id was
        already applied (`repeated` True), or with result None after `timeout` seconds without
        one. A command that timed out may still be applied later; its id then says so. Ids
        are remembered per `sender` (default: `source`), with the command they were used for."""
        key = None if command_id is None else (sender or source, command_id)
        if key is not None:
            fingerprint = _fingerprint(name, args)
            done = self._done.get(key)
            if done is not None:
                if done[0] != fingerprint:
                    answer(_reused(name, key[1], done[1].command), False)
                    return
                self._done.move_to_end(key)
                answer(done[1], True)
                return
            waiting = self._pending.get(key)
            if waiting is not None:  # sent again while the first is still queued
                if waiting[0] != fingerprint:
                    answer(_reused(name, key[1], waiting[0].split("\n", 1)[0]), False)
                    return
                _when_done(waiting[1], answer, True, timeout)
                return
        future: asyncio.Future[CommandResult] = asyncio.get_running_loop().create_future()
        if key is not None:
            self._pending[key] = (fingerprint, future)

        def on_result(result: CommandResult) -> None:  # called on the app loop's thread
            self._from_other_thread(future, key, result)

        self.queue.put(
            PanelCommand(name, args, source, command_id, gesture=gesture, _on_result=on_result)
        )
        self.waiting += 1
        _when_done(future, answer, False, timeout)

    async def submit(
        self,
        name: str,
        args: dict[str, Any],
        source: str,
        command_id: str | None,
        timeout: float,
        sender: str | None = None,
        gesture: bool = False,
    ) -> tuple[CommandResult, bool]:
        """`post`, awaited (the HTTP API): returns (result, repeated); TimeoutError when the
        app loop does not answer within `timeout`. At most `max_queued` such callers wait at
        once; beyond that a caller waits its turn before its command is queued."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        if self._slots.locked():
            await asyncio.wait_for(self._slots.acquire(), timeout)
        else:
            await self._slots.acquire()  # returns at once
        answered: asyncio.Future[tuple[CommandResult | None, bool]] = loop.create_future()
        try:

            def settle(result: CommandResult | None, repeated: bool) -> None:
                if not answered.done():  # (cancelled: the caller stopped waiting)
                    answered.set_result((result, repeated))

            self.post(
                name,
                args,
                source,
                command_id,
                max(0.0, deadline - loop.time()),
                settle,
                sender,
                gesture,
            )
            result, repeated = await answered
        finally:
            self._slots.release()
        if result is None:
            raise TimeoutError(f"the app loop did not apply '{name}' within {timeout} s")
        return result, repeated

    def _from_other_thread(
        self, future: asyncio.Future[CommandResult], command_id: Key | None, result: CommandResult
    ) -> None:
        """Results go back in one batch a frame, once the last command taken is delivered:
        one wake-up of the server's loop rather than one per command (each is a system call,
        and a chance for the server's thread to take the GIL from the app loop mid-frame)."""
        with self._results_lock:
            self._results.append((future, command_id, result))
        self._undelivered -= 1
        if self._undelivered <= 0:
            self._undelivered = 0
            self._wake_server()

    def _wake_server(self) -> None:
        with self._results_lock:
            if self._flush_scheduled or not self._results:
                return
            self._flush_scheduled = True
        loop = self._loop
        try:
            if loop is None or loop.is_closed():
                raise RuntimeError("closed")
            loop.call_soon_threadsafe(self._flush_results)
        except RuntimeError:  # the loop closed (or is closing): nobody is waiting any more
            log.debug("panel stopped before the results of the last commands came back")

    def _flush_results(self) -> None:
        with self._results_lock:
            results, self._results = self._results, []
            self._flush_scheduled = False
        for future, command_id, result in results:
            self._resolve(future, command_id, result)

    def _resolve(
        self, future: asyncio.Future[CommandResult], command_id: Key | None, result: CommandResult
    ) -> None:
        self.applied += 1
        self.waiting -= 1
        if command_id is not None:
            pending = self._pending.pop(command_id, None)
            fingerprint = pending[0] if pending else _fingerprint(result.command, {})
            self._done[command_id] = (fingerprint, result)
            while len(self._done) > self._remembered:
                self._done.popitem(last=False)
        if not future.done():
            future.set_result(result)


def _fingerprint(name: str, args: dict[str, Any]) -> str:
    """The command and its arguments, as one comparable text (the name on the first line)."""
    return name + "\n" + json.dumps(args, sort_keys=True, default=str)


def _reused(name: str, command_id: str, first: str) -> CommandResult:
    other = "another" if first == name else "a"
    return CommandResult(
        name,
        False,
        f"{REUSED_ID} '{command_id}' was already used for "
        f"{other} '{first}' command; give each command its own id",
    )


def _when_done(
    future: asyncio.Future[CommandResult], answer: Answer, repeated: bool, timeout: float
) -> None:
    """Call answer(result, repeated) once `future` has its result, or answer(None, repeated)
    after `timeout` seconds: a callback and a timer, with no task per command."""
    loop = asyncio.get_running_loop()
    called = False

    def expire() -> None:
        nonlocal called
        if not called:
            called = True
            answer(None, repeated)

    timer = loop.call_later(timeout, expire)

    def done(finished: asyncio.Future[CommandResult]) -> None:
        nonlocal called
        timer.cancel()
        if not called:
            called = True
            answer(finished.result(), repeated)

    future.add_done_callback(done)
