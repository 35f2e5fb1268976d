"""Hot reload for authors: a new version of the script takes over where the old one was."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from companion.script import Loaded, load_script, models
from companion.script.models import Script
from companion.session.engine import Engine, State


@dataclass
class Reload:
    """What a poll found: a new good script, or the errors of a broken one (None: no change)."""

    script: Script | None
    loaded: Loaded


class ScriptWatcher:
    """Notices when a script file changes on disk and loads it again."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._stamp = self._read_stamp()

    def _read_stamp(self) -> tuple[int, int] | None:
        try:
            stat = self.path.stat()
        except OSError:
            return None
        return stat.st_mtime_ns, stat.st_size

    def poll(self) -> Reload | None:
        stamp = self._read_stamp()
        if stamp == self._stamp or stamp is None:
            return None  # unchanged, or gone for a moment while an editor saves
        self._stamp = stamp
        loaded = load_script(self.path)
        return Reload(loaded.script if loaded.ok else None, loaded)


def carry_over(old: Engine, script: Script) -> Engine:
    """A new engine on `script` at the old one's scene and time in it, with the therapist's
    settings (levels, intensity, captions). The scene is found by id, or by its place."""
    engine = Engine(script, old.clock, old.timing)
    engine.levels.update(old.levels)
    engine.intensity, engine.captions = old.intensity, old.captions
    position = old.position
    if old.state is State.READY or position is None:
        return engine
    scene_id = position.scene.id
    if script.scene_index(scene_id) is None:
        index = min(position.scene_index or 0, len(script.scenes) - 1)
        scene_id = script.scenes[index].id
    new_scene = script.scenes[script.scene_index(scene_id)]  # type: ignore[index]
    held_at = position.step_index if old.hold_reason == "wait" else None
    if (
        held_at is not None
        and held_at < len(new_scene.steps)
        and isinstance(new_scene.steps[held_at], models.WaitStep)
    ):
        engine.command(
            "start", source="reload", scene=scene_id, step=held_at
        )  # holding there still
    else:
        engine.seek(scene_id, old.play_time - position.scene_started, stop_at_holds=False)
    if old.state is State.PAUSED:
        engine.command("pause", source="reload")
    return engine
