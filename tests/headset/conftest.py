"""Headset tests. No headset and no OpenXR runtime can exist on this machine: where one
would be, a stand-in (standin.py) plays recorded head movements as a runtime reports them
and takes the eyes' pictures into OpenGL textures, as a runtime's swapchain would. The
rendering is real (Mesa's EGL, offscreen); the OpenXR loader is the real one (pyopenxr's),
which finds no runtime here."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from companion.xr.extra import load_gl
from companion.xr.headset import HeadsetStage

from .standin import RecordedHeadset

EYE = (160, 168)
WINDOW = (160, 90)


@pytest.fixture(scope="session")
def gl():
    return load_gl()


@pytest.fixture(scope="module")
def rig_stage(gl) -> Iterator[tuple[HeadsetStage, RecordedHeadset, list]]:
    """One headset stage for a module (one ShowBase at a time), fed by recorded head
    movements at the recording's own rate."""
    reports: list[tuple[str, bool, str]] = []
    headset = RecordedHeadset(gl, EYE, rate=45.0)
    stage = HeadsetStage(headset, WINDOW, gl=gl, report=lambda *r: reports.append(r), headless=True)
    yield stage, headset, reports
    stage.close()
