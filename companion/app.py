"""One session, wired together: the engine, the stage, the mixer, the panel and the record,
in one Panda3D task loop that owns time.

Each frame the loop applies the commands the panel queued, ticks the engine, hands its
actions to the stage and the mixer, moves the stage on with the engine's breath phase,
writes the engine's events to the record, and publishes the state to the panels.
"""

from __future__ import annotations

import dataclasses
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from companion.script.models import Script
from companion.session import Engine, RealClock, ScaledClock, State
from companion.session import actions as act
from companion.wiring import StartupError, capped, open_stage, prepare_audio, run_frames

__all__ = ["RunOptions", "SessionApp", "StartupError"]

PUBLISH_EVERY = 0.5  # seconds: the panel hears at least this often
PICTURE_EVERY = 1.0  # seconds: the panel's small live picture
END_LINGER = 1.0  # seconds after the closing fade before the app exits
ESC_CONFIRM_SECONDS = 5.0
STOP_SIGNALS = ("SIGINT", "SIGTERM", "SIGHUP")  # SIGHUP: the terminal was closed
FRAME_TASK = "companion-frame"

# The parts report under their own names; the panel shows sound, speech and display.
HEALTH_NAMES = {"stage": "display", "narration": "speech"}

# Keys in the patient's window (a one-screen set-up). Any other key or button, pressed while
# the session plays, is the patient's signal to the therapist.
CONTROL_KEYS = {"space", "n", "g", "t", "c", "escape", "r"}


@dataclass
class RunOptions:
    display: str = "window"
    monitor: int | None = None
    size: tuple[int, int] = (1280, 720)
    offscreen: bool = False  # draw through EGL with no screen (servers, CI)
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
    speed: float = 1.0  # a faster clock, for trying a script through quickly
    qr: bool = True
    resume: Path | None = None  # a record to continue
    resume_point: Any = None  # where in it (companion.record.resume.ResumePoint)
    resume_lock: Any = None  # its lock, taken before it was read (record.lock.RecordLock)
    resume_record: Any = None  # the record as read then (record.reader.Record): read once
    protocol: Any = None  # the dose protocol (companion.protocols.Protocol), if any
    fitting: dict[str, Any] | None = None  # the patient's profile applied (patients/fitting.py)
    out: Callable[[str], None] = field(default=print)


