"""The faces of the parts the apps drive: the display (a Stage or a headset's stage), the sound
(the Mixer), the therapist's panel (the PanelServer) and the session record (the RecordWriter).

Protocols, not base classes: the parts do not import these (adapters never import each other
or the apps); the apps and the Player are typed against them, so a test can drive the loop with
a part of its own and a reader sees in one place what the loop asks of each part.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

from companion.session import actions as act

Report = Callable[[str, bool, str], None]


class Display(Protocol):
    """What the patient sees: companion/stage/stage.py (and companion/xr/headset.py)."""

    window: Any  # None: nothing is drawn (sound only)
    size: tuple[int, int]
    ui: Any  # where overlays hang (the preview's author overlay)

    def prepare(self, environments: Iterable[str]) -> None: ...
    def apply(self, action: act.Action) -> None: ...
    def update(self, breath: Mapping[str, Any] | None = None, now: float | None = None) -> None: ...
    def add_frame_task(self, frame: Callable[[], None], name: str, sort: int = 0) -> None: ...
    def remove_frame_task(self, name: str) -> None: ...
    def step(self) -> None: ...
    def on_buttons(self, handler: Callable[[str], None], event: str) -> None: ...
    def on_controllers(self, handler: Callable[[str], None], event: str) -> None: ...
    def close(self) -> None: ...


class Sound(Protocol):
    """What the patient hears: companion/audio/mixer.py."""

    script: Any  # the script it plays (a reload hands it the new one)
    narration: Any  # the rendered narration (a reload hands it newly rendered lines)

    @property
    def silent(self) -> bool: ...
    def apply(self, action: act.Action) -> None: ...
    def update(self) -> None: ...
    def will_speak(self, action: act.Say) -> bool: ...
    def close(self) -> None: ...


class PanelCommand(Protocol):
    name: str
    args: dict[str, Any]
    source: str
    gesture: bool

    def deliver(self, result: Any) -> None: ...


class Panel(Protocol):
    """The therapist's panel: companion/control/server.py."""

    port: int
    token: str

    @property
    def url(self) -> str: ...
    def start(self) -> None: ...
    def stop(self) -> None: ...
    def take_commands(self) -> Sequence[PanelCommand]: ...
    def publish(self, snapshot: dict[str, Any]) -> None: ...


class Record(Protocol):
    """The session record: companion/record/writer.py."""

    folder: Path
    session_offset: float
    offline_seconds: float | None
    resumed_from: Any
    times: Callable[[], tuple[float, float]] | None

    def write_events(self, events: Iterable[Any]) -> None: ...
    def close(self, reason: str = "closed") -> Path | None: ...


__all__ = ["Display", "Panel", "PanelCommand", "Record", "Report", "Sound"]
