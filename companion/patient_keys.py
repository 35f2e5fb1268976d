"""The keys in the patient's window (a one-screen set-up) and a game controller's buttons.

A few keys command the session (space pauses, n next step, g ground or return, t talk,
c captions, r recenter, Esc twice ends); any other key or button, pressed while the session
plays, is the patient's signal to the therapist. Out of the session app (issue 17): it owns
the Esc confirmation's deadline and goes through the player's stage and engine.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from companion.session import State
from companion.session import actions as act

if TYPE_CHECKING:
    from companion.player import Player

ESC_CONFIRM_SECONDS = 5.0

# Keys in the patient's window. Any other key or button is the patient's signal.
CONTROL_KEYS = {"space", "n", "g", "t", "c", "escape", "r"}


class PatientKeys:
    """The patient's window's keys, as commands from the source "keys"."""

    def __init__(self, player: Player, out: Callable[[str], Any]) -> None:
        self.player = player
        self.out = out
        self.esc_until = 0.0  # a second Esc before then ends the session

    def bind(self) -> None:
        """Listen to the window's keys and controllers (none without a window)."""
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
            if now < self.esc_until:
                self._command("end")
            else:
                self.esc_until = now + ESC_CONFIRM_SECONDS
                self.player.stage.apply(
                    act.ShowText("Press Esc again to end the session", ESC_CONFIRM_SECONDS)
                )
            return
        self.esc_until = 0.0
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
