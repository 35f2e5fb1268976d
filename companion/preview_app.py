"""`companion preview FILE --window`: authors see and hear their script, move around in it,
and watch it reload as they edit.

The file is polled a few times a second. A good new version takes over at the same scene
and moment (the engine seeks there); a broken one leaves the last good version playing and
puts its errors on screen, at FILE:LINE:COLUMN, until they are fixed. Narration for new
lines is rendered in the background; until it is ready those lines show as captions.
"""

from __future__ import annotations

import signal
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from companion.parts import Display
from companion.player import PlayerApp, PlayOptions
from companion.script.durations import format_clock
from companion.script.findings import Finding
from companion.script.models import Script
from companion.session import Engine, ScaledClock, State
from companion.session.reload import ScriptWatcher, carry_over

SPEEDS = (1.0, 2.0, 4.0)
SKIP_SECONDS = 10.0
POLL_EVERY = 0.25  # seconds between looks at the file: a change shows within a second
MAX_SHOWN_ERRORS = 6
KEYS_HELP = (
    "←/→ 10 s back/on · ↑/↓ previous/next scene · 1-9 scene · Enter continue · "
    "Space pause · Tab speed 1x/2x/4x · H help · Esc quit"
)
FRAME_TASK = "companion-preview-frame"


@dataclass
class PreviewOptions(PlayOptions):
    """PlayOptions (display, size, monitor, offscreen, speed, out) and the preview's own."""

    scene: str | None = None
    release_holds: bool = False  # continue every hold at once (a quick run-through)
    quit_at_end: bool = False


class PreviewApp(PlayerApp):
    def __init__(self, path: Path, script: Script, options: PreviewOptions) -> None:
        super().__init__(
            script,
            path,
            options,
            ScaledClock(options.speed),
            self._report,
            title=f"Preview: {script.title}",
            frame_task=FRAME_TASK,
        )
        self.path = path
        self.options: PreviewOptions = options
        self.clock: ScaledClock = self.clock
        self.overlay: AuthorOverlay | None = None
        self.watcher = ScriptWatcher(path)
        self.errors: list[Finding] = []
        self.reloads = 0
        self._rendering: threading.Thread | None = None
        self._render_next: Script | None = None  # a newer version, rendered when this is done
        self._rendered: Any = None
        self._last_poll = 0.0

    # --- start-up --------------------------------------------------------------------------

    def open(self) -> None:
        self.player.open()
        self.overlay = AuthorOverlay(self.player.stage)
        self.player.stage.on_buttons(self.key, "preview-button")
        if self.options.scene:
            self.player.engine.seek(self.options.scene, 0.0)
        else:
            self.player.engine.command("start", source="preview")
        self.out(f"previewing {self.path}: {KEYS_HELP}")

    @property
    def engine(self) -> Engine:
        return self.player.engine

    def _report(self, part: str, ok: bool, message: str) -> None:
        if not ok:
            self.out(f"{part}: {message}")

    # --- the loop --------------------------------------------------------------------------

    def run(self) -> int:
        def stop(_signum: int, _frame: Any) -> None:
            self._quit = True

        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, stop)
        try:
            self.player.run()
        except KeyboardInterrupt:
            pass
        finally:
            self.close()
        return 0

    @property
    def _quit(self) -> bool:
        return self.player.stopped

    @_quit.setter
    def _quit(self, quit: bool) -> None:
        self.player.stopped = quit

    def step(self) -> bool:
        return self.player.step()

    def _before_tick(self, now: float) -> None:
        """The file looked at, a newer version taken over, newly rendered lines taken in."""
        if now - self._last_poll >= POLL_EVERY:
            self._last_poll = now
            self._poll_file()
        self._take_rendered_narration()

    def _after_frame(self, now: float) -> None:
        engine = self.engine
        engine.take_events()  # the preview keeps no record
        if engine.state is State.HOLDING and self.options.release_holds:
            engine.command("continue", source="preview")
        if engine.state is State.ENDED and self.options.quit_at_end:
            self._quit = True
        overlay = self._overlay()
        overlay.status(self._status_line())
        overlay.update()

    def _overlay(self) -> AuthorOverlay:
        assert self.overlay is not None, "the preview is open"
        return self.overlay

    def _status_line(self) -> str:
        snap = self.engine.snapshot()
        scene = snap["scene"]
        where = (
            f"{scene['id']} · step {snap['step']['index'] + 1}/{scene['steps']}"
            if scene
            else "ready"
        )
        state = {"holding": "holding: Enter continues", "paused": "paused", "ended": "ended"}.get(
            snap["state"], ""
        )
        speed = f"{self.clock.rate:g}x"
        parts = [
            where,
            f"scene {format_clock(snap['scene_time'])}",
            speed,
            state,
            "(errors: last good version)" if self.errors else "",
        ]
        return "  ·  ".join(p for p in parts if p)

    # --- reloading -------------------------------------------------------------------------

    def _poll_file(self) -> None:
        change = self.watcher.poll()
        if change is None:
            return
        if change.script is None:
            self.errors = [f for f in change.loaded.findings if f.severity == "error"]
            self._overlay().errors(self.errors)
            self.out(f"{len(self.errors)} error(s); still playing the last good version:")
            for finding in self.errors:
                self.out(f"  {finding}")
            return
        self._take_over(change.script)

    def _take_over(self, script: Script) -> None:
        """The new version plays on from the same scene and moment."""
        self.errors = []
        self._overlay().errors([])
        self.script = script
        self.player.mixer.script = script
        self.player.stage.prepare({s.environment for s in script.scenes})
        self.player.engine = carry_over(self.engine, script)
        self.reloads += 1
        snap = self.engine.snapshot()
        where = (
            f"scene {snap['scene']['id']} at {format_clock(snap['scene_time'])}"
            if snap["scene"]
            else "the start"
        )
        self.out(f"reloaded {self.path.name}: {where}")
        self._render_new_lines(script)

    def _render_new_lines(self, script: Script) -> None:
        """Lines the cache does not have yet are rendered while the preview plays."""
        from companion.audio.narration.prepare import prepare_narration

        def render() -> None:
            self._rendered = (script, prepare_narration(script, self.path))

        if self._rendering_alive():
            # One render at a time, and the frame loop never waits for it: the newest script
            # is rendered when this one is done (checked each frame).
            self._render_next = script
            return
        self._render_next = None
        self._rendering = threading.Thread(target=render, name="preview-narration", daemon=True)
        self._rendering.start()

    def _rendering_alive(self) -> bool:
        return self._rendering is not None and self._rendering.is_alive()

    def _take_rendered_narration(self) -> None:
        if self._render_next is not None and not self._rendering_alive():
            self._render_new_lines(self._render_next)
        if self._rendered is None:
            return
        script, narration = self._rendered
        self._rendered = None
        if script is not self.script:
            return  # an older version's lines: the newer render follows
        from companion.audio.narration.timing import SoundTiming

        self.player.mixer.narration = narration
        self.engine.timing = SoundTiming(narration, self.player.audio.library)
        if narration.rendered:
            self.out(f"narration: {narration.rendered} new line(s) rendered")

    # --- keys ------------------------------------------------------------------------------

    def key(self, button: str) -> None:
        engine = self.engine
        snap = engine.snapshot()
        scene = snap["scene"]
        if button == "escape":
            self._quit = True
        elif button == "arrow_right" and scene:
            engine.seek(scene["id"], snap["scene_time"] + SKIP_SECONDS)
        elif button == "arrow_left" and scene:
            self._skip_back(scene, snap["scene_time"])
        elif button in ("arrow_up", "arrow_down"):
            engine.command(
                "previous_scene" if button == "arrow_up" else "next_scene", source="preview"
            )
        elif button.isdigit() and button != "0":
            index = int(button) - 1
            if index < len(self.script.scenes):
                engine.seek(self.script.scenes[index].id, 0.0)
        elif button == "enter":
            engine.command("continue", source="preview")
        elif button == "space":
            engine.command("resume" if engine.state is State.PAUSED else "pause", source="preview")
        elif button == "tab":
            following = (
                SPEEDS[(SPEEDS.index(self.clock.rate) + 1) % len(SPEEDS)]
                if self.clock.rate in SPEEDS
                else 1.0
            )
            self.clock.set_rate(following)
            self.out(f"speed {following:g}x")
        elif button == "h":
            self._overlay().toggle_help()

    def _skip_back(self, scene: dict[str, Any], scene_time: float) -> None:
        """10 s back; at a scene's very start, into the end of the scene before."""
        engine = self.engine
        if scene_time >= 1.0 or not scene["index"]:
            engine.seek(scene["id"], max(0.0, scene_time - SKIP_SECONDS))
            return
        before = self.script.scenes[scene["index"] - 1]
        engine.seek(before.id, max(0.0, engine.estimated_scene_seconds(before) - SKIP_SECONDS))

    def close(self) -> None:
        self.player.close()


