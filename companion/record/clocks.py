"""The clocks a record is stamped with, and why there are three.

- Session and play times come from the engine's monotonic clock: a wall-clock change (NTP,
  a therapist fixing the time, a dead CMOS battery) never moves the dose clock.
- `wall` (for clock times in the report) is the wall clock read once when the writer
  opens, carried forward by the monotonic clock, so it moves with the session. When the
  system clock departs from it by more than `JUMP_SECONDS`, the writer records a
  `clock_jump` event (how far, and the system's reading) and goes on as before.
- `boot` and `uptime` (Linux's boot id and CLOCK_BOOTTIME, which counts suspend too) let
  a resume on the same boot measure the outage exactly, whatever the wall clock did. After
  a reboot the outage comes from the wall clock, and is trusted only within `MAX_OUTAGE`.
"""

from __future__ import annotations

import functools
import time
from pathlib import Path

JUMP_SECONDS = 2.0  # a larger difference between system and record clocks is a jump
MAX_OUTAGE = 24 * 3600.0  # an outage measured by the wall clock beyond this (or < 0) is unknown
BOOT_ID = Path("/proc/sys/kernel/random/boot_id")


@functools.cache
def boot_id() -> str | None:
    """This boot's id (Linux), so a resume knows whether `uptime` still counts from the same
    start; None elsewhere."""
    try:
        return BOOT_ID.read_text(encoding="ascii").strip() or None
    except OSError:
        return None


def uptime() -> float:
    """Seconds since boot, suspend included where the platform can say (CLOCK_BOOTTIME)."""
    clock = getattr(time, "CLOCK_BOOTTIME", None)
    return time.clock_gettime(clock) if clock is not None else time.monotonic()


def boot_facts() -> dict[str, object]:
    return {"boot": boot_id(), "uptime": round(uptime(), 3)}


__all__ = ["JUMP_SECONDS", "MAX_OUTAGE", "boot_facts", "boot_id", "uptime"]
