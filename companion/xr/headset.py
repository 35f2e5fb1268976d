"""`--display vr`: the stage, head-tracked in stereo, in a headset; the desktop window
mirrors the left eye.

    stage = open_headset_stage((1280, 720), report=health.report)
    ...the same as a Stage: stage.apply(action), stage.update(breath=...), stage.close(),
    stage.base, stage.taskmgr, stage.window (the desktop mirror); and stage.dropped_frames
    for the engine's state.

How a frame goes (Panda3D's task loop, which the app runs):
  sort -40  `headset-begin`: wait for the headset (this paces the loop at its rate), take the
            eyes' poses and fields of view into the rig, count dropped frames, place the
            world-fixed text. The app's own per-frame task (sort 0 by default) comes after.
  sort 50   Panda3D draws: each scene into its texture, then the eye buffer (both eyes side
            by side: the stage's composite and overlay, per eye), then, in the eye buffer's
            last display region, each eye is copied into the headset's image and the frame
            is handed over; then the desktop window (the mirror).
  sort 55   `headset-end`: a frame begun but not handed over (nothing drawn) is ended empty.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from types import ModuleType
from typing import Any, Self

import numpy as np

from companion.session import actions as act
from companion.stage.host import HostConfig, StageError, close_showbase, open_showbase
from companion.xr.errors import INSTEAD, HeadsetUnavailable
from companion.xr.extra import load_gl
from companion.xr.frames import Copy, Headset
from companion.xr.handover import Handover, Rect
from companion.xr.mirror import Mirror
from companion.xr.pacing import FramePacer
from companion.xr.rig import HeadsetRig
from companion.xr.world import WorldStage

Report = Callable[[str, bool, str], None]

PART = "display"
BEGIN_SORT, END_SORT = -40, 55  # around ShowBase's igLoop (50), before the app's task (0)
EYE_BUFFER_SORT = -10  # after the scenes' buffers (-20), before the window (0)
HANDOVER_SORT = 100  # the eye buffer's last region: after composite and overlay
IDLE_RATE = 60.0  # frames a second while the headset asks for none


class HeadsetStage:
    """A Stage in a headset. Same face as `Stage` (apply, update, prepare, settle, render,
    capture, save, close, base, taskmgr, window); what the stage knows (environment, look,
    paused, ended, comfort...) is read through to the stage drawing the eyes (`eyes`)."""

    display = "vr"

    def __init__(
        self,
        headset: Headset,
        size: tuple[int, int] = (1280, 720),
        *,
        gl: ModuleType,
        report: Report | None = None,
        headless: bool = False,
        title: str = "Companion",
        captions: bool = True,
        comfort: bool = True,
        render_scale: float | None = None,
    ) -> None:
        self.report: Report = report or (lambda part, ok, message: None)
        self.headset = headset
        self.size = size
        self.pacer = FramePacer(self.report)
        self.handover = Handover(gl)
        self._closed = False
        self._frame_open = False
        # Two clocks, never mixed: the runtime's (XrTime, its own epoch) for the frames it
        # asks for, the monotonic clock for the calm frames while it asks for none.
        self._last_display_time: float | None = None
        self._last_idle: float | None = None
        self._failures: set[str] = set()
        try:
            self.base, self._page = open_showbase(
                HostConfig(
                    "window",
                    size,
                    None,
                    headless,
                    title,
                    # the headset paces the loop: a window waiting for the monitor would halve
                    # its rate
                    extra={"sync-video": "false"},
                )
            )
        except StageError as exc:
            headset.close()
            raise HeadsetUnavailable(
                f"The headset's session also needs the desktop window that "
                f"mirrors it, which could not open: {exc}"
            ) from None
        try:
            attach = getattr(headset, "attach", None)
            if attach is not None:
                attach()  # Panda3D's OpenGL context is current now that its window is open
            self._build(captions, comfort, render_scale)
        except BaseException:
            self._close_parts()
            raise
        self.report(
            PART,
            True,
            f"headset: {headset.name}, {headset.eye_size[0]}x{headset.eye_size[1]} "
            "per eye; the window shows the left eye",
        )

    def _build(self, captions: bool, comfort: bool, render_scale: float | None) -> None:
        from panda3d.core import Camera, NodePath, PythonCallbackObject, Texture

        base = self.base
        self.window = base.win
        self.taskmgr = base.taskMgr
        for region in self.window.getDisplayRegions():  # ShowBase's own 3D view is not used
            if region.getCamera() == base.cam:
                region.setActive(False)
        self.window.setClearColorActive(False)  # the mirror covers every pixel
        self.window.setClearDepthActive(False)
        width, height = self.headset.eye_size
        self.eye_texture = Texture("headset-eyes")
        self.eye_buffer = self.window.makeTextureBuffer(
            "headset-eyes", 2 * width, height, self.eye_texture, False
        )
        if self.eye_buffer is None:
            raise HeadsetUnavailable(
                f"This computer's OpenGL could not make a {2 * width}x{height} "
                f"picture for the headset's eyes. {INSTEAD}"
            )
        self.eye_buffer.setSort(EYE_BUFFER_SORT)
        self.eye_buffer.disableClears()
        self.eye_buffer.getDisplayRegion(0).setActive(False)
        self.rig = HeadsetRig()
        self.eyes = WorldStage(
            "headset",
            (2 * width, height),
            base=base,
            window=self.eye_buffer,
            taskmgr=self.taskmgr,
            report=self.report,
            captions=captions,
            comfort=comfort,
            rig=self.rig,
            render_scale=render_scale,
            drift=False,
        )
        # the hand-over: a display region drawing nothing, whose draw callback runs once the
        # composite and overlay of both eyes are in the eye buffer
        self._nothing = NodePath("nothing")
        region = self.eye_buffer.makeDisplayRegion(0, 1, 0, 1)
        region.setSort(HANDOVER_SORT)
        region.disableClears()
        region.setCamera(self._nothing.attachNewNode(Camera("handover")))
        region.setDrawCallback(PythonCallbackObject(self._hand_over))
        self.mirror = Mirror(self.window, self.eye_texture, (width, height))
        self.taskmgr.add(self._begin_task, "headset-begin", sort=BEGIN_SORT)
        self.taskmgr.add(self._end_task, "headset-end", sort=END_SORT)

    # --- the stage's face ----------------------------------------------------------------

    def apply(self, action: act.Action) -> None:
        self.eyes.apply(action)

    def update(self, breath: Any = None, now: float | None = None) -> None:
        self.eyes.update(breath=breath, now=now)

    def prepare(self, environments: Any) -> None:
        self.eyes.prepare(environments)

    def settle(self) -> None:
        self.eyes.settle()

    def render(self) -> None:
        """One frame by hand (tests, snapshots): the headset's tasks, then the drawing."""
        self._begin_task(None)
        self.base.graphicsEngine.renderFrame()
        self._end_task(None)

    def capture(self) -> np.ndarray:
        """The desktop window's last frame: the left eye, as the therapist sees it."""
        return _screenshot(self.window)

    def capture_eyes(self) -> np.ndarray:
        """Both eyes side by side, as drawn for the headset (left eye on the left)."""
        return _screenshot(self.eye_buffer)

    def save(self, path: str) -> None:
        from panda3d.core import Filename

        if not self.window.saveScreenshot(Filename.fromOsSpecific(path)):
            raise StageError(f"could not write {path}")

    @property
    def fading(self) -> bool:
        return self.eyes.fading

    @property
    def dropped_frames(self) -> int:
        """Frames the headset had to show again because ours came late, since the start."""
        return self.pacer.dropped

    def status(self) -> dict[str, Any]:
        """For the engine's state (the panel shows it)."""
        return {
            "headset": self.headset.name,
            "rate_hz": round(self.pacer.rate, 1),
            "dropped_frames": self.pacer.dropped,
            "dropped_recently": self.pacer.recent(),
            "overlay_heading": round(self.eyes.overlay_heading, 1),
        }

    def __getattr__(self, name: str) -> Any:
        if name == "eyes":  # not built (closing after a failed start)
            raise AttributeError(name)
        return getattr(self.eyes, name)

    # --- frames --------------------------------------------------------------------------

    def _begin_task(self, task: Any) -> Any:
        try:
            self._begin()
        except Exception as exc:  # noqa: BLE001 - a failing headset must not stop the session
            self._fail("could not follow the headset", exc)
        return task.cont if task is not None else None

    def _begin(self) -> None:
        self.mirror.fit()
        frame = self.headset.begin_frame()
        if frame is None:
            self._idle()
            self.pacer.reset_timing()
            return
        self._frame_open = True
        if frame.render and len(frame.views) == 2 and self.rig.set_views(frame.views):
            self.eyes.update_lenses()  # the headset's fields of view changed
        self.pacer.frame(frame.display_time, frame.period)
        self._last_idle = None
        self.eyes.place_overlay(_step(self._last_display_time, frame.display_time))
        self._last_display_time = frame.display_time

    def _idle(self) -> None:
        """No frame asked for: keep the mirror going at a calm rate, not as fast as can be.
        Timed on the monotonic clock alone, and never waiting more than one idle frame, so the
        loop (and the panel's state with it) goes on whatever the runtime's clock says."""
        period = 1.0 / IDLE_RATE
        if self._last_idle is not None:
            time.sleep(min(max(0.0, period - (time.monotonic() - self._last_idle)), period))
        now = time.monotonic()
        dt = _step(self._last_idle, now)
        self._last_idle = now
        self._last_display_time = None  # the next frame's step counts from that frame
        self.eyes.place_overlay(dt)

    def _hand_over(self, cbdata: Any) -> None:
        """Inside the eye buffer's draw: each eye's half into the headset, then the frame."""
        if not self._frame_open:
            return
        width, height = self.headset.eye_size
        try:
            for eye in (0, 1):
                self.headset.submit(eye, self._copier((eye * width, 0, width, height)))
            self._frame_open = False
            self.headset.end_frame()
        except Exception as exc:  # noqa: BLE001 - OpenXR's and GL's own types; reported, goes on
            self._fail("could not hand the picture to the headset", exc)

    def _copier(self, source: Rect) -> Copy:
        """One eye's copy: its part (`source`) of the eye buffer into the headset's image."""

        def copy(texture: int, size: tuple[int, int]) -> None:
            self.handover.copy(source, texture, size)

        return copy

    def _end_task(self, task: Any) -> Any:
        if self._frame_open:  # nothing was drawn this frame: the headset still gets its end
            self._frame_open = False
            try:
                self.headset.end_frame()
            except Exception as exc:  # noqa: BLE001 - as in _hand_over: reported, not fatal
                self._fail("could not end the headset's frame", exc)
        return task.cont if task is not None else None

    def _fail(self, what: str, exc: Exception) -> None:
        message = f"{what}: {exc}"
        if message not in self._failures:  # once, not every frame
            self._failures.add(message)
            self.report(PART, False, message)

    # --- closing -------------------------------------------------------------------------

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._close_parts()

    def _close_parts(self) -> None:
        base = getattr(self, "base", None)
        if base is not None:
            base.taskMgr.remove("headset-begin")
            base.taskMgr.remove("headset-end")
        self.headset.close()
        if "eyes" in self.__dict__:
            self.eyes.close()
        if "mirror" in self.__dict__:
            self.mirror.destroy()
        if "eye_buffer" in self.__dict__ and self.eye_buffer is not None and base is not None:
            base.graphicsEngine.removeWindow(self.eye_buffer)
        if base is not None:
            close_showbase(base, self._page)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _step(last: float | None, now: float) -> float:
    """Seconds between two readings of one clock, for easing the overlay: none at the first,
    none if the clock went back, at most a quarter of a second after a gap."""
    return 0.0 if last is None else min(max(now - last, 0.0), 0.25)


def _screenshot(output: Any) -> np.ndarray:
    shot = output.getScreenshot()
    if shot is None:
        raise StageError("could not read the picture back")
    data = np.frombuffer(bytes(shot.getRamImageAs("RGB")), np.uint8)
    return data.reshape(shot.getYSize(), shot.getXSize(), 3)[::-1].copy()


def open_headset_stage(
    size: tuple[int, int] = (1280, 720),
    report: Report | None = None,
    *,
    headset: Headset | None = None,
    headless: bool = False,
    **options: Any,
) -> HeadsetStage:
    """The stage for `--display vr`. Raises HeadsetUnavailable, with one message saying what
    is missing (the VR extra, an OpenXR runtime, a headset, a screen) and suggesting
    --display window or --display stereo. `headset` stands in for the real one in tests."""
    if headset is None:
        from companion.xr.runtime import OpenXRHeadset

        headset = OpenXRHeadset(report)  # the extra, a runtime, a headset: before any window
    try:
        gl = load_gl()
    except HeadsetUnavailable:
        headset.close()
        raise
    return HeadsetStage(headset, size, gl=gl, report=report, headless=headless, **options)
