"""Where the breathing guide is, read from the timeline: phase, progress, cycle.

Read by the snapshot (the panel) and the stage's guide each frame; moved out of the engine
(issue 17) as it reads the engine's state and changes nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from companion.script import models
from companion.session.state import State

if TYPE_CHECKING:
    from companion.session.engine import Engine


def breath(engine: Engine) -> dict[str, Any] | None:
    """Where the breathing guide is: phase (in, hold, out, rest), its progress 0..1."""
    position = engine._position
    if position is None or position.step_index >= len(position.scene.steps):
        return None
    step = position.scene.steps[position.step_index]
    if not isinstance(step, models.BreatheStep) or engine.state is State.ENDED:
        return None
    b = step.breathe
    elapsed = max(0.0, engine._play - position.step_started)
    cycle = min(int(elapsed // b.cycle_seconds), b.cycles - 1)
    within = elapsed - cycle * b.cycle_seconds
    for phase, seconds in (("in", b.in_), ("hold", b.hold), ("out", b.out), ("rest", b.rest)):
        if seconds > 0 and within < seconds:
            return {
                "phase": phase,
                "progress": within / seconds,
                "cycle": cycle + 1,
                "cycles": b.cycles,
            }
        within -= seconds
    return {"phase": "rest", "progress": 1.0, "cycle": b.cycles, "cycles": b.cycles}
