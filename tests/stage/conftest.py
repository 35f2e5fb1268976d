"""Stage tests render through real OpenGL (Mesa's EGL, offscreen), at small sizes.

One Stage (one ShowBase) lives at a time: fixtures are per module and closed after it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from companion.stage.stage import Stage

from .helpers import SIZE, Player


@pytest.fixture(scope="module")
def player() -> Iterator[Player]:
    reports: list[tuple[str, bool, str]] = []
    stage = Stage("window", SIZE, headless=True, report=lambda *r: reports.append(r))
    p = Player(stage)
    p.reports = reports
    yield p
    stage.close()


@pytest.fixture
def fresh_stage() -> Iterator[Callable[..., Stage]]:
    """Make a stage of one's own (closed after the test)."""
    made: list[Stage] = []

    def make(display: str = "window", size: tuple[int, int] = SIZE, **kwargs: Any) -> Stage:
        stage = Stage(display, size, headless=display != "none", **kwargs)
        made.append(stage)
        return stage

    yield make
    for stage in made:
        stage.close()
