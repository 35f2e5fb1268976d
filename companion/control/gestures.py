"""One record row per slider gesture.

A slider on the panel sends a few level commands a second while it is dragged (or one per
arrow key). Each is applied at once, so the patient hears the change as it is made, but the
record and the report want the gesture, not its steps: two slider moves made 60 report rows.
So the page marks a slider's commands as a gesture (`"gesture": true`, beside the id); the
record row of such a command waits, and a newer one from the same sender for the same slider
replaces it; it is written once the slider has been still for `idle` seconds, or as soon as any
other event is written (the record stays in time order), or at the end. Commands not so marked
(a script's, the keys', a resume's) are each kept as they come.

What this costs: a level set less than `idle` seconds before the program is killed is applied
but not in the record (a resume then starts from the level before it).
"""

from __future__ import annotations

from typing import Any

SLIDERS = ("volume", "intensity", "tone")
IDLE = 0.8  # seconds of stillness that end a gesture


class GestureRows:
    def __init__(self, idle: float = IDLE) -> None:
        self.idle = idle
        self._held: dict[tuple[Any, ...], tuple[Any, float]] = {}  # key -> (event, written by)

    def filter(self, events: list[Any], now: float, gesture: bool = False) -> list[Any]:
        """The events to write now, in order (engine Events, as take_events gives them).
        `gesture`: the events come from one command that the page marked as a slider step."""
        out: list[Any] = []
        for event in events:
            key = _slider_key(event) if gesture else None
            if key is not None:
                self._held.pop(key, None)
                self._held[key] = (event, now + self.idle)
                continue
            out.extend(self.flush())
            out.append(event)
        return out + self.due(now)

    def due(self, now: float) -> list[Any]:
        """Held rows whose slider has been still long enough."""
        done = [key for key, (_, by) in self._held.items() if by <= now]
        return [self._held.pop(key)[0] for key in done]

    def flush(self) -> list[Any]:
        """Every held row, oldest first (before another event, and at the end)."""
        out = [event for event, _ in self._held.values()]
        self._held.clear()
        return out

    @property
    def holding(self) -> int:
        return len(self._held)


def _slider_key(event: Any) -> tuple[Any, ...] | None:
    data = getattr(event, "data", None)
    if getattr(event, "kind", None) != "command" or not isinstance(data, dict):
        return None
    if data.get("command") not in SLIDERS or not data.get("ok"):
        return None
    source = str(data.get("source", ""))
    args = data.get("args")
    return (source, data["command"], args.get("bus") if isinstance(args, dict) else None)
