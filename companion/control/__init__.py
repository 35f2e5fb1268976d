"""The therapist's panel: a web page, an HTTP API and a WebSocket served from the app.

It only sends commands and shows state: the app loop applies the commands to the engine.
See companion/control/server.py and docs/panel.md."""

from companion.control import keep
from companion.control.guard import FailureThrottle
from companion.control.inbox import PanelCommand
from companion.control.qr import print_qr, qr_text
from companion.control.server import PanelError, PanelServer

__all__ = [
    "FailureThrottle",
    "PanelCommand",
    "PanelError",
    "PanelServer",
    "keep",
    "print_qr",
    "qr_text",
]
