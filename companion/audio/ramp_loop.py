"""The mixer's ramp thread: every few milliseconds while anything moves (every 50 ms when
nothing does), it advances the mixer one tick under the mixer's lock, so fades move at most
one small step per mixer buffer. A tick that fails is reported and the loop goes on: a sound
fault must not stop the session."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

TICK = 0.005  # s between gain updates while anything moves
IDLE_TICK = 0.05


class RampLoop:
    def __init__(
        self, tick: Callable[[], bool], lock: Any, fault: Callable[[Exception], None]
    ) -> None:
        self._tick = tick  # advances everything; True while anything moves
        self._lock = lock
        self._fault = fault
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="companion-mixer-ramps", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """Tick now (a change asked for), not at the next idle tick."""
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=2)

    def _run(self) -> None:
        while not self._stop.is_set():
            busy = True
            try:
                with self._lock:
                    busy = self._tick()
            except Exception as exc:  # noqa: BLE001 - the session goes on; the panel shows it
                self._fault(exc)
            self._wake.wait(TICK if busy else IDLE_TICK)
            self._wake.clear()
