"""Pictures of a script without a screen: one PNG per scene at its start look and one after
each `look` step, its fade completed. Rendered offscreen through EGL."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from companion.script import models
from companion.session import actions as act
from companion.stage.stage import Stage


def snapshot_script(
    script: models.Script,
    out_dir: Path,
    size: tuple[int, int] = (1280, 720),
    on_file: Callable[[Path], None] | None = None,
) -> list[Path]:
    """Render every scene of `script` into `out_dir`; returns the files written in order."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with Stage(
        "window",
        size,
        headless=True,
        comfort=False,
        captions=False,
        render_scale=1.0,
        wait_media=True,
    ) as stage:
        stage.prepare({scene.environment for scene in script.scenes}, strict=True)
        for index, scene in enumerate(script.scenes, start=1):
            look = scene.look.settings() if scene.look else {}
            stage.apply(
                act.SceneChange(
                    scene.id, scene.environment, look, scene.transition, script.scene_phase(scene)
                )
            )
            written.append(_shoot(stage, out_dir / f"{index:02d}-{scene.id}.png", on_file))
            looks = 0
            for step in scene.steps:
                if isinstance(step, models.LookStep):
                    looks += 1
                    stage.apply(act.LookChange(step.look.settings(), step.look.fade or 0.0))
                    written.append(
                        _shoot(stage, out_dir / f"{index:02d}-{scene.id}-look{looks}.png", on_file)
                    )
    return written


def _shoot(stage: Stage, path: Path, on_file: Callable[[Path], None] | None) -> Path:
    stage.settle()
    stage.render()
    stage.render()  # the second frame shows every input of the first settled
    stage.save(str(path))
    if on_file:
        on_file(path)
    return path
