"""The frame loop of run and preview: held to a rate on a screen, paced by the headset in VR
(a 90 Hz headset held to 60 would judder)."""

from __future__ import annotations

import time

from companion.wiring import capped, run_frames


def _time(frames: int, **kwargs) -> float:
    left = [frames]

    def step() -> bool:
        left[0] -= 1
        return left[0] > 0

    start = time.monotonic()
    run_frames(step, **kwargs)
    return time.monotonic() - start


def test_screens_are_held_to_the_rate_and_a_headset_paces_itself(monkeypatch):
    assert capped("window") and capped("fullscreen") and capped("stereo") and capped("none")
    assert not capped("vr")
    assert _time(21, capped=True, rate=100.0) >= 0.19  # 20 waits of 10 ms (never shorter)
    # Uncapped, the loop never waits: its sleeps are counted, not its wall time (which a busy
    # machine stretches).
    slept: list[float] = []
    real_sleep = time.sleep
    monkeypatch.setattr(time, "sleep", lambda s: (slept.append(s), real_sleep(s)))
    _time(21, capped=False, rate=100.0)
    assert slept == [], "as fast as the output allows"
    _time(21, capped=True, rate=100.0)
    assert slept and max(slept) <= 0.01 + 1e-9, "it waits, a frame at most each time"
