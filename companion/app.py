"""One session, wired together: the Player (engine, stage, mixer and the frame loop, shared
with the authors' preview: companion/player.py) with the panel, the record and the
patient's keys.

Each frame the loop applies the commands the panel queued (before the Player's tick), and
after the Player has handed the engine's actions to the stage and the mixer, writes the
engine's events to the record and publishes the state (the engine's, and the parts' health
beside it) to the panels.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from companion import panel_start, session_end, session_record
from companion.parts import Panel, Record
from companion.patient_keys import PatientKeys
from companion.player import PlayerApp, PlayOptions
from companion.script.models import Script
from companion.session import Engine, RealClock, ScaledClock
from companion.session import actions as act
from companion.session.health import HealthBoard, published
from companion.wiring import StartupError

__all__ = ["RunOptions", "SessionApp", "StartupError"]

PUBLISH_EVERY = 0.5  # seconds: the panel hears at least this often
PICTURE_EVERY = 1.0  # seconds: the panel's small live picture
AFTER_END = ("stay", "close")  # after the end: the panel stays until Close, or the app exits

# The parts report under their own names; the panel shows sound, speech and display.
HEALTH_NAMES = {"stage": "display", "narration": "speech"}


@dataclass
class RunOptions(PlayOptions):
    """PlayOptions (display, size, monitor, offscreen, speed, out) and the session's own."""

    panel_host: str | None = "127.0.0.1"  # None on resume: as the stopped run served it
    panel_port: int | None = 8765  # None on resume: the port the stopped run had
    panel_url_host: str | None = None  # the name a tablet opens, when the clinic set one up
    panel_tls: bool = False  # a self-signed certificate, made once (control/tls.py)
    panel_cert: Path | None = None  # or the clinic's own certificate and key
    panel_key: Path | None = None
    record_dir: Path | None = None
    patient: str | None = None
    clinician: str | None = None  # who runs the session: named in the record and report
    autostart: bool = False
    qr: bool = True
    resume: Path | None = None  # a record to continue
    resume_point: Any = None  # where in it (companion.record.resume.ResumePoint)
    resume_lock: Any = None  # its lock, taken before it was read (record.lock.RecordLock)
    resume_record: Any = None  # the record as read then (record.reader.Record): read once
    protocol: Any = None  # the dose protocol (companion.protocols.Protocol), if any
    fitting: dict[str, Any] | None = None  # the patient's profile applied (patients/fitting.py)
    # After the end: "stay" (the clinic's: the panel takes ratings, vitals and the closing
    # entries until the therapist presses Close the session) or "close" (exit END_LINGER after
    # the closing fade: unattended runs). The command line's default is "stay".
    after_end: str = "close"


