"""The mixer's ramp thread: every few milliseconds while anything moves (every 50 ms when
nothing does), it advances the mixer one tick under the mixer's lock, so fades move at most
one small step per mixer buffer. A tick that fails is reported and the loop goes on: a sound
fault must not stop the session."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

TICK = 0.005  # s between gain updates while anything moves
IDLE_TICK = 0.05
STEP = 2 * 512 / 44100  # s: the most the ramp clock moves in one tick (two mixer buffers)


class RampClock:
    """The time every gain ramp is read at: the monotonic clock, except that one tick of the
    ramp thread moves it by two mixer buffers, or a quarter of what it trails the wall clock
    by, whichever is more. When the thread is held up (a busy machine, a long frame holding
    the GIL) while SDL goes on mixing, a fade read on the wall clock leapt by everything it
    missed at the next tick: a step of 1.5 dB after 100 ms, heard as a click in a crossfade.
    On this clock the fade goes on from where it was in steps a quarter that size, shrinking
    as it catches up. It never trails by more than four ticks' time, so fades keep their
    length however slow the ticks come. While nothing moves it simply follows the wall clock
    (nothing can jump)."""

    def __init__(self, source: Callable[[], float] = time.monotonic) -> None:
        self._source = source
        self._now = source()

    def now(self) -> float:
        return self._now

    def tick(self) -> None:
        lag = self._source() - self._now
        self._now += min(lag, max(STEP, lag / 4))

    def follow(self) -> None:
        """Jump to the wall clock: only while no gain moves."""
        self._now = self._source()


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