class AuthorOverlay:
    """What only the author sees: a status line, the keys, and the errors of a broken edit."""

    def __init__(self, stage: Display) -> None:
        self.stage = stage
        self.shown_errors: list[str] = []
        self.shown_status = ""
        self._help = False
        self._last: float | None = None
        if stage.window is None:
            self._status = self._errors = self._keys = None
            return
        from companion.stage.captions import TextLayer, load_font

        font = load_font()
        width = 2 * stage.size[0] / max(1, stage.size[1]) - 0.2
        self._status = TextLayer(stage.ui, font, height=0.045, z=0.93, width=width)
        self._errors = TextLayer(stage.ui, font, height=0.05, z=0.55, width=width)
        self._keys = TextLayer(stage.ui, font, height=0.045, z=-0.93, width=width)

    def status(self, text: str) -> None:
        if text != self.shown_status:
            self.shown_status = text
            if self._status is not None:
                self._status.show(text)

    def errors(self, findings: list[Finding]) -> None:
        lines = [str(f) for f in findings[:MAX_SHOWN_ERRORS]]
        if len(findings) > MAX_SHOWN_ERRORS:
            lines.append(f"... and {len(findings) - MAX_SHOWN_ERRORS} more")
        self.shown_errors = lines
        if self._errors is None:
            return
        if lines:
            self._errors.show(
                "The file has errors; still playing the last good version.\n" + "\n".join(lines)
            )
        else:
            self._errors.hide()

    def toggle_help(self) -> None:
        self._help = not self._help
        if self._keys is not None:
            self._keys.show(KEYS_HELP) if self._help else self._keys.hide()

    def update(self) -> None:
        now = time.monotonic()
        dt = 0.0 if self._last is None else min(now - self._last, 0.25)
        self._last = now
        for layer in (self._status, self._errors, self._keys):
            if layer is not None:
                layer.update(dt)
