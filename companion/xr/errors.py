"""The one error the headset raises when it cannot start, and the messages that say why.

The app prints the message and exits with status 2; every message names what is missing
and the displays that work without a headset."""

from __future__ import annotations

from companion.stage.host import StageError

INSTEAD = "Or run without the headset: --display window (a desktop window) or --display stereo."


class HeadsetUnavailable(StageError):
    """The headset cannot be used; the message says what is missing and what to do."""


def missing_extra(module: str) -> HeadsetUnavailable:
    return HeadsetUnavailable(
        f"The headset needs Companion's VR extra, which is not installed (no module '{module}'). "
        f"Install it with: pip install 'companion[vr]'. {INSTEAD}"
    )


def unsupported_platform(system: str) -> HeadsetUnavailable:
    return HeadsetUnavailable(
        f"OpenXR headsets work on Windows and Linux; this computer runs {system}. {INSTEAD}"
    )


def no_runtime() -> HeadsetUnavailable:
    return HeadsetUnavailable(
        "No OpenXR runtime is active on this computer, so there is no headset to show the "
        "session in. Install and start SteamVR (or your headset's own OpenXR runtime, such as "
        "Meta Quest Link or Monado) and make it the active OpenXR runtime. " + INSTEAD
    )


def no_opengl(runtime: str) -> HeadsetUnavailable:
    return HeadsetUnavailable(
        f"The active OpenXR runtime ({runtime}) cannot take OpenGL pictures, which Companion "
        f"draws. SteamVR, Meta Quest Link and Monado can: make one of them the active OpenXR "
        f"runtime (SteamVR drives most PC headsets, Windows Mixed Reality ones too). {INSTEAD}"
    )


def no_headset(runtime: str) -> HeadsetUnavailable:
    return HeadsetUnavailable(
        f"The OpenXR runtime ({runtime}) found no headset. Connect the headset and switch it on "
        "(a standalone headset: start its PC link over the cable or the wireless link first), "
        f"then start the session again. {INSTEAD}"
    )


def runtime_failed(runtime: str, what: str, detail: str) -> HeadsetUnavailable:
    return HeadsetUnavailable(
        f"The OpenXR runtime ({runtime}) could not {what}: {detail}. Restart the runtime and the "
        f"headset and try again. {INSTEAD}"
    )
