"""Clocks the engine runs against: the real one, and a virtual one tests move by hand."""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    def now(self) -> float:
        """Seconds from an arbitrary origin; never goes backwards."""
        ...


class RealClock:
    def now(self) -> float:
        return time.monotonic()


class VirtualClock:
    """Time that moves only when told: a two-hour session runs in milliseconds."""

    def __init__(self, start: float = 0.0) -> None:
        self._now = start

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("a clock cannot go backwards")
        self._now += seconds

    def set(self, when: float) -> None:
        self.advance(max(0.0, when - self._now))


class ScaledClock:
    """Real time run at a chosen rate (1x, 2x, 4x for authors' previews; fast runs in tests).
    Changing the rate never makes time jump."""

    def __init__(self, rate: float = 1.0, source: Clock | None = None) -> None:
        self._source = source or RealClock()
        self._rate = rate
        self._origin_real = self._source.now()
        self._origin = 0.0

    @property
    def rate(self) -> float:
        return self._rate

    def set_rate(self, rate: float) -> None:
        if rate <= 0:
            raise ValueError("a clock's rate must be positive")
        self._origin = self.now()
        self._origin_real = self._source.now()
        self._rate = rate

    def now(self) -> float:
        return self._origin + (self._source.now() - self._origin_real) * self._rate
