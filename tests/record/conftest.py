"""Fixtures for the record tests: real engine sessions written through the real writer."""

from __future__ import annotations

from pathlib import Path

import pytest
from record_sessions import Session, open_session, play_first_half, play_to_end, write_script


@pytest.fixture
def script_path(tmp_path: Path) -> Path:
    return write_script(tmp_path / "scripts")


@pytest.fixture
def record_dir(tmp_path: Path) -> Path:
    return tmp_path / "records"


@pytest.fixture
def ended_session(script_path: Path, record_dir: Path) -> Session:
    """A whole session, played to its end, and its record closed."""
    session = open_session(script_path, record_dir)
    play_first_half(session)
    play_to_end(session)
    session.writer.close()
    return session


@pytest.fixture
def quit_session(script_path: Path, record_dir: Path) -> Session:
    """A session the program left in the middle of the journey scene (closed, not ended)."""
    session = open_session(script_path, record_dir, patient="P-015")
    play_first_half(session)
    session.writer.close("quit")
    return session