class SessionApp:
    def __init__(self, script: Script, script_path: Path, options: RunOptions) -> None:
        self.script = script
        self.script_path = script_path
        self.options = options
        self.out = options.out
        self.clock = ScaledClock(options.speed) if options.speed != 1.0 else RealClock()
        self.engine: Engine | None = None
        self.stage: Any = None
        self.mixer: Any = None
        self.panel: Any = None
        self.record: Any = None
        self.picture: Any = None
        self._health: list[tuple[str, bool, str]] = []
        self._last_revision = -1
        self._last_publish = 0.0
        self._end_at: float | None = None
        self._esc_until = 0.0
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
        self._handle_signals()  # before the record opens: a stop at any moment closes it
        protocol = self._protocol()  # first: a resume refused for its protocol renders nothing
        audio = prepare_audio(self.script, self.script_path, self.out, self.report)
        self.engine = Engine(self.script, self.clock, audio.timing, protocol=protocol)
        if audio.narration.speaker is not None:
            self.engine.voice = audio.narration.speaker.published()
        self._flush_health()
        self.stage = self._open_stage()
        from companion.audio.mixer import Mixer

        self.mixer = Mixer(
            self.script,
            self.script_path.parent,
            audio.narration,
            self.report,
            library=audio.library,
        )
        self._open_record()
        self._open_panel()
        self._bind_keys()
        if self.options.resume is not None:
            self._continue_from_record()
        elif self.options.autostart:
            self.engine.command("start", source="autostart")
        # What start-up made (Panda3D, numpy, the sound library: ~100,000 objects) lives as long
        # as the session. Frozen, it is left out of the collector's full passes, which took
        # 35-50 ms of the frame loop each and come more often while a panel floods the server.
        import gc

        gc.freeze()

    def _protocol(self) -> Any:
        """The protocol given, or on resume the one the record kept (its definition): the
        session goes on by it, its checkpoints where they were. Another --protocol on resume
        would restart them and mark taken checks missed: refused, naming both."""
        point, given = self.options.resume_point, self.options.protocol
        if point is None or not point.protocol:
            return given
        from companion.protocols import ProtocolError, from_definition

        try:
            kept = from_definition(point.protocol)
        except ProtocolError as exc:
            self.out(f"resume: the record's protocol cannot be used: {exc}")
            return given
        if given is not None and given != kept:  # compares what they say (not their text)
            raise StartupError(
                f"--protocol {given.name!r} is not the protocol this session was recorded with "
                f"({kept.name!r}{' as the record kept it' if given.name == kept.name else ''}); "
                "a resume goes on by the record's protocol: leave out --protocol"
            )
        return kept

    def _continue_from_record(self) -> None:
        """Put the fresh engine where the record stopped: its scene and step, the therapist's
        settings, the dose clock (in this engine's times: the record's less its offset)."""
        point, offset = self.options.resume_point, self.record.session_offset
        for kind, event, at in point.monitoring:  # checkpoints first: none is due again
            self.engine.monitoring.replay(kind, event, at - offset)
        for name, args in point.commands():
            if name == "start_grounded":  # the safe scene at its step, Return leading back
                result = self.engine.start_grounded(**args)
            else:
                result = self.engine.command(name, source="resume", **args)
            if not result.ok:
                self.out(f"resume: {name}: {result.reason}")
        self._continue_panel(offset)
        doses = [{**dose, "session_time": dose["session_time"] - offset} for dose in point.doses]
        due = point.vitals_due - offset if point.vitals_due is not None else None
        self.engine.restore_dose_clock(doses, point.vitals_checks, due)
        self.out(f"resumed at scene '{point.scene}', step {point.step + 1}")

    def _continue_panel(self, offset: float) -> None:
        """What the panel showed goes on: the notes (in the engine's times, so the panel
        shows their record times) and Talk, if it was on."""
        seen = self._continuity
        self.engine.notes[:0] = seen.engine_notes(offset)
        if seen.talk:
            result = self.engine.command("talk", source="resume", on=True)
            if not result.ok:
                self.out(f"resume: talk: {result.reason}")
        self.engine.revision += 1

    def _open_stage(self) -> Any:
        options = self.options
        stage = open_stage(
            options.display,
            options.size,
            monitor=options.monitor,
            offscreen=options.offscreen,
            report=self.report,
            title=self.script.title,
            environments=(scene.environment for scene in self.script.scenes),
        )
        if stage.window is not None:
            from companion.stage.picture import LivePicture

            self.picture = LivePicture(stage.window)
        return stage

    def _open_record(self) -> None:
        from companion.record.writer import RecordError, RecordWriter

        display = {
            "mode": self.options.display,
            "monitor": self.options.monitor,
            "offscreen": self.options.offscreen,
        }
        sound = {"device": not self.mixer.silent}
        from companion.record.clinic import load_clinic, local_zone_name

        clinic = load_clinic()
        if clinic.warning:
            self.out(f"warning: {clinic.warning}")
        facts = {"clinic": clinic.name, "timezone": clinic.timezone or local_zone_name()}
        if self.options.clinician:
            facts["clinician"] = self.options.clinician
        try:
            if self.options.resume is not None:
                from companion.record.resume import panel_continuity

                self.record = RecordWriter.resume(
                    self.options.resume,
                    display=display,
                    sound=sound,
                    report=self.report,
                    facts=facts,
                    lock=self.options.resume_lock,
                    loaded=self.options.resume_record,
                )
                self._continuity = panel_continuity(self.record.resumed_from)
            else:
                self.record = RecordWriter.create(
                    self.script_path,
                    record_dir=self.options.record_dir,
                    patient=self.options.patient,
                    script=self.script,
                    display=display,
                    sound=sound,
                    report=self.report,
                    facts=facts,
                )
        except RecordError as exc:
            raise StartupError(f"cannot keep the session record: {exc}") from None
        if self.options.fitting is not None:  # what the patient's profile changed, before Start
            self.record.add("fitting", session_time=0.0, play_time=0.0, **self.options.fitting)
        engine = self.engine
        self.record.times = lambda: (engine.session_time, engine.play_time)  # for heartbeats
        self.out(f"record: {self.record.folder}")

    def _open_panel(self) -> None:
        from companion.control import PanelError, PanelServer, keep
        from companion.control.gestures import GestureRows
        from companion.control.network import lan_address
        from companion.control.qr import terminal_qr
        from companion.control.tls import TlsError

        options = self.options
        picture = self.picture.latest if self.picture is not None else None
        folder = Path(self.record.folder)
        kept = keep.load(folder) if options.resume is not None else None
        port = options.panel_port or (kept.port if kept else 0)
        if kept is not None:  # served as before the stop (the token goes on: TLS must too)
            options = dataclasses.replace(
                options,
                panel_host=options.panel_host or kept.host,
                panel_url_host=options.panel_url_host or kept.url_host,
                panel_tls=options.panel_tls or kept.tls == "self-signed",
                panel_cert=options.panel_cert or (Path(kept.cert) if kept.cert else None),
                panel_key=options.panel_key or (Path(kept.key) if kept.key else None),
            )
            self.options = options
        options = self.options = dataclasses.replace(
            options, panel_host=options.panel_host or "127.0.0.1"
        )
        try:
            tls = self._panel_tls()
        except TlsError as exc:
            raise StartupError(f"cannot serve the panel over TLS: {exc}") from None
        # the time away as the record's gap measured it (uptime clock, guarded against jumps)
        stopped = getattr(self.record, "offline_seconds", None)
        settings: dict[str, Any] = {
            "host": options.panel_host,
            "token": kept.token if kept else None,
            "picture": picture,
            "url_host": options.panel_url_host,
            "tls": tls.context if tls else None,
            "fingerprint": tls.fingerprint if tls else None,
            "resumed_after": stopped,
            "resume_command": f"companion resume {folder}",
        }
        self.panel = PanelServer(port=port, **settings)
        try:
            self.panel.start()
        except PanelError as exc:
            if kept is None or options.panel_port:
                raise StartupError(f"cannot start the panel: {exc}") from None
            # The old port is taken: a new one, and the open page needs the new link.
            self.out(f"panel: port {port} is taken; an open panel must open the new link")
            self.panel = PanelServer(port=0, **settings)
            try:
                self.panel.start()
            except PanelError as again:
                raise StartupError(f"cannot start the panel: {again}") from None
        try:
            keep.save(
                folder,
                self.panel.port,
                self.panel.token,
                host=options.panel_host,
                url_host=options.panel_url_host,
                tls="files" if options.panel_cert else "self-signed" if options.panel_tls else None,
                cert=str(options.panel_cert.resolve()) if options.panel_cert else None,
                key=str(options.panel_key.resolve()) if options.panel_key else None,
            )
        except OSError as exc:
            self.out(
                f"panel: cannot keep its sign-in for a resume ({exc.strerror or exc}); "
                "after a resume, open the new link"
            )
        self._gestures = GestureRows()
        self._publish(force=True)
        self.out(f"panel: {self.panel.url}")
        if (
            options.panel_host in ("0.0.0.0", "::", "")
            and not options.panel_url_host
            and lan_address() is None
        ):
            self.out(
                "panel: warning: this machine has no address on a network (only "
                "127.0.0.1): a tablet cannot reach the panel; connect it to the clinic's "
                "network, or give --panel-url-host"
            )
        if tls is not None:
            if tls.made:  # a tablet that trusted the old one must be told to trust this one
                self.out(
                    f"panel: a new TLS certificate was made ({tls.made}); "
                    "compare its fingerprint on the tablet again"
                )
            self.out(f"panel: TLS certificate {tls.cert}")
            self.out(f"panel: its SHA-256 fingerprint {tls.fingerprint}")
        if options.qr:
            self.out(terminal_qr(self.panel.url))  # `out` writes to standard output
        if not options.autostart and options.resume is None:
            self.out("waiting for the therapist to press Start on the panel")

    def _panel_tls(self) -> Any:
        from companion.control import tls

        options = self.options
        if options.panel_cert is not None or options.panel_key is not None:
            if options.panel_cert is None or options.panel_key is None:
                raise tls.TlsError("give both --panel-cert and --panel-key")
            return tls.load(options.panel_cert, options.panel_key)
        if options.panel_tls:  # it must name the host in the printed link
            from companion.control.guard import WILDCARD_HOSTS
            from companion.control.network import lan_address

            host = options.panel_host
            link = options.panel_url_host or (lan_address() if host in WILDCARD_HOSTS else host)
            return tls.self_signed(names=tuple(n for n in (options.panel_url_host, link) if n))
        return None

    # --- health ------------------------------------------------------------------------------

    def report(self, part: str, ok: bool, message: str) -> None:
        """Any part's health, from any moment of start-up or any frame (same thread)."""
        part = HEALTH_NAMES.get(part, part)
        if self.engine is None:
            self._health.append((part, ok, message))
            return
        self.engine.report_health(part, ok, message)

    def _flush_health(self) -> None:
        for part, ok, message in self._health:
            self.engine.report_health(part, ok, message)
        self._health.clear()

    # --- keys in the patient's window -------------------------------------------------------

    def _bind_keys(self) -> None:
        base = self.stage.base
        if self.stage.window is None:
            return
        for thrower in base.buttonThrowers or ():  # none offscreen: nothing to press
            thrower.node().setButtonDownEvent("companion-button")
        base.accept("companion-button", self._on_button)
        base.accept("connect-device", self._on_device)
        from panda3d.core import InputDevice

        devices = getattr(base, "devices", None)
        for device in devices.getDevices(InputDevice.DeviceClass.gamepad) if devices else ():
            self._on_device(device)

    def _on_device(self, device: Any) -> None:
        """A controller plugged in: every button on it counts as the patient's signal."""
        base = self.stage.base
        base.attachInputDevice(device, prefix="controller")
        for thrower in getattr(base, "deviceButtonThrowers", []):
            thrower.node().setButtonDownEvent("companion-controller")
        base.accept("companion-controller", lambda button: self._signal("controller"))

    def _on_button(self, button: str) -> None:
        key = button.split("-")[-1]
        if key in CONTROL_KEYS:
            self._control_key(key)
        elif not button.startswith(("mouse", "wheel")) or button.startswith("mouse1"):
            self._signal("key")

    def _control_key(self, key: str) -> None:
        engine = self.engine
        if key == "escape":
            now = time.monotonic()
            if now < self._esc_until:
                self._command("end")
            else:
                self._esc_until = now + ESC_CONFIRM_SECONDS
                self.stage.apply(
                    act.ShowText("Press Esc again to end the session", ESC_CONFIRM_SECONDS)
                )
            return
        self._esc_until = 0.0
        state = engine.state
        if key == "space":
            self._command("resume" if state is State.PAUSED else "pause")
        elif key == "n":
            self._command("next_step")
        elif key == "g":
            self._command("return" if engine.grounded else "ground")
        elif key == "t":
            self._command("talk", on=not engine.talking)
        elif key == "c":
            self._command("captions", on=not engine.captions)
        elif key == "r":
            self._command("recenter")

    def _signal(self, via: str) -> None:
        if self.engine.state in (State.PLAYING, State.HOLDING, State.PAUSED):
            self._command("patient_signal", via=via)

    def _command(self, name: str, **args: Any) -> None:
        result = self.engine.command(name, source="keys", **args)
        if not result.ok:
            self.out(f"{name}: {result.reason}")

    # --- the loop ------------------------------------------------------------------------------

    def run(self) -> int:
        """Play until the session ends (or the app is stopped); returns the exit status."""
        self._handle_signals()
        self._looping = True
        try:
            run_frames(self.step, capped=capped(self.options.display))
        finally:
            self.close(self._stop_reason or "stopped")
        return self._exit_status

    def step(self) -> bool:
        """One frame of the task loop; False once the session is over."""
        taskmgr = self.stage.taskmgr
        if not taskmgr.hasTaskNamed(FRAME_TASK):
            # Between the headset's frame begin (sort -40) and Panda3D's render (sort 50).
            taskmgr.add(self._frame, FRAME_TASK, sort=0)
        taskmgr.step()
        return self._stop_reason is None

    def _frame(self, task: Any) -> Any:
        engine = self.engine
        applied, events, now = [], [], time.monotonic()
        for c in self.panel.take_commands():
            applied.append((c, engine.command(c.name, source=c.source, **c.args)))
            # a slider's step (control/gestures.py): one record row a gesture
            events += self._gestures.filter(engine.take_events(), now, gesture=c.gesture)
        if applied:  # in the record before the panel hears "done": an acknowledged command is kept
            self.record.write_events(events)
        for command, result in applied:
            command.deliver(result)
        for action in engine.tick():
            if isinstance(action, act.Say) and not self.mixer.will_speak(action):
                action = dataclasses.replace(action, silent=True)
            self.stage.apply(action)
            self.mixer.apply(action)
            if isinstance(action, act.End):
                self._end_at = time.monotonic() + action.fade / self.options.speed + END_LINGER
        self.mixer.update()
        now = time.monotonic()
        self.stage.update(breath=engine.breath(), now=now)
        if self.picture is not None:
            self.picture.maybe_take(now, PICTURE_EVERY)
        self._write(engine.take_events(), now)
        self._publish()
        if self._end_at is not None and now >= self._end_at:
            self._stop_reason = "ended"
        self._frames += 1
        if self._frames == 1:
            self.out("first frame drawn")
        return task.cont

    def _write(self, events: list[Any], now: float) -> None:
        """Into the record; a slider gesture's rows become one (control/gestures.py)."""
        if self._gestures is not None:
            events = self._gestures.filter(events, now)
        self.record.write_events(events)

    def _publish(self, force: bool = False) -> None:
        now = time.monotonic()
        engine = self.engine
        if (
            force
            or engine.revision != self._last_revision
            or now - self._last_publish >= PUBLISH_EVERY
        ):
            if (
                self.options.display == "vr" and self.stage is not None
            ):  # the headset's rate and drops
                engine.display_status = self.stage.status()
            from companion.control.continuity import on_record_clock

            offset = getattr(self.record, "session_offset", 0.0) if self.record else 0.0
            snapshot = on_record_clock(engine.snapshot(), offset)
            snapshot["fitting"] = self.options.fitting  # the panel's patient card (patients.js)
            self.panel.publish(snapshot)
            self._last_revision, self._last_publish = engine.revision, now

    def _handle_signals(self) -> None:
        """Ctrl+C, a kill, or a closed terminal (SIGHUP) end the session cleanly and resumably:
        the loop stops, the record gets its run_end. During start-up they stop the start-up."""

        def stop(signum: int, _frame: Any) -> None:
            self._stop_reason = "interrupted"
            self._exit_status = 128 + signum
            if not self._looping:
                raise StartupError(f"stopped by {signal.Signals(signum).name} while starting")

        for name in STOP_SIGNALS:
            sig = getattr(signal, name, None)
            if sig is not None:
                previous = signal.signal(sig, stop)
                self._signals_before.setdefault(sig, previous)  # given back at close

    def _restore_signals(self) -> None:
        """The handlers the program had before (an embedding program's, a test runner's)."""
        for sig, previous in self._signals_before.items():
            signal.signal(sig, previous)
        self._signals_before.clear()

    # --- closing -------------------------------------------------------------------------------

    def close(self, reason: str) -> None:
        """Close every part (safe to call twice). A session stopped before its end stays
        resumable: its record says it did not end."""
        if self.engine is not None and self.record is not None:
            events = self.engine.take_events()
            if self._gestures is not None:
                events = self._gestures.filter(events, 0.0) + self._gestures.flush()
            self.record.write_events(events)
        for part in (self.panel, self.mixer):
            if part is not None:
                _quietly(part.stop if hasattr(part, "stop") else part.close)
        self.panel = self.mixer = None
        if self.record is not None:
            if reason == "ended":  # nothing left to resume: the panel's sign-in goes
                from companion.control import keep

                _quietly(lambda: keep.forget(Path(self.record.folder)))
            folder = self.record.close(reason)
            self.out(f"record kept in {folder}" if folder else "the record could not be saved")
            if self.engine is not None and self.engine.state is State.READY and reason != "ended":
                self.out("the session had not started; there is nothing to resume")
            elif reason != "ended":
                self.out(f"the session did not end; continue it with: companion resume {folder}")
            self.record = None
        if self.stage is not None:
            self.stage.taskmgr.remove(FRAME_TASK)  # Panda3D's task manager outlives a ShowBase
            _quietly(self.stage.close)
            self.stage = None
        self._restore_signals()


def _quietly(close: Callable[[], Any]) -> None:
    """Closing one part must not keep the others from closing."""
    try:
        close()
    except Exception as exc:  # noqa: BLE001 - report and go on: the record matters most
        print(f"while closing: {exc}", file=sys.stderr)
