"""The session engine: plays a script in time and obeys the therapist's commands.

Imports no Panda3D, no pygame and no web code."""

from companion.session.clock import Clock, RealClock, ScaledClock, VirtualClock
from companion.session.commands import COMMANDS, CommandResult
from companion.session.engine import Engine, State

__all__ = [
    "COMMANDS",
    "Clock",
    "CommandResult",
    "Engine",
    "RealClock",
    "ScaledClock",
    "State",
    "VirtualClock",
]
