"""Opening Panda3D for the stage: one ShowBase per Stage, configured by a config page that
is loaded when it opens and unloaded when it closes (nothing set at import time)."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from typing import Any

from companion.stage.monitors import Monitor, list_monitors

DISPLAYS = ("window", "fullscreen", "stereo", "none")


class StageError(RuntimeError):
    """The stage cannot show what was asked; the message says why and what to do."""


@dataclass
class HostConfig:
    display: str = "window"  # window | fullscreen | stereo | none
    size: tuple[int, int] = (1280, 720)
    monitor: int | None = None
    headless: bool = False  # render offscreen through EGL (snapshots, tests)
    title: str = "Companion"
    extra: dict[str, str] = field(default_factory=dict)


def prc_lines(config: HostConfig, monitor: Monitor | None) -> list[str]:
    lines = [
        "audio-library-name null",  # the mixer (pygame) owns the sound device
        "textures-power-2 none",  # render textures exactly the size of the view
        "notify-level-device fatal",  # no gamepads are used; quiet about /dev/input
        "notify-level-display error",
        "default-directnotify-level warning",
        "print-pipe-types false",
        f"window-title {config.title}",
        "framebuffer-multisample 0",
    ]
    width, height = config.size
    if config.display == "none":
        lines.append("window-type none")
    elif config.headless:
        lines += [
            "load-display p3headlessgl",
            "window-type offscreen",
            f"win-size {width} {height}",
            "notify-level-egldisplay error",
        ]
    else:
        lines += ["window-type onscreen", "sync-video true"]
        if monitor is not None:
            lines += [
                "undecorated true",
                f"win-origin {monitor.x} {monitor.y}",
                f"win-size {monitor.width} {monitor.height}",
                "cursor-hidden true",
            ]
        elif config.display == "fullscreen" or (
            config.display == "stereo" and config.monitor is not None
        ):
            lines += ["fullscreen true", f"win-size {width} {height}", "cursor-hidden true"]
        else:
            lines.append(f"win-size {width} {height}")
    # extras first: within one config page the first declaration of a variable wins
    return [f"{k} {v}" for k, v in config.extra.items()] + lines


def choose_monitor(config: HostConfig) -> Monitor | None:
    """The monitor to cover with a borderless window, or None for Panda3D's own fullscreen
    (primary monitor) or a plain window."""
    if config.monitor is None or config.headless or config.display in ("window", "none"):
        return None
    monitors = list_monitors()
    if not monitors:
        if config.monitor == 0:
            return None
        raise StageError(
            f"cannot find monitor {config.monitor}: this desktop does not say which "
            "monitors it has; use --monitor 0 (the primary monitor)"
        )
    for monitor in monitors:
        if monitor.index == config.monitor:
            return monitor
    names = ", ".join(
        f"{m.index} ({m.width}x{m.height}{' ' + m.name if m.name else ''})" for m in monitors
    )
    raise StageError(f"there is no monitor {config.monitor}; the monitors are {names}")


def has_screen() -> bool:
    """Whether a desktop window could open at all (on Linux and BSD: an X or Wayland display)."""
    if sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


def open_showbase(config: HostConfig) -> tuple[Any, Any]:
    """A ShowBase for this configuration and its config page (unload it after destroy())."""
    from panda3d.core import loadPrcFileData, unloadPrcFile

    if config.display not in DISPLAYS:
        raise StageError(f"unknown display '{config.display}' (choose {', '.join(DISPLAYS)})")
    onscreen = config.display != "none" and not config.headless
    if onscreen and not has_screen():
        raise StageError(
            "no screen to open a window on (DISPLAY is not set). Use --display none "
            "for a sound-only session, or `companion snapshot` to see a script's scenes"
        )
    monitor = choose_monitor(config)
    page = loadPrcFileData("companion-stage", "\n".join(prc_lines(config, monitor)))
    try:
        from direct.showbase.ShowBase import ShowBase

        window_type = (
            "none" if config.display == "none" else ("offscreen" if config.headless else "onscreen")
        )
        if window_type == "onscreen" and monitor is None and _fullscreen(config):
            base = _open_fullscreen(ShowBase)
        else:
            base = ShowBase(fStartDirect=False, windowType=window_type)
    except Exception as exc:  # noqa: BLE001 - Panda3D raises a bare Exception when no window opens
        unloadPrcFile(page)
        how = "offscreen through EGL (is Mesa's EGL installed?)" if config.headless else "a window"
        raise StageError(
            f"could not open {how}: {exc}. Use --display none for a sound-only session"
        ) from None
    if window_type != "none" and base.win is None:
        base.destroy()
        unloadPrcFile(page)
        raise StageError("could not open a window; use --display none for a sound-only session")
    return base, page


def _fullscreen(config: HostConfig) -> bool:
    return config.display == "fullscreen" or (
        config.display == "stereo" and config.monitor is not None
    )


def _open_fullscreen(showbase: Any) -> Any:
    """Fullscreen at the desktop's own resolution (no change of video mode)."""
    from panda3d.core import WindowProperties

    base = showbase(fStartDirect=False, windowType="none")
    props = WindowProperties()
    props.setFullscreen(True)
    width, height = base.pipe.getDisplayWidth(), base.pipe.getDisplayHeight()
    if width > 0 and height > 0:
        props.setSize(width, height)
    if not base.openDefaultWindow(props=props, type="onscreen"):
        base.destroy()
        raise RuntimeError("the fullscreen window did not open")
    return base


def close_showbase(base: Any, page: Any) -> None:
    from panda3d.core import unloadPrcFile

    base.destroy()
    if page is not None:
        unloadPrcFile(page)
