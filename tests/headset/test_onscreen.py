"""The headset's desktop side on a real X server (Xvfb, software OpenGL through GLX, as
Panda3D's windows use on Linux): the window mirroring the left eye opens without waiting
for the monitor, and the OpenGL context an OpenXR runtime would be handed (display,
drawable, context, framebuffer config, visual) is there. The headset is the stand-in."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

CHECK = textwrap.dedent("""
    import time
    from panda3d.core import ConfigVariableBool
    from companion.session import actions as act
    from companion.xr.extra import load_gl, load_openxr
    from companion.xr.headset import HeadsetStage
    from companion.xr.runtime import _graphics_binding
    from tests.headset.standin import RecordedHeadset

    xr, gl = load_openxr(), load_gl()
    headset = RecordedHeadset(gl, (96, 100), rate=60.0, paced=True)
    seen = {}
    headset.attach = lambda: seen.update(binding=_graphics_binding(xr))
    stage = HeadsetStage(headset, (320, 180), gl=gl)
    binding = seen["binding"]
    print("window", type(stage.window).__name__, stage.window.getXSize(), stage.window.getYSize())
    print("sync-video", ConfigVariableBool("sync-video").getValue())
    print("binding", bool(binding.x_display), bool(binding.glx_context), binding.glx_drawable > 0,
          binding.visualid > 0, bool(binding.glx_fbconfig))
    stage.apply(act.SceneChange("s", "haven", {"time": "day"}, 1.0, "journey"))
    stage.update()
    stage.taskmgr.step()
    start, first, dropped, frames = time.monotonic(), headset.display_time, stage.dropped_frames, 0
    while time.monotonic() - start < 1.0:
        stage.update()
        stage.taskmgr.step()
        frames += 1
    slots = round((headset.display_time - first) * 60.0)
    print("frames", frames, headset.with_picture > 0, stage.dropped_frames - dropped, slots)
    print("mirror", round(float(stage.capture().std()), 1))
    stage.close()
""")


@pytest.fixture
def x_server():
    """A private X server (Xvfb picks a free display and says which)."""
    read, write = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-screen", "0", "640x480x24", "-nolisten", "tcp"],
        pass_fds=(write,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    with os.fdopen(read) as pipe:
        display = pipe.readline().strip()
    assert display, "Xvfb did not start"
    yield f":{display}"
    server.terminate()
    server.wait(timeout=10)


def test_the_mirror_window_and_the_gl_context_a_runtime_is_handed(x_server):
    env = {**os.environ, "DISPLAY": x_server}
    env.pop("WAYLAND_DISPLAY", None)
    result = subprocess.run(
        [sys.executable, "-c", CHECK],
        check=False,
        cwd=ROOT,
        env=env,
        text=True,
        capture_output=True,
        timeout=120,
    )
    lines = {
        line.split()[0]: line.split()[1:] for line in result.stdout.splitlines() if line.strip()
    }
    assert result.returncode == 0, result.stderr[-2000:]
    assert lines["window"] == ["GraphicsWindow", "320", "180"], "an onscreen window, through GLX"
    assert lines["sync-video"] == ["False"], "the headset paces the loop, not the monitor"
    assert lines["binding"] == ["True"] * 5
    frames, dropped, slots = (
        int(lines["frames"][0]),
        int(lines["frames"][2]),
        int(lines["frames"][3]),
    )
    assert frames <= 66 and lines["frames"][1] == "True", "paced by the headset (60 Hz), not free"
    assert frames + dropped == slots, "every slot of the headset's clock is a frame made or dropped"
    assert float(lines["mirror"][0]) > 3, "the window shows the scene"
