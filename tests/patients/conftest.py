"""Fixtures for the patients tests. The panel's tests reuse tests/control's harness (a real
Engine and PanelServer joined by a pump that stands in for companion/app.py, and Debian's
Chromium through Playwright)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "control"))

from panel_harness import (  # type: ignore[import-not-found]  # noqa: E402
    SCRIPT,
    Pump,
    Session,
)

from companion.control import PanelServer  # noqa: E402
from companion.script.loader import load_script  # noqa: E402
from companion.session import Engine, VirtualClock  # noqa: E402


@pytest.fixture
def panel_session(tmp_path: Path) -> Iterator[Any]:
    """An engine and the real panel server; `fitting` is published as the app publishes it."""
    path = tmp_path / "session.yaml"
    path.write_text(SCRIPT, encoding="utf-8")
    loaded = load_script(path)
    assert loaded.ok and loaded.script is not None, loaded.findings
    engine = Engine(loaded.script, VirtualClock())
    extra: dict[str, Any] = {"fitting": None}
    plain = engine.snapshot
    engine.snapshot = lambda: {**plain(), **extra}  # type: ignore[method-assign]
    server = PanelServer()
    server.start()
    server.publish(engine.snapshot())
    pump = Pump(engine, server)
    pump.start()
    session = Session(engine, engine.clock, server, pump, extra)
    yield session
    pump.stop()
    server.stop()
