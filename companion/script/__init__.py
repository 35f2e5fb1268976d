"""The session script format: loading with positions, typed models, checks and schema."""

from companion.script.findings import Finding, has_errors
from companion.script.loader import (
    Loaded,
    ScriptError,
    check_paths,
    load_script,
    load_text,
    require_script,
)
from companion.script.models import Scene, Script

__all__ = [
    "Finding",
    "Loaded",
    "Scene",
    "Script",
    "ScriptError",
    "check_paths",
    "has_errors",
    "load_script",
    "load_text",
    "require_script",
]
