"""Dose protocols: the route, the checkpoints on the dose clock, the vital-sign limits, the
minimum observation time and the sedation and dissociation scales a clinic monitors by.

A protocol is a small YAML file (bundled ones in `bundled/`, a clinic's own anywhere); it is
checked with findings at FILE:LINE:COLUMN like a script. Imports no Panda3D, pygame or web
code: the engine uses it.
"""

from companion.protocols.loader import (
    ProtocolError,
    bundled_names,
    from_definition,
    load_protocol,
    resolve_protocol,
)
from companion.protocols.model import VITALS, Checkpoint, Limit, Protocol, Scale

__all__ = [
    "VITALS",
    "Checkpoint",
    "Limit",
    "Protocol",
    "ProtocolError",
    "Scale",
    "bundled_names",
    "from_definition",
    "load_protocol",
    "resolve_protocol",
]
