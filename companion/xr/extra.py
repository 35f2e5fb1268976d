"""The VR extra (pyopenxr, PyOpenGL) is imported only when the headset is asked for, and
whatever importing it changes for the whole process is put back: the root logger, the
environment and Panda3D's configuration (panda3d-openxr, for one, calls
logging.basicConfig and loads `sync-video 0` on import; nothing here may do that)."""

from __future__ import annotations

import importlib
import logging
import os
import platform
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from companion.xr.errors import missing_extra, unsupported_platform


@dataclass
class ProcessState:
    """What an import may change for everyone, as it was before."""

    handlers: list[logging.Handler]
    level: int
    environment: dict[str, str]
    pages: list[Any]


def _explicit_pages() -> list[Any]:
    from panda3d.core import ConfigPageManager

    manager = ConfigPageManager.getGlobalPtr()
    return [manager.getExplicitPage(i) for i in range(manager.getNumExplicitPages())]


def capture_state() -> ProcessState:
    root = logging.getLogger()
    return ProcessState(list(root.handlers), root.level, dict(os.environ), _explicit_pages())


def restore_state(before: ProcessState) -> list[str]:
    """Put back the root logger, the environment and Panda3D's config pages; returns what
    had changed (for the record, and for tests)."""
    from panda3d.core import unloadPrcFile

    changed = []
    root = logging.getLogger()
    for handler in [h for h in root.handlers if h not in before.handlers]:
        root.removeHandler(handler)
        changed.append(f"logging handler {handler!r}")
    if root.level != before.level:
        changed.append(f"root log level {logging.getLevelName(root.level)}")
        root.setLevel(before.level)
    for key in set(os.environ) | set(before.environment):
        if os.environ.get(key) != before.environment.get(key):
            changed.append(f"environment {key}")
            if key in before.environment:
                os.environ[key] = before.environment[key]
            else:
                del os.environ[key]
    for page in _explicit_pages():
        if page not in before.pages:  # wrappers of one page compare equal
            changed.append(f"config page {page.getName()}")
            unloadPrcFile(page)
    return changed


@contextmanager
def side_effects_undone(environment: dict[str, str] | None = None) -> Iterator[list[str]]:
    """Within: `environment` is set (where not set already); after: everything is as before.
    The list yielded is filled with what was put back."""
    before = capture_state()
    for key, value in (environment or {}).items():
        os.environ.setdefault(key, value)
    undone: list[str] = []
    try:
        yield undone
    finally:
        undone += [
            what
            for what in restore_state(before)
            if what.removeprefix("environment ") not in (environment or {})
        ]


def import_quietly(name: str, environment: dict[str, str] | None = None) -> ModuleType:
    """Import a module of the extra with its import-time side effects undone; a missing
    module is the one clear HeadsetUnavailable message."""
    try:
        with side_effects_undone(environment):
            return importlib.import_module(name)
    except ImportError as exc:
        raise missing_extra((exc.name or name).split(".")[0]) from None
    except NotImplementedError:  # pyopenxr on a platform it has no loader for
        raise unsupported_platform(platform.system()) from None


def load_openxr() -> ModuleType:
    """pyopenxr (`xr`), which brings the Khronos OpenXR loader."""
    if platform.system() not in ("Windows", "Linux"):
        raise unsupported_platform(platform.system())
    return import_quietly(
        "xr", {"PYOPENGL_PLATFORM": "glx"} if platform.system() == "Linux" else {}
    )


def load_gl() -> ModuleType:
    """PyOpenGL's GL module. On Linux it goes through GLX, as Panda3D's windows do (and as
    pyopenxr insists on importing it); under EGL, GLVND sends the same calls to the
    current EGL context, which is how the tests run without a screen."""
    environment = {"PYOPENGL_PLATFORM": "glx"} if platform.system() == "Linux" else {}
    return import_quietly("OpenGL.GL", environment)


@contextmanager
def loader_quiet() -> Iterator[None]:
    """The OpenXR loader prints its own errors (several lines when no runtime is installed)
    unless XR_LOADER_DEBUG says otherwise; it reads the variable on first use. Our message
    says it once. Set XR_LOADER_DEBUG=error to see the loader's own account."""
    with side_effects_undone({"XR_LOADER_DEBUG": "none"}):
        yield
