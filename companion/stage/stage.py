"""The Stage: what the patient sees. It obeys the engine's actions (`apply`) and draws one
frame's worth of change per `update`, with the engine's breath phase for that frame.

    stage = Stage("window", (1280, 720), report=health.report)
    ...each frame:
        for action in engine.tick(): stage.apply(action)
        stage.update(breath=engine.breath())
        stage.step()                # or the app's own task loop renders the frame

Display modes: window, fullscreen (monitor N), stereo (side by side, two eyes from the
same eye rig a headset uses) and none (sound only: actions are followed, nothing drawn).
`headless=True` renders offscreen through EGL with no screen (snapshots, tests).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np

from companion.session import actions as act
from companion.stage.comfort import ComfortFinding, ComfortMonitor
from companion.stage.fades import MIN_FADE, Fade
from companion.stage.host import HostConfig, StageError, close_showbase, open_showbase
from companion.stage.probe import ComfortProbe

Report = Callable[[str, bool, str], None]

PART = "stage"
PAUSE_FADE, RESUME_FADE = 2.5, 2.0
FIRST_SCENE_FADE = 3.0
MIN_LOOK_FADE = 2.0
VEIL_COLOR = (0.055, 0.062, 0.08)  # a soft deep blue-grey: what a scene fades from and ends in
UI_SORT, COMPOSITE_SORT = (
    6,
    5,
)  # above ShowBase's 3D view (0), below its render2d (10) for the app's own overlays
DRIFT_DEGREES, DRIFT_PERIOD = 2.5, 240.0


SOFTWARE_RENDERERS = ("llvmpipe", "softpipe", "software", "swrast", "gdi generic")
SOFTWARE_SCALE = 0.35
# A frame later than this (a stall) moves fades and motion on by this much only, so nothing
# jumps; a film with its own sound still takes the whole time (Scenery.keeps_time).
MAX_STEP = 0.25


def software_scale(window: Any) -> float:
    """Scenes are drawn at 0.35 of the view's size (an eighth of the pixels) when OpenGL runs on
    the CPU, where most of a scene's cost is per pixel; the compositor scales them up
    smoothly (the environments are soft: haze, gradients, slow light) and text and guide
    stay sharp. A GPU draws all."""
    gsg = window.getGsg()
    renderer = (gsg.getDriverRenderer() if gsg is not None else "").lower()
    return SOFTWARE_SCALE if any(name in renderer for name in SOFTWARE_RENDERERS) else 1.0


class Stage:
    def __init__(
        self,
        display: str = "window",
        size: tuple[int, int] = (1280, 720),
        *,
        monitor: int | None = None,
        headless: bool = False,
        base: Any = None,
        window: Any = None,
        render: Any = None,
        taskmgr: Any = None,
        report: Report | None = None,
        captions: bool = True,
        drift: bool = False,
        comfort: bool = True,
        rig: Any = None,
        title: str = "Companion",
        render_scale: float | None = None,
        wait_media: bool = False,
    ) -> None:
        self.display = display
        self.wait_media = wait_media  # films wait for each picture (snapshots, virtual clocks)
        self.size = size
        self.report: Report = report or (lambda part, ok, message: None)
        self.captions_on = captions
        self.drift = drift
        self.render_scale = render_scale
        self._page = None
        self._owns_base = base is None
        self._closed = False
        if base is None:
            base, self._page = open_showbase(HostConfig(display, size, monitor, headless, title))
        self.base = base
        self.taskmgr = taskmgr or base.taskMgr
        self.window = None if display == "none" else (window or base.win)
        self.scene_root = render  # where the stage's scene graphs hang (for inspection); optional
        self.environment: str | None = None
        self.look: dict[str, Any] = {}
        self.ended = False
        self.paused = False
        self._say: str | None = None
        self._deadlines: dict[str, float] = {}
        # text shown before the first frame: its time counts from that frame
        self._undated: dict[str, float] = {}
        self._now: float | None = None
        self._fading_frame = False
        self.comfort = ComfortMonitor() if comfort and self.window is not None else None
        if self.window is None:
            self.report(PART, True, "no display: sound only")
            return
        self._build(rig)

    # --- set-up --------------------------------------------------------------------------

    def _build(self, rig: Any) -> None:
        from panda3d.core import NodePath, TransparencyAttrib

        from companion.stage.captions import TextLayer, load_font, worst_contrast
        from companion.stage.compositor import Compositor, Crossfade
        from companion.stage.environments import Kit
        from companion.stage.eyes import EyeRig
        from companion.stage.guide import BreathingGuide
        from companion.stage.textures import noise_texture

        window = self.window
        assert window is not None, "built only with a window"
        self.size = (window.getXSize(), window.getYSize()) if window.getXSize() > 0 else self.size
        eyes = 2 if self.display == "stereo" else 1
        self.rig = rig or EyeRig(eyes)
        if rig is None:
            self.rig.set_screen(*self.size)
        self.regions = (
            [(0.0, 1.0, 0.0, 1.0)]
            if self.rig.eyes == 1
            else [(0.0, 0.5, 0.0, 1.0), (0.5, 1.0, 0.0, 1.0)]
        )
        if self._owns_base:
            for region in window.getDisplayRegions():  # ShowBase's own scene is not used
                region.setActive(False)
            window.setClearColorActive(False)  # the composite covers every pixel
            window.setClearDepthActive(False)
        if self.render_scale is None:
            self.render_scale = software_scale(window)
        self.kit = Kit(noise_texture())
        self.layers: dict[str, Any] = {}
        self._layer_ids: dict[int, str] = {}
        self._failed: dict[str, str] = {}  # media environments that could not be built: why
        self.crossfade = Crossfade()
        self.veil = Fade(1.0)
        self.dim = Fade(0.0)
        self.speed = Fade(1.0)
        self.compositor = Compositor()
        composite_camera = self.compositor.camera("composite-camera")
        region = window.makeDisplayRegion(0, 1, 0, 1)
        region.setSort(COMPOSITE_SORT)
        region.setCamera(composite_camera)
        # the overlay: guide and text, drawn once per eye
        self.ui = NodePath("overlay")
        if self.scene_root is not None:
            self.compositor.root.reparentTo(self.scene_root)
            self.ui.reparentTo(self.scene_root)
        self.ui.setDepthTest(False)
        self.ui.setDepthWrite(False)
        self.ui.setTransparency(TransparencyAttrib.MAlpha)
        self.ui_cameras = [self._ui_camera(i) for i in range(len(self.regions))]
        for (left, right, bottom, top), camera in zip(self.regions, self.ui_cameras, strict=True):
            ui_region = window.makeDisplayRegion(left, right, bottom, top)
            ui_region.setSort(UI_SORT)
            ui_region.setCamera(camera)
        font = load_font()
        if font is None:
            self.report(PART, False, "caption font missing: captions use Panda3D's built-in font")
        aspect = self._eye_aspect()
        self.guide = BreathingGuide(self.ui)
        self.captions = TextLayer(
            self.ui, font, height=0.085, z=-0.74, width=min(2 * aspect - 0.5, 2.6)
        )
        self.shown = TextLayer(self.ui, font, height=0.10, z=0.32, width=min(2 * aspect - 0.6, 2.4))
        self.caption_contrast = worst_contrast()
        self._probe = None
        if self.comfort is not None:
            self._probe = ComfortProbe.make(
                self.base,
                window,
                composite_camera,
                list(zip(self.regions, self.ui_cameras, strict=True)),
            )
            if self._probe is None:
                self.report(PART, False, "comfort check unavailable: no probe buffer")
        self.report(PART, True, f"showing {self.display} {self.size[0]}x{self.size[1]}")

    @property
    def scene_size(self) -> tuple[int, int]:
        """The size scenes are drawn at (the view's, or less on a software renderer)."""
        scale = self.render_scale or 1.0
        return max(16, round(self.size[0] * scale)), max(16, round(self.size[1] * scale))

    def _eye_aspect(self) -> float:
        left, right, bottom, top = self.regions[0]
        return (right - left) * self.size[0] / max(1.0, (top - bottom) * self.size[1])

    def _ui_camera(self, index: int) -> Any:
        from panda3d.core import Camera, OrthographicLens

        lens = OrthographicLens()
        aspect = self._eye_aspect()
        lens.setFilmSize(2 * aspect, 2)
        lens.setNearFar(-10, 10)
        node = Camera(f"overlay-camera-{index}", lens)
        node.setScene(self.ui)
        return self.ui.attachNewNode(node)

    def prepare(self, environments: Iterable[str], strict: bool = False) -> None:
        """Build environments ahead of time, so a later scene change does not stall a frame.
        A media file that cannot be shown is reported (or raised, if `strict`)."""
        from companion.stage.media import MediaError

        if self.window is None:
            return
        for name in environments:
            try:
                self._layer(name)
            except MediaError as exc:
                if strict:
                    raise
                self.report(PART, False, str(exc))

    def _layer(self, name: str) -> Any:
        from companion.stage.environments import sceneries
        from companion.stage.layers import Layer
        from companion.stage.media import MediaError, media_scenery

        if name in self._failed:  # failed before (in prepare): not opened again on the frame thread
            raise MediaError(self._failed[name])
        if name not in self.layers:
            kinds = sceneries()
            scenery = media_scenery(
                name, self.kit, wait=self.wait_media, software=(self.render_scale or 1.0) < 1.0
            )
            if scenery is None and name not in kinds:
                raise StageError(
                    f"unknown environment '{name}' (known: {', '.join(sorted(kinds))})"
                )
            try:
                layer = Layer(
                    scenery or kinds[name](self.kit),
                    self.window,
                    self.scene_size,
                    self.regions,
                    self.rig,
                    None,
                )
            except MediaError as exc:
                self._failed[name] = str(exc)
                raise
            if self.scene_root is not None:
                layer.root.reparentTo(self.scene_root)
            self.layers[name] = layer
            self._layer_ids[id(layer)] = name
        return self.layers[name]

    # --- actions -----------------------------------------------------------------------

    def apply(self, action: act.Action) -> None:
        """Follow one of the engine's actions. Never raises: a failure is reported as the
        stage's health and the session goes on."""
        try:
            self._apply(action)
        except Exception as exc:  # noqa: BLE001 - a broken scene must not stop the session
            self.report(PART, False, f"could not show {action.kind}: {exc}")

    def _apply(self, action: act.Action) -> None:
        follow = _FOLLOW.get(type(action))
        if follow is not None:  # sound, holds and levels are for other parts
            follow(self, action)

    def _look(self, action: act.LookChange) -> None:
        self.look.update(action.look)
        if self.window is not None and self.environment in self.layers:
            self.layers[self.environment].show_look(
                action.look, max(action.fade, MIN_LOOK_FADE), replace=False
            )

    def _say_line(self, action: act.Say) -> None:
        shown = action.caption or action.silent
        self._say = action.text if shown else None
        if shown and (self.captions_on or action.silent) and self.window is not None:
            self.captions.show(action.text)
            self._deadline("say", action.seconds)

    def _show_text(self, action: act.ShowText) -> None:
        if self.window is not None:
            self.shown.show(action.text)
            self._deadline("show", action.seconds)

    def _step_ended(self, action: act.StepEnded) -> None:
        self._end_step(action.step)

    def _breathe(self, action: act.Breathe) -> None:
        if self.window is not None:
            self.guide.start()

    def _set_captions(self, action: act.SetCaptions) -> None:
        self.captions_on = action.on
        if self.window is not None:
            if not action.on:
                self.captions.hide()
            elif self._say and self.captions.visible_text is None:
                self.captions.show(self._say)

    def _pause(self, action: act.Pause) -> None:
        self.paused = True
        if self.window is not None:
            self.dim.to(1.0, PAUSE_FADE)
            self.speed.to(0.0, PAUSE_FADE)

    def _resume(self, action: act.Resume) -> None:
        self.paused = False
        if self.window is not None:
            self.dim.to(0.0, RESUME_FADE)
            self.speed.to(1.0, RESUME_FADE)

    def _end(self, action: act.End) -> None:
        self.ended = True
        if self.window is not None:
            self.veil.to(1.0, max(action.fade, MIN_FADE))
            for kind in ("say", "show", "breathe"):
                self._end_step(kind)

    def _recenter(self, action: act.Recenter) -> None:
        if self.window is not None:
            self.rig.recenter()

    def _scene(self, action: act.SceneChange) -> None:
        self.environment = action.environment
        self.look = dict(action.look)
        if self.window is None:
            return
        layer = self._layer(action.environment)
        seconds = max(action.transition, MIN_FADE)
        on_screen = self.crossfade.weights.get(id(layer), 0.0) > 0.0
        layer.show_look(action.look, seconds if on_screen else 0.0, replace=True)
        first = not self.crossfade.weights
        self.crossfade.to(id(layer), seconds)
        if first or self.ended or self.veil.target > 0.0:
            self.ended = False
            self.veil.to(0.0, max(seconds, FIRST_SCENE_FADE))

    def _end_overdue(self, now: float) -> None:
        for step, lasts in self._undated.items():
            self._deadlines[step] = now + lasts
        self._undated.clear()
        for step, due in list(self._deadlines.items()):
            if now >= due:
                self._end_step(step)

    def _end_step(self, step: str) -> None:
        self._deadlines.pop(step, None)
        self._undated.pop(step, None)
        if step == "say":
            self._say = None
        if self.window is None:
            return
        if step == "say":
            self.captions.hide()
        elif step == "show":
            self.shown.hide()
        elif step == "breathe":
            self.guide.stop()

    def _deadline(self, step: str, seconds: float) -> None:
        """Text goes away by itself shortly after its time, should its step end be missed
        (text shown before the first frame is timed from that frame: with no clock reading
        yet it once got no deadline and stayed up for good)."""
        if self._now is None:
            self._undated[step] = seconds + 2.0
        else:
            self._deadlines[step] = self._now + seconds + 2.0

    # --- frames ------------------------------------------------------------------------

    def update(self, breath: Mapping[str, Any] | None = None, now: float | None = None) -> None:
        """Move everything on by the time since the last update, for the frame about to be
        drawn; `breath` is the engine's breath() for this frame."""
        now = time.monotonic() if now is None else now
        elapsed = 0.0 if self._now is None else max(now - self._now, 0.0)
        dt = min(elapsed, MAX_STEP)
        self._now = now
        if self.window is None or self._closed:
            return
        self._check_comfort()
        self._end_overdue(now)
        self._check_size()
        if self.drift:
            import math

            self.rig.drift = DRIFT_DEGREES * math.sin(2 * math.pi * now / DRIFT_PERIOD)
        self.veil.advance(dt)
        self.dim.advance(dt)
        speed = self.speed.advance(dt)
        weights = self.crossfade.advance(dt)
        shown = []
        fading = self.crossfade.moving or self.veil.moving or self.dim.moving
        for name, layer in self.layers.items():
            weight = weights.get(id(layer), 0.0)
            layer.set_active(weight > 0.0)
            if weight > 0.0:
                if layer.drawn_frames > 1 and not layer.checked:
                    layer.checked = True
                    failed = layer.shader_errors()
                    if failed:
                        self.report(PART, False, f"{name}: shaders failed for {', '.join(failed)}")
                layer.update(dt, speed, self.scene_size[1], elapsed=elapsed)
                media_error = getattr(layer.scenery, "error", None)
                if media_error and not getattr(layer, "error_reported", False):
                    layer.error_reported = True
                    self.report(PART, False, f"{name}: {media_error}")
                shown.append((layer.texture, weight))
                fading = fading or layer.look.moving
            elif layer.look.moving:
                layer.look.finish()
        self.compositor.set(shown, self.dim.value, self.veil.value, VEIL_COLOR)
        self.guide.update(dt, breath)
        self.captions.update(dt)
        self.shown.update(dt)
        self._fading_frame = fading
        if self._probe is not None:
            self._probe.schedule(now, fading)

    def _check_size(self) -> None:
        window = self.window
        assert window is not None, "checked only with a window"
        width, height = window.getXSize(), window.getYSize()
        if (width, height) == tuple(self.size) or width <= 0 or height <= 0:
            return
        self.size = (width, height)
        self.rig.set_screen(width, height)
        for layer in self.layers.values():
            layer.buffer.setSize(*self.scene_size)
            layer.update_lenses()
        aspect = self._eye_aspect()
        for camera in self.ui_cameras:
            camera.node().getLens().setFilmSize(2 * aspect, 2)

    def _check_comfort(self) -> None:
        """Read the probe drawn with the last frame, if it was drawn, and check it."""
        comfort = self.comfort
        look = self._probe.read() if self._probe is not None and comfort is not None else None
        if look is None or comfort is None:
            return
        for finding in comfort.observe(*look):
            self._comfort_report(finding)

    def _comfort_report(self, finding: ComfortFinding) -> None:
        self.report(PART, False, "comfort: " + finding.message)

    def settle(self) -> None:
        """Finish every fade now (snapshots: the picture a fade arrives at)."""
        if self.window is None:
            return
        target = self.crossfade.target
        if target is not None:
            self.crossfade.weights = {target: 1.0}
            self.crossfade._elapsed = self.crossfade._duration
        for fade in (self.veil, self.dim, self.speed):
            fade.set(fade.target)
        for layer in self.layers.values():
            layer.look.finish()
        if self._probe is not None:
            self._probe.look_next_frame()  # the settled picture
        self.update(now=(self._now or 0.0) + 1e-3)
        if self.comfort is not None:  # a settled picture is a deliberate cut: start afresh
            self.comfort.reset()  # (the settled frame is the probe's next look)

    # --- the frame loop and the keys (the apps go through these, never through Panda3D) ------

    def add_frame_task(self, frame: Callable[[], None], name: str, sort: int = 0) -> None:
        """Run `frame()` once a frame in Panda3D's task loop (sort 0: after a headset's frame
        begin at -40, before Panda3D draws at 50). Added once; again it does nothing."""
        if self.taskmgr.hasTaskNamed(name):
            return

        def task(task: Any) -> Any:
            frame()
            return task.cont

        self.taskmgr.add(task, name, sort=sort)

    def remove_frame_task(self, name: str) -> None:
        """Panda3D's task manager outlives a ShowBase: a closing app takes its task away."""
        self.taskmgr.remove(name)

    def step(self) -> None:
        """One turn of the task loop: every frame task, then Panda3D draws the frame."""
        self.taskmgr.step()

    def on_buttons(self, handler: Callable[[str], None], event: str) -> None:
        """Call `handler(button)` for each key or mouse button pressed in the window (the
        name Panda3D gives it: 'space', 'arrow_left', 'mouse1', 'shift-a'). No window (sound
        only, offscreen): nothing to press."""
        base = self.base
        for thrower in base.buttonThrowers or ():
            thrower.node().setButtonDownEvent(event)
        base.accept(event, handler)

    def on_controllers(self, handler: Callable[[str], None], event: str) -> None:
        """Call `handler(button)` for each button of a game controller, plugged in now or
        later."""
        base = self.base

        def attach(device: Any) -> None:
            base.attachInputDevice(device, prefix="controller")
            for thrower in getattr(base, "deviceButtonThrowers", []):
                thrower.node().setButtonDownEvent(event)
            base.accept(event, handler)

        base.accept("connect-device", attach)
        from panda3d.core import InputDevice

        devices = getattr(base, "devices", None)
        for device in devices.getDevices(InputDevice.DeviceClass.gamepad) if devices else ():
            attach(device)

    def render(self) -> None:
        """Draw one frame now (snapshots and tests; the app's task loop does this itself)."""
        self.base.graphicsEngine.renderFrame()

    def capture(self) -> np.ndarray:
        """The last frame drawn, as an H x W x 3 array of bytes (top row first)."""
        if self.window is None:
            raise StageError("nothing is drawn with --display none")
        shot = self.window.getScreenshot()
        if shot is None:
            raise StageError("could not read the picture back")
        data = np.frombuffer(bytes(shot.getRamImageAs("RGB")), np.uint8)
        return data.reshape(shot.getYSize(), shot.getXSize(), 3)[::-1].copy()

    def save(self, path: str) -> None:
        """Write the last frame drawn to a PNG file."""
        from panda3d.core import Filename

        if self.window is None or not self.window.saveScreenshot(Filename.fromOsSpecific(path)):
            raise StageError(f"could not write {path}")

    @property
    def fading(self) -> bool:
        """Whether the stage's own fades are moving (the comfort check's exemption)."""
        return self._fading_frame

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self.window is not None:
            for layer in self.layers.values():
                layer.destroy()
            self.layers.clear()
            if self._probe is not None:
                self._probe.close()
        if self._owns_base:
            close_showbase(self.base, self._page)

    def __enter__(self) -> Stage:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# The engine's actions the stage follows, each to its method (the others are for the mixer).
_FOLLOW: dict[type[act.Action], Callable[[Stage, Any], None]] = {
    act.SceneChange: Stage._scene,
    act.LookChange: Stage._look,
    act.Say: Stage._say_line,
    act.ShowText: Stage._show_text,
    act.StepEnded: Stage._step_ended,
    act.Breathe: Stage._breathe,
    act.SetCaptions: Stage._set_captions,
    act.Pause: Stage._pause,
    act.Resume: Stage._resume,
    act.End: Stage._end,
    act.Recenter: Stage._recenter,
}