class SessionApp(PlayerApp):
    def __init__(self, script: Script, script_path: Path, options: RunOptions) -> None:
        clock = ScaledClock(options.speed) if options.speed != 1.0 else RealClock()
        super().__init__(script, script_path, options, clock, self.report)
        self.script_path = script_path
        self.options: RunOptions = options
        self.player.shape = self._shape
        self.player.on_action = lambda action: session_end.on_action(self, action)
        self.keys = PatientKeys(self.player, self.out)  # the patient's window (patient_keys.py)
        self.health: HealthBoard | None = None  # the parts' health, published with the state
        self.panel: Panel | None = None
        self.record: Record | None = None
        self.picture: Any = None
        self._health: list[tuple[str, bool, str]] = []
        self._last_revision = -1
        self._last_publish = 0.0
        self._end_at: float | None = None
        self._ended_wall: float | None = None  # when the session ended (after_end "stay")
        self._stop_reason: str | None = None
        self._exit_status = 0
        self._frames = 0
        self._gestures: Any = None  # one record row per slider gesture (control/gestures.py)
        self._continuity: Any = None  # on resume: what the panel showed (record/resume.py)
        self._looping = False
        self._signals_before: dict[int, Any] = {}

    # --- start-up ----------------------------------------------------------------------------

    def open(self) -> None:
        """Render narration, open the record, the view, the sound and the panel."""
        session_end.handle_signals(self)  # before the record opens: a stop at any moment closes it
        protocol = session_record.protocol_for(
            self
        )  # first: a resume refused for its protocol renders nothing
        player = self.player
        player.prepare()
        engine = player.open_engine(protocol)
        self.health = HealthBoard(engine)
        speaker = player.audio.narration.speaker
        if speaker is not None:
            self.health.voice = speaker.published()
        self._flush_health()
        player.open_outputs()
        if player.stage.window is not None:
            from companion.stage.picture import LivePicture

            self.picture = LivePicture(player.stage.window)
        session_record.open_record(self)
        panel_start.open_panel(self)
        self.keys.bind()
        if self.options.resume is not None:
            session_record.continue_from_record(self)
        elif self.options.autostart:
            self.player.engine.command("start", source="autostart")
        # What start-up made (Panda3D, numpy, the sound library: ~100,000 objects) lives as long
        # as the session. Frozen, it is left out of the collector's full passes, which took
        # 35-50 ms of the frame loop each and come more often while a panel floods the server.
        import gc

        gc.freeze()

    # --- the parts, as the tests and the loop read them -----------------------------------

    @property
    def engine(self) -> Engine | None:
        return self.player.engine if self.player.opened else None

    # --- health ------------------------------------------------------------------------------

    def report(self, part: str, ok: bool, message: str) -> None:
        """Any part's health, from any moment of start-up or any frame (same thread)."""
        part = HEALTH_NAMES.get(part, part)
        if self.health is None:
            self._health.append((part, ok, message))
            return
        self.health.report(part, ok, message)

    def _flush_health(self) -> None:
        assert self.health is not None
        for part, ok, message in self._health:
            self.health.report(part, ok, message)
        self._health.clear()

    # --- the loop ------------------------------------------------------------------------------

    def run(self) -> int:
        """Play until the session ends (or the app is stopped); returns the exit status."""
        session_end.handle_signals(self)
        self._looping = True
        try:
            self.player.run()
        finally:
            self.close(self._stop_reason or "stopped")
        return self._exit_status

    def step(self) -> bool:
        """One frame of the task loop; False once the session is over."""
        self.player.stopped = self._stop_reason is not None
        return self.player.step() and self._stop_reason is None

    def _before_tick(self, now: float) -> None:
        """The panel's queued commands, each in the record before the panel hears "done"."""
        engine, record, panel = self.player.engine, self.record, self.panel
        assert record is not None and panel is not None and self._gestures is not None
        applied, events = [], []
        for c in panel.take_commands():
            applied.append((c, engine.command(c.name, source=c.source, **c.args)))
            # a slider's step (control/gestures.py): one record row a gesture
            events += self._gestures.filter(engine.take_events(), now, gesture=c.gesture)
        if applied:  # in the record before the panel hears "done": an acknowledged command is kept
            record.write_events(events)
        for command, result in applied:
            command.deliver(result)

    def _shape(self, action: act.Action) -> act.Action:
        """A line the mixer cannot speak (no sound for it) is shown as captions only."""
        if isinstance(action, act.Say) and not self.player.mixer.will_speak(action):
            return dataclasses.replace(action, silent=True)
        return action

    def _after_frame(self, now: float) -> None:
        if self.picture is not None:
            self.picture.maybe_take(now, PICTURE_EVERY)
        self._write(self.player.engine.take_events(), now)
        self._publish()
        if (self._end_at is not None and now >= self._end_at) or self.player.engine.closed:
            self._stop_reason = "ended"
            self.player.stopped = True
        self._frames += 1
        if self._frames == 1:
            self.out("first frame drawn")

    def _write(self, events: list[Any], now: float) -> None:
        """Into the record; a slider gesture's rows become one (control/gestures.py)."""
        assert self.record is not None
        if self._gestures is not None:
            events = self._gestures.filter(events, now)
        self.record.write_events(events)

    def _publish(self, force: bool = False) -> None:
        now = time.monotonic()
        engine, health, panel = self.player.engine, self.health, self.panel
        assert health is not None and panel is not None
        if (
            force
            or engine.revision != self._last_revision
            or now - self._last_publish >= PUBLISH_EVERY
        ):
            if self.options.display == "vr" and self.player.stage_open:  # the headset's rate
                health.display = self.player.stage.status()  # type: ignore[attr-defined]
            from companion.control.continuity import on_record_clock

            offset = self.record.session_offset if self.record is not None else 0.0
            state = on_record_clock(published(engine, health), offset)
            state["fitting"] = self.options.fitting  # the panel's patient card (patients.js)
            state["after_end"] = self.options.after_end  # the panel's after-end card (after.js)
            state["closed"] = engine.closed
            state["ended_at_wall"] = self._ended_wall
            panel.publish(state)
            self._last_revision, self._last_publish = engine.revision, now

    # --- closing -------------------------------------------------------------------------------

    def close(self, reason: str) -> None:
        """Close every part (safe to call twice); session_end.close says in what order."""
        session_end.close(self, reason)
