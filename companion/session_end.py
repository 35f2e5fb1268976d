"""How a session run ends: after the engine's end (the panel stays until Close the session,
or the app exits after the closing fade), on a stop signal (Ctrl+C, a kill, a closed
terminal: resumable), and the close of every part with the record last.

Out of the session app (issue 17): these functions work on the app's state (its stop
reason, exit status, the signal handlers it replaced).
"""

from __future__ import annotations

import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from companion.session import State
from companion.session import actions as act
from companion.wiring import StartupError

if TYPE_CHECKING:
    from companion.app import SessionApp

END_LINGER = 1.0  # seconds after the closing fade before the app exits (--after-end close)
STOP_SIGNALS = ("SIGINT", "SIGTERM", "SIGHUP")  # SIGHUP: the terminal was closed


def on_action(app: SessionApp, action: act.Action) -> None:
    if not isinstance(action, act.End):
        return
    if app.options.after_end == "close":
        app._end_at = time.monotonic() + action.fade / app.options.speed + END_LINGER
        return
    # The picture and sound fade out with the End and stay out; the record stays open and
    # the panel takes what is entered now, until Close the session (the engine's "close").
    app._ended_wall = time.time()
    app.out(
        "the session has ended; the panel stays for ratings, vitals and the closing "
        "entries: press Close the session there when the patient is ready to leave"
    )


def handle_signals(app: SessionApp) -> None:
    """Ctrl+C, a kill, or a closed terminal (SIGHUP) end the session cleanly and resumably:
    the loop stops, the record gets its run_end. During start-up they stop the start-up."""

    def stop(signum: int, _frame: Any) -> None:
        app.player.stopped = True
        if ended(app):  # after the end: closed as ended, as by Close the session
            app._stop_reason = "ended"
            return
        app._stop_reason = "interrupted"
        app._exit_status = 128 + signum
        if not app._looping:
            raise StartupError(f"stopped by {signal.Signals(signum).name} while starting")

    for name in STOP_SIGNALS:
        sig = getattr(signal, name, None)
        if sig is not None:
            previous = signal.signal(sig, stop)
            app._signals_before.setdefault(sig, previous)  # given back at close


def ended(app: SessionApp) -> bool:
    engine = app.engine
    return engine is not None and engine.state is State.ENDED


def restore_signals(app: SessionApp) -> None:
    """The handlers the program had before (an embedding program's, a test runner's)."""
    for sig, previous in app._signals_before.items():
        signal.signal(sig, previous)
    app._signals_before.clear()


def close(app: SessionApp, reason: str) -> None:
    """Close every part (safe to call twice). A session stopped before its end stays
    resumable: its record says it did not end. After the end (the panel stayed, then the
    window was closed or the program stopped) it closes as ended."""
    engine = app.engine
    if ended(app):
        reason = "ended"
    if engine is not None and app.record is not None:
        events = engine.take_events()
        if app._gestures is not None:
            events = app._gestures.filter(events, 0.0) + app._gestures.flush()
        app.record.write_events(events)
    if app.panel is not None:
        quietly(app.panel.stop)
    app.panel = None
    quietly(app.player.close_sound)
    if app.record is not None:
        if reason == "ended":  # nothing left to resume: the panel's sign-in goes
            from companion.control import keep

            folder = Path(app.record.folder)
            quietly(lambda: keep.forget(folder))
        kept = app.record.close(reason)
        app.out(f"record kept in {kept}" if kept else "the record could not be saved")
        if engine is not None and engine.state is State.READY and reason != "ended":
            app.out("the session had not started; there is nothing to resume")
        elif reason != "ended":
            app.out(f"the session did not end; continue it with: companion resume {kept}")
        app.record = None
    quietly(app.player.close_stage)
    restore_signals(app)


def quietly(close: Callable[[], Any]) -> None:
    """Closing one part must not keep the others from closing."""
    try:
        close()
    except Exception as exc:  # noqa: BLE001 - report and go on: the record matters most
        print(f"while closing: {exc}", file=sys.stderr)
