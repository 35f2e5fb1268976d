"""The Player: one script played on a stage and a mixer, by the engine, in one frame loop.

`companion run` (companion/app.py) and `companion preview --window` (companion/preview_app.py)
both play through it. It prepares the sound (the library, every narration line), opens the
engine, the stage and the mixer, and runs the loop: each frame it calls the app's `before`,
ticks the engine and hands each action to the stage and the mixer (the frame fan-out), moves
the mixer and the stage on with the engine's breath phase, then calls the app's `after`. The
apps add what is theirs: the session app the panel, the record and the patient's keys; the
preview the file watcher and its overlay. Neither reaches into Panda3D: the frame task and
the keys go through the stage.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from companion.parts import Display, Report, Sound
from companion.script.models import Script
from companion.session import Engine, State
from companion.session import actions as act
from companion.session.clock import Clock, RealClock, ScaledClock
from companion.wiring import Progress, capped, open_stage, prepare_audio, run_frames

Frame = Callable[[float], None]  # called with time.monotonic() of the frame


@dataclass
class PlayOptions:
    """What `companion run` and `companion preview --window` share: where and how fast."""

    display: str = "window"
    size: tuple[int, int] = (1280, 720)
    monitor: int | None = None
    offscreen: bool = False  # draw through EGL with no screen (servers, CI)
    speed: float = 1.0  # a faster clock, for trying a script through quickly
    out: Callable[[str], None] = field(default=print)
    progress: Progress | None = None  # the narration render's bar (the command line's)


class Player:
    def __init__(
        self,
        script: Script,
        script_path: Path,
        options: PlayOptions,
        clock: Clock,
        report: Report,
        *,
        title: str | None = None,
        frame_task: str = "companion-frame",
    ) -> None:
        self.script = script
        self.script_path = script_path
        self.options = options
        self.clock = clock
        self.report = report
        self.title = title or script.title
        self.frame_task = frame_task
        self.audio: Any = None  # companion.audio.prepare.SessionAudio
        self._engine: Engine | None = None
        self._stage: Display | None = None
        self._mixer: Sound | None = None
        self.before: Frame = _nothing  # the app's work before the engine's tick
        self.after: Frame = _nothing  # ... and after the stage's update
        self.shape: Callable[[act.Action], act.Action] = _same  # an action before it is played
        self.on_action: Callable[[act.Action], None] = _nothing_done  # once it is played
        self.stopped = False  # set by the app: the loop ends after this frame

    # --- the parts ---------------------------------------------------------------------------

    @property
    def engine(self) -> Engine:
        assert self._engine is not None, "the player is not open"
        return self._engine

    @engine.setter
    def engine(self, engine: Engine) -> None:  # a reload's new engine (the preview)
        self._engine = engine

    @property
    def stage(self) -> Display:
        assert self._stage is not None, "the player is not open"
        return self._stage

    @property
    def mixer(self) -> Sound:
        assert self._mixer is not None, "the player is not open"
        return self._mixer

    @property
    def opened(self) -> bool:
        return self._engine is not None

    # --- start-up ----------------------------------------------------------------------------

    def prepare(self) -> None:
        """The library and every narration line, before anything plays."""
        self.audio = prepare_audio(
            self.script, self.script_path, self.options.out, self.report, self.options.progress
        )

    def open_engine(self, protocol: Any = None) -> Engine:
        self._engine = Engine(self.script, self.clock, self.audio.timing, protocol=protocol)
        return self._engine

    def open_outputs(self) -> None:
        """The stage (every environment built now, so no scene change stalls a frame), then
        the mixer."""
        options = self.options
        self._stage = open_stage(
            options.display,
            options.size,
            monitor=options.monitor,
            offscreen=options.offscreen,
            report=self.report,
            title=self.title,
            environments=(scene.environment for scene in self.script.scenes),
        )
        from companion.audio.mixer import Mixer

        self._mixer = Mixer(
            self.script,
            self.script_path.parent,
            self.audio.narration,
            self.report,
            library=self.audio.library,
            music_started=self._music_started,
        )

    def _music_started(self, info: dict[str, Any]) -> None:
        """A composer piece's seed for the record, through the engine of the moment (a
        preview's reload brings a new one)."""
        if self._engine is not None:
            self._engine.music_started(info)

    def open(self, protocol: Any = None) -> None:
        self.prepare()
        self.open_engine(protocol)
        self.open_outputs()

    # --- the loop ----------------------------------------------------------------------------

    def run(self) -> None:
        """Frames until `stopped`, at the display's pace."""
        run_frames(self.step, capped=capped(self.options.display))

    def step(self) -> bool:
        """One frame of the task loop; False once the app has stopped."""
        stage = self.stage
        stage.add_frame_task(self.frame, self.frame_task)
        stage.step()
        return not self.stopped

    def frame(self) -> None:
        self.before(time.monotonic())
        engine, stage, mixer = self.engine, self.stage, self.mixer
        for action in engine.tick():
            action = self.shape(action)
            stage.apply(action)
            mixer.apply(action)
            self.on_action(action)
        mixer.update()
        now = time.monotonic()
        stage.update(breath=engine.breath(), now=now)
        self.after(now)

    @property
    def playing(self) -> bool:
        return self._engine is not None and self._engine.state in (
            State.PLAYING,
            State.HOLDING,
            State.PAUSED,
        )

    # --- closing -----------------------------------------------------------------------------

    def close_sound(self) -> None:
        if self._mixer is not None:
            mixer, self._mixer = self._mixer, None
            mixer.close()

    def close_stage(self) -> None:
        if self._stage is not None:
            stage, self._stage = self._stage, None
            stage.remove_frame_task(self.frame_task)
            stage.close()

    def close(self) -> None:
        """The mixer, then the stage (safe to call twice)."""
        self.close_sound()
        self.close_stage()

    @property
    def stage_open(self) -> bool:
        return self._stage is not None

    @property
    def sound_open(self) -> bool:
        return self._mixer is not None


class PlayerApp:
    """An app built on a Player: it plays `script` with `options` on `clock`, and does its own
    work before the engine's tick (`_before_tick`) and after the stage's update
    (`_after_frame`). It shows the stage and the mixer (None before the player opens them
    and after it closes them)."""

    def __init__(
        self,
        script: Script,
        script_path: Path,
        options: PlayOptions,
        clock: ScaledClock | RealClock,
        report: Report,
        **player: str,
    ) -> None:
        self.script = script
        self.options = options
        self.out = options.out
        self.clock = clock
        self.player = Player(script, script_path, options, clock, report, **player)
        self.player.before, self.player.after = self._before_tick, self._after_frame

    def _before_tick(self, now: float) -> None:
        """The app's work before the engine's tick (none here)."""

    def _after_frame(self, now: float) -> None:
        """The app's work after the stage's update (none here)."""

    @property
    def stage(self) -> Display | None:
        return self.player.stage if self.player.stage_open else None

    @property
    def mixer(self) -> Sound | None:
        return self.player.mixer if self.player.sound_open else None


def _nothing(now: float) -> None:
    """No work of the app's at this point of the frame."""


def _nothing_done(action: act.Action) -> None:
    """No work of the app's after an action is played."""


def _same(action: act.Action) -> act.Action:
    return action


__all__ = ["PlayOptions", "Player", "PlayerApp"]
