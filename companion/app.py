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
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from companion.parts import Panel, Record
from companion.player import PlayerApp, PlayOptions
from companion.script.models import Script
from companion.session import Engine, RealClock, ScaledClock, State
from companion.session import actions as act
from companion.session.health import HealthBoard, published
from companion.wiring import StartupError

__all__ = ["RunOptions", "SessionApp", "StartupError"]

PUBLISH_EVERY = 0.5  # seconds: the panel hears at least this often
PICTURE_EVERY = 1.0  # seconds: the panel's small live picture
END_LINGER = 1.0  # seconds after the closing fade before the app exits (--after-end close)
AFTER_END = ("stay", "close")  # after the end: the panel stays until Close, or the app exits
ESC_CONFIRM_SECONDS = 5.0
STOP_SIGNALS = ("SIGINT", "SIGTERM", "SIGHUP")  # SIGHUP: the terminal was closed

# The parts report under their own names; the panel shows sound, speech and display.
HEALTH_NAMES = {"stage": "display", "narration": "speech"}

# Keys in the patient's window (a one-screen set-up). Any other key or button, pressed while
# the session plays, is the patient's signal to the therapist.
CONTROL_KEYS = {"space", "n", "g", "t", "c", "escape", "r"}


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
        self.player.shape, self.player.on_action = self._shape, self._on_action
        self.health: HealthBoard | None = None  # the parts' health, published with the state
        self.panel: Panel | None = None
        self.record: Record | None = None
        self.picture: Any = None
        self._health: list[tuple[str, bool, str]] = []
        self._last_revision = -1
        self._last_publish = 0.0
        self._end_at: float | None = None
        self._ended_wall: float | None = None  # when the session ended (after_end "stay")
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
        self._open_record()
        self._open_panel()
        self._bind_keys()
        if self.options.resume is not None:
            self._continue_from_record()
        elif self.options.autostart:
            self.player.engine.command("start", source="autostart")
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
        assert self.record is not None
        point, offset = self.options.resume_point, self.record.session_offset
        for kind, event, at in point.monitoring:  # checkpoints first: none is due again
            self.player.engine.monitoring.replay(kind, event, at - offset)
        for name, args in point.commands():
            if name == "start_grounded":  # the safe scene at its step, Return leading back
                result = self.player.engine.start_grounded(**args)
            else:
                result = self.player.engine.command(name, source="resume", **args)
            if not result.ok:
                self.out(f"resume: {name}: {result.reason}")
        self._continue_panel(offset)
        doses = [{**dose, "session_time": dose["session_time"] - offset} for dose in point.doses]
        due = point.vitals_due - offset if point.vitals_due is not None else None
        self.player.engine.restore_dose_clock(doses, point.vitals_checks, due)
        self.out(f"resumed at scene '{point.scene}', step {point.step + 1}")

    def _continue_panel(self, offset: float) -> None:
        """What the panel showed goes on: the notes (in the engine's times, so the panel
        shows their record times) and Talk, if it was on."""
        seen = self._continuity
        self.player.engine.notes[:0] = seen.engine_notes(offset)
        if seen.talk:
            result = self.player.engine.command("talk", source="resume", on=True)
            if not result.ok:
                self.out(f"resume: talk: {result.reason}")
        self.player.engine.revision += 1

    def _open_record(self) -> None:
        from companion.record import events as ev
        from companion.record.paths import RecordError
        from companion.record.writer import RecordWriter

        display = {
            "mode": self.options.display,
            "monitor": self.options.monitor,
            "offscreen": self.options.offscreen,
        }
        sound = {"device": not self.player.mixer.silent}
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
        writer = self.record
        if self.options.fitting is not None and isinstance(writer, RecordWriter):
            # what the patient's profile changed, before Start (companion/patients/fitting.py)
            writer.add(ev.Fitting.kind, session_time=0.0, play_time=0.0, **self.options.fitting)
        engine = self.player.engine
        self.record.times = lambda: (engine.session_time, engine.play_time)  # for heartbeats
        self.out(f"record: {self.record.folder}")

    def _open_panel(self) -> None:
        from companion.control import keep
        from companion.control.gestures import GestureRows
        from companion.control.tls import TlsError

        assert self.record is not None
        folder = Path(self.record.folder)
        kept = keep.load(folder) if self.options.resume is not None else None
        port = self.options.panel_port or (kept.port if kept else 0)
        self._serve_as_before(kept)
        try:
            tls = self._panel_tls()
        except TlsError as exc:
            raise StartupError(f"cannot serve the panel over TLS: {exc}") from None
        options = self.options
        settings: dict[str, Any] = {
            "host": options.panel_host,
            "token": kept.token if kept else None,
            "picture": self.picture.latest if self.picture is not None else None,
            "url_host": options.panel_url_host,
            "tls": tls.context if tls else None,
            "fingerprint": tls.fingerprint if tls else None,
            # the time away as the record's gap measured it (uptime clock, guarded on jumps)
            "resumed_after": self.record.offline_seconds,
            "resume_command": f"companion resume {folder}",
        }
        self._start_panel(port, settings, may_move=kept is not None and not options.panel_port)
        self._keep_sign_in(folder)
        self._gestures = GestureRows()
        self._publish(force=True)
        self._announce_panel(tls)

    def _serve_as_before(self, kept: Any) -> None:
        """On resume, the panel is served as before the stop (the token goes on: TLS must
        too), unless the command line says otherwise; the host is 127.0.0.1 if none is set."""
        options = self.options
        if kept is not None:
            options = dataclasses.replace(
                options,
                panel_host=options.panel_host or kept.host,
                panel_url_host=options.panel_url_host or kept.url_host,
                panel_tls=options.panel_tls or kept.tls == "self-signed",
                panel_cert=options.panel_cert or (Path(kept.cert) if kept.cert else None),
                panel_key=options.panel_key or (Path(kept.key) if kept.key else None),
            )
        self.options = dataclasses.replace(options, panel_host=options.panel_host or "127.0.0.1")

    def _start_panel(self, port: int, settings: dict[str, Any], may_move: bool) -> None:
        """Serve the panel on `port`; `may_move`: a resumed run's old port may be taken, and
        then another is used (the open page needs the new link)."""
        from companion.control import PanelError, PanelServer

        panel = self.panel = PanelServer(port=port, **settings)
        try:
            panel.start()
            return
        except PanelError as exc:
            if not may_move:
                raise StartupError(f"cannot start the panel: {exc}") from None
        self.out(f"panel: port {port} is taken; an open panel must open the new link")
        panel = self.panel = PanelServer(port=0, **settings)
        try:
            panel.start()
        except PanelError as again:
            raise StartupError(f"cannot start the panel: {again}") from None

    def _keep_sign_in(self, folder: Path) -> None:
        """The panel's port, token and TLS beside the record, for a resume (control/keep.py)."""
        from companion.control import keep

        options, panel = self.options, self.panel
        assert panel is not None
        try:
            keep.save(
                folder,
                panel.port,
                panel.token,
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

    def _announce_panel(self, tls: Any) -> None:
        """The link (and its QR code), what a tablet needs to trust it, and what to do next."""
        from companion.control.network import lan_address
        from companion.control.qr import terminal_qr

        options, panel = self.options, self.panel
        assert panel is not None
        self.out(f"panel: {panel.url}")
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
            self.out(terminal_qr(panel.url))  # `out` writes to standard output
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

    # --- keys in the patient's window -------------------------------------------------------

    def _bind_keys(self) -> None:
        stage = self.player.stage
        if stage.window is None:
            return
        stage.on_buttons(self._on_button, "companion-button")
        # a controller: every button on it counts as the patient's signal
        stage.on_controllers(lambda button: self._signal("controller"), "companion-controller")

    def _on_button(self, button: str) -> None:
        key = button.split("-")[-1]
        if key in CONTROL_KEYS:
            self._control_key(key)
        elif not button.startswith(("mouse", "wheel")) or button.startswith("mouse1"):
            self._signal("key")

    def _control_key(self, key: str) -> None:
        engine = self.player.engine
        if key == "escape":
            now = time.monotonic()
            if now < self._esc_until:
                self._command("end")
            else:
                self._esc_until = now + ESC_CONFIRM_SECONDS
                self.player.stage.apply(
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
        if self.player.playing:
            self._command("patient_signal", via=via)

    def _command(self, name: str, **args: Any) -> None:
        result = self.player.engine.command(name, source="keys", **args)
        if not result.ok:
            self.out(f"{name}: {result.reason}")

    # --- the loop ------------------------------------------------------------------------------

    def run(self) -> int:
        """Play until the session ends (or the app is stopped); returns the exit status."""
        self._handle_signals()
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

    def _on_action(self, action: act.Action) -> None:
        if not isinstance(action, act.End):
            return
        if self.options.after_end == "close":
            self._end_at = time.monotonic() + action.fade / self.options.speed + END_LINGER
            return
        # The picture and sound fade out with the End and stay out; the record stays open and
        # the panel takes what is entered now, until Close the session (the engine's "close").
        self._ended_wall = time.time()
        self.out(
            "the session has ended; the panel stays for ratings, vitals and the closing "
            "entries: press Close the session there when the patient is ready to leave"
        )

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

    def _handle_signals(self) -> None:
        """Ctrl+C, a kill, or a closed terminal (SIGHUP) end the session cleanly and resumably:
        the loop stops, the record gets its run_end. During start-up they stop the start-up."""

        def stop(signum: int, _frame: Any) -> None:
            self.player.stopped = True
            if self._ended():  # after the end: closed as ended, as by Close the session
                self._stop_reason = "ended"
                return
            self._stop_reason = "interrupted"
            self._exit_status = 128 + signum
            if not self._looping:
                raise StartupError(f"stopped by {signal.Signals(signum).name} while starting")

        for name in STOP_SIGNALS:
            sig = getattr(signal, name, None)
            if sig is not None:
                previous = signal.signal(sig, stop)
                self._signals_before.setdefault(sig, previous)  # given back at close

    def _ended(self) -> bool:
        engine = self.engine
        return engine is not None and engine.state is State.ENDED

    def _restore_signals(self) -> None:
        """The handlers the program had before (an embedding program's, a test runner's)."""
        for sig, previous in self._signals_before.items():
            signal.signal(sig, previous)
        self._signals_before.clear()

    # --- closing -------------------------------------------------------------------------------

    def close(self, reason: str) -> None:
        """Close every part (safe to call twice). A session stopped before its end stays
        resumable: its record says it did not end. After the end (the panel stayed, then the
        window was closed or the program stopped) it closes as ended."""
        engine = self.engine
        if self._ended():
            reason = "ended"
        if engine is not None and self.record is not None:
            events = engine.take_events()
            if self._gestures is not None:
                events = self._gestures.filter(events, 0.0) + self._gestures.flush()
            self.record.write_events(events)
        if self.panel is not None:
            _quietly(self.panel.stop)
        self.panel = None
        _quietly(self.player.close_sound)
        if self.record is not None:
            if reason == "ended":  # nothing left to resume: the panel's sign-in goes
                from companion.control import keep

                folder = Path(self.record.folder)
                _quietly(lambda: keep.forget(folder))
            kept = self.record.close(reason)
            self.out(f"record kept in {kept}" if kept else "the record could not be saved")
            if engine is not None and engine.state is State.READY and reason != "ended":
                self.out("the session had not started; there is nothing to resume")
            elif reason != "ended":
                self.out(f"the session did not end; continue it with: companion resume {kept}")
            self.record = None
        _quietly(self.player.close_stage)
        self._restore_signals()


def _quietly(close: Callable[[], Any]) -> None:
    """Closing one part must not keep the others from closing."""
    try:
        close()
    except Exception as exc:  # noqa: BLE001 - report and go on: the record matters most
        print(f"while closing: {exc}", file=sys.stderr)
