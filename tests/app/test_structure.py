"""The shape issue 17 gave the apps, kept: both apps play through the one Player, and neither
reaches into Panda3D (the frame task and the keys go through the stage); the wiring does not
import from the command line's floor; the engine's command table names every command."""

from __future__ import annotations

import ast
from pathlib import Path

import companion
from companion.session.commands import COMMANDS
from companion.session.engine import HANDLERS, Engine

PACKAGE = Path(companion.__file__).parent
PANDA_INTERNALS = {"base", "taskmgr", "taskMgr", "messenger", "buttonThrowers", "accept"}


def _attributes(path: Path) -> set[str]:
    return {n.attr for n in ast.walk(ast.parse(path.read_text())) if isinstance(n, ast.Attribute)}


def _imports(path: Path) -> set[str]:
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
        elif isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
    return out


def test_the_apps_do_not_reach_into_panda3d() -> None:
    for name in ("app.py", "preview_app.py", "player.py"):
        reached = _attributes(PACKAGE / name) & PANDA_INTERNALS
        assert not reached, f"{name} reaches into Panda3D: {sorted(reached)}"


def test_both_apps_play_through_the_player() -> None:
    for name in ("app.py", "preview_app.py"):
        assert "companion.player" in _imports(PACKAGE / name), name


def test_the_wiring_imports_nothing_from_the_command_line() -> None:
    assert not [m for m in _imports(PACKAGE / "wiring.py") if m.startswith("companion.commands")]


def test_every_command_has_its_handler_beside_it() -> None:
    assert HANDLERS.keys() == COMMANDS.keys()
    for name, handler in HANDLERS.items():  # an engine method, or a session module's function
        owner = getattr(Engine, handler.__name__, None) or getattr(
            __import__(handler.__module__, fromlist=["_"]), handler.__name__
        )
        assert owner is handler and handler.__module__.startswith("companion.session."), name
