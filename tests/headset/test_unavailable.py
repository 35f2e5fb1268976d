"""Without the VR extra, an OpenXR runtime, a headset or a screen, `--display vr` stops with
one clear message (HeadsetUnavailable; the app prints it and exits with status 2), and
nothing the extra does at import time is left behind."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from companion.stage.host import HostConfig, prc_lines
from companion.xr import HeadsetUnavailable, open_headset_stage
from companion.xr.extra import import_quietly

ROOT = Path(__file__).resolve().parents[2]

# what the app will do with --display vr (companion/app.py is wired by the lead)
APP = textwrap.dedent("""
    import sys
    {hide}
    from companion.xr import HeadsetUnavailable, open_headset_stage
    try:
        open_headset_stage((640, 360), report=lambda *r: None)
    except HeadsetUnavailable as exc:
        print(exc, file=sys.stderr)
        sys.exit(2)
    print("opened", file=sys.stderr)
""")


def run_app(hide: str = "", env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", APP.format(hide=hide)],
        check=False,
        cwd=ROOT,
        text=True,
        capture_output=True,
        timeout=60,
        env={**os.environ, **(env or {})},
    )


def assert_one_clear_message(result: subprocess.CompletedProcess, *words: str) -> str:
    assert result.returncode == 2, result.stderr
    message = result.stderr.strip()
    assert "Traceback" not in message and len(message.splitlines()) == 1, message
    for word in ("--display window", "--display stereo", *words):
        assert word in message
    return message


def test_no_openxr_runtime_is_one_clear_message_on_the_real_loader(tmp_path):
    """The real OpenXR loader (pyopenxr's) finds no runtime: there is none on this machine,
    and XR_RUNTIME_JSON points at nothing so the test holds on a machine that has one."""
    result = run_app(env={"XR_RUNTIME_JSON": str(tmp_path / "no-runtime.json")})
    message = assert_one_clear_message(result, "No OpenXR runtime", "SteamVR")
    assert "OpenXR-Loader" not in result.stderr, "the loader's own lines are kept quiet"
    assert message.startswith("No OpenXR runtime")


def test_no_runtime_in_process_opens_no_window_and_leaves_nothing_set(monkeypatch, tmp_path):
    monkeypatch.setenv("XR_RUNTIME_JSON", str(tmp_path / "no-runtime.json"))
    monkeypatch.delenv("XR_LOADER_DEBUG", raising=False)
    import builtins

    with pytest.raises(HeadsetUnavailable, match="No OpenXR runtime"):
        open_headset_stage((640, 360))
    assert not hasattr(builtins, "base"), "no ShowBase was opened for nothing"
    assert "XR_LOADER_DEBUG" not in os.environ


def test_without_the_extra_the_message_says_how_to_install_it():
    """The extra is installed in the test environment (for the tests above), so it is hidden
    here, in a process of its own, as if it had never been installed."""
    result = run_app(hide="sys.modules['xr'] = None  # pyopenxr not installed")
    assert_one_clear_message(result, "pip install 'companion[vr]'", "'xr'")
    result = run_app(hide="sys.modules['OpenGL'] = None  # PyOpenGL not installed")
    assert_one_clear_message(result, "pip install 'companion[vr]'", "'OpenGL'")


def test_importing_companion_xr_does_not_import_the_extra():
    code = (
        "import sys, logging; import companion.xr; "
        "print(sorted(m for m in ('xr', 'OpenGL') if m in sys.modules), "
        "logging.getLogger().handlers)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        check=False,
        cwd=ROOT,
        text=True,
        capture_output=True,
        timeout=60,
    )
    assert result.stdout.strip() == "[] []", result.stderr


def test_the_real_extra_imports_without_leaving_anything_behind():
    code = textwrap.dedent("""
        import logging, os
        from panda3d.core import ConfigPageManager
        from companion.xr.extra import load_openxr, load_gl
        pages = ConfigPageManager.getGlobalPtr().getNumExplicitPages()
        before = (list(logging.getLogger().handlers), logging.getLogger().level, dict(os.environ))
        xr, gl = load_openxr(), load_gl()
        after = (list(logging.getLogger().handlers), logging.getLogger().level, dict(os.environ))
        print(xr.__name__, gl.__name__, before == after,
              ConfigPageManager.getGlobalPtr().getNumExplicitPages() == pages)
    """)
    result = subprocess.run(
        [sys.executable, "-c", code],
        check=False,
        cwd=ROOT,
        text=True,
        capture_output=True,
        timeout=60,
        env={k: v for k, v in os.environ.items() if k != "PYOPENGL_PLATFORM"},
    )
    assert result.stdout.split() == ["xr", "OpenGL.GL", "True", "True"], result.stderr


def test_import_time_side_effects_are_undone(tmp_path, monkeypatch):
    """A module that does at import what panda3d-openxr does (a stand-in for it: it is not
    installed): logging.basicConfig, `sync-video 0`, driver variables. All put back."""
    (tmp_path / "standin_p3dopenxr.py").write_text(
        textwrap.dedent("""
        import logging, os
        from panda3d.core import load_prc_file_data
        logging.basicConfig(level=logging.DEBUG)
        load_prc_file_data("", "sync-video 0")
        os.environ["__GL_SYNC_TO_VBLANK"] = "0"
        os.environ["vblank_mode"] = "0"
    """)
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    from panda3d.core import ConfigVariableBool

    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    sync = ConfigVariableBool("sync-video").getValue()
    env = {k: os.environ.get(k) for k in ("__GL_SYNC_TO_VBLANK", "vblank_mode")}
    module = import_quietly("standin_p3dopenxr")
    assert module.__name__ == "standin_p3dopenxr"
    assert root.handlers == handlers and root.level == level
    assert ConfigVariableBool("sync-video").getValue() == sync
    assert {k: os.environ.get(k) for k in env} == env


def test_a_runtime_without_a_headset_says_to_connect_it(monkeypatch, gl):
    """No runtime can exist here: the simulated one (simulated_runtime.py) answers on the
    real pyopenxr module, as a runtime with no headset connected, then as one that takes no
    OpenGL (the Windows Mixed Reality runtime, for one)."""
    from companion.xr.extra import load_openxr
    from companion.xr.runtime import OpenXRHeadset

    from .simulated_runtime import SimulatedRuntime
    from .standin import RecordedHeadset

    sim = SimulatedRuntime(load_openxr(), RecordedHeadset(gl))
    sim.install(monkeypatch)
    sim.headset_connected = False
    with pytest.raises(HeadsetUnavailable) as caught:
        OpenXRHeadset()
    message = str(caught.value)
    assert "SimulatedXR" in message and "found no headset" in message
    assert "link" in message and "--display window" in message
    assert sim.log[-1] == "destroy instance", "the runtime is let go"
    sim.headset_connected, sim.takes_opengl = True, False
    with pytest.raises(HeadsetUnavailable, match="cannot take OpenGL"):
        OpenXRHeadset()
    assert sim.log[-1] == "destroy instance"


def test_no_screen_for_the_mirror_is_the_same_kind_of_message(monkeypatch, gl):
    from .standin import RecordedHeadset

    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    headset = RecordedHeadset(gl)
    with pytest.raises(HeadsetUnavailable, match="DISPLAY is not set"):
        open_headset_stage((640, 360), headset=headset)
    assert headset.closed


def test_the_headsets_own_config_wins_over_the_windows():
    from panda3d.core import ConfigVariableBool, loadPrcFileData, unloadPrcFile

    lines = prc_lines(HostConfig("window", (640, 360), extra={"sync-video": "false"}), None)
    assert "sync-video true" in lines
    page = loadPrcFileData("test-headset", "\n".join(lines))
    try:
        assert ConfigVariableBool("sync-video").getValue() is False
    finally:
        unloadPrcFile(page)
