"""How the parts are: what the app publishes beside the engine's state.

The mixer, the stage (or headset), the speech engine and the record writer each say how they
are (`report`); the headset adds its frame rate and dropped frames (`display`), the narration
which voice speaks (`voice`). None of this is the session's timeline, so it is not the
engine's: the app holds one board, and the panel's state is the engine's snapshot with this
board's beside it (`published`). A change of a part's health is still an event of the record
(stamped on the engine's clock) and bumps the engine's revision, so the panel hears it at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from companion.record import events as ev

if TYPE_CHECKING:
    from companion.session.engine import Engine


class HealthBoard:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.parts: dict[str, dict[str, Any]] = {}
        self.display: dict[str, Any] = {}  # e.g. a headset's rate and dropped frames
        self.voice: dict[str, Any] = {}  # which voice speaks the narration (the speech badge)

    def report(self, part: str, ok: bool, message: str = "") -> None:
        """A part says how it is (shown on the panel, kept in the record when it changes)."""
        current = {"ok": ok, "message": message}
        if self.parts.get(part) != current:
            self.parts[part] = current
            self.engine.record(ev.Health(part, ok, message))
            self.engine.touch()

    def snapshot(self) -> dict[str, Any]:
        return {
            "health": dict(self.parts),
            "display": dict(self.display),
            "voice": dict(self.voice),
        }


def published(engine: Engine, board: HealthBoard | None) -> dict[str, Any]:
    """What the panel is sent: the engine's state and, beside it, the parts' health."""
    state = engine.snapshot()
    state.update(board.snapshot() if board is not None else HealthBoard(engine).snapshot())
    return state
