"""A headset through the active OpenXR runtime (SteamVR, Monado, Meta Quest Link...),
with pyopenxr. Opening happens in two steps: `OpenXRHeadset()` finds the runtime and the
headset before any window opens (so a missing one is a clear message, not a half-open
window), and `attach()` starts the session on Panda3D's OpenGL context once it exists.

Seated: poses are in the LOCAL reference space (the runtime's seated origin); the stage
re-anchors at the patient's head itself. One swapchain per eye, the eye's picture copied
in whole. The frame loop is OpenXR's: wait (this paces the app at the headset's rate),
begin, locate the eyes, draw, end."""

from __future__ import annotations

import ctypes
import platform
from collections.abc import Callable
from types import ModuleType
from typing import Any

from companion.stage.eyes import Fov
from companion.xr import errors
from companion.xr.extra import load_openxr, loader_quiet
from companion.xr.frames import Copy, HeadsetFrame
from companion.xr.rig import EyeView

Report = Callable[[str, bool, str], None]
PART = "display"

# 8-bit colour formats, best first: sRGB so the runtime decodes our display values right
GL_SRGB8_ALPHA8, GL_SRGB8, GL_RGBA8, GL_RGB8 = 0x8C43, 0x8C41, 0x8058, 0x8051
FORMATS = (GL_SRGB8_ALPHA8, GL_SRGB8, GL_RGBA8, GL_RGB8)
NS = 1e-9


class OpenXRHeadset:
    def __init__(self, report: Report | None = None, app_name: str = "Companion") -> None:
        self.report: Report = report or (lambda part, ok, message: None)
        self.xr: ModuleType = load_openxr()
        xr = self.xr
        self.runtime = "the OpenXR runtime"
        self.instance: Any = None
        self.session: Any = None
        self.space: Any = None
        self.swapchains: list[Any] = []
        self.images: list[list[int]] = []
        self.running = False
        self.lost = False
        self.state = "idle"
        self._frame: Any = None
        self._render = False
        self._submitted: list[bool] = []
        self._acquired: list[int | None] = [None, None]  # an image acquired, not yet ready
        self._views: list[Any] = []  # this frame's views of the eyes
        self._shown: list[Any] = [None, None]  # (pose, fov) of each eye's last picture handed over
        with loader_quiet():
            try:
                names = {
                    p.extension_name.decode() for p in xr.enumerate_instance_extension_properties()
                }
            except xr.XrException:
                raise errors.no_runtime() from None
        try:
            info = xr.InstanceCreateInfo(
                application_info=xr.ApplicationInfo(
                    application_name=app_name, engine_name="Panda3D"
                ),
                enabled_extension_names=[xr.KHR_OPENGL_ENABLE_EXTENSION_NAME]
                if xr.KHR_OPENGL_ENABLE_EXTENSION_NAME in names
                else [],
            )
            self.instance = xr.create_instance(info)
            properties = xr.get_instance_properties(self.instance)
            self.runtime = properties.runtime_name.decode(errors="replace") or self.runtime
        except xr.RuntimeUnavailableError:
            raise errors.no_runtime() from None
        except xr.XrException as exc:
            raise errors.runtime_failed(self.runtime, "start", _say(exc)) from None
        if xr.KHR_OPENGL_ENABLE_EXTENSION_NAME not in names:
            self.close()
            raise errors.no_opengl(self.runtime)
        try:
            self.system = xr.get_system(
                self.instance, xr.SystemGetInfo(form_factor=xr.FormFactor.HEAD_MOUNTED_DISPLAY)
            )
        except (xr.FormFactorUnavailableError, xr.FormFactorUnsupportedError):
            self.close()
            raise errors.no_headset(self.runtime) from None
        except xr.XrException as exc:
            self.close()
            raise errors.runtime_failed(self.runtime, "find the headset", _say(exc)) from None
        try:
            system = xr.get_system_properties(self.instance, self.system)
            self.name = f"{system.system_name.decode(errors='replace')} ({self.runtime})"
            views = xr.enumerate_view_configuration_views(
                self.instance, self.system, xr.ViewConfigurationType.PRIMARY_STEREO
            )
            limit = (
                system.graphics_properties.max_swapchain_image_width,
                system.graphics_properties.max_swapchain_image_height,
            )
            self.eye_size = (
                min(views[0].recommended_image_rect_width, limit[0] or 1 << 14),
                min(views[0].recommended_image_rect_height, limit[1] or 1 << 14),
            )
            # required before a session: the runtime says which OpenGL it takes
            self.gl_requirements = xr.get_opengl_graphics_requirements_khr(
                self.instance, self.system
            )
        except xr.XrException as exc:
            self.close()
            raise errors.runtime_failed(self.runtime, "describe the headset", _say(exc)) from None

    # --- session -------------------------------------------------------------------------

    def attach(self) -> None:
        """Start the session on the OpenGL context current on this thread (Panda3D's,
        once its window is open)."""
        xr = self.xr
        binding = _graphics_binding(xr)
        if binding is None:
            raise errors.runtime_failed(
                self.runtime, "use the window's OpenGL context", "no OpenGL context is current"
            )
        try:
            self.session = xr.create_session(
                self.instance,
                xr.SessionCreateInfo(
                    system_id=self.system,
                    next=ctypes.cast(ctypes.pointer(binding), ctypes.c_void_p),
                ),
            )
            self._binding = binding  # keep alive as long as the session
            self.space = xr.create_reference_space(
                self.session,
                xr.ReferenceSpaceCreateInfo(
                    reference_space_type=xr.ReferenceSpaceType.LOCAL,
                    pose_in_reference_space=xr.Posef(),
                ),
            )
            offered = list(xr.enumerate_swapchain_formats(self.session))
            chosen = next((f for f in FORMATS if f in offered), None)
            if chosen is None:
                raise errors.runtime_failed(
                    self.runtime, "take 8-bit colour pictures", f"it offers only formats {offered}"
                )
            width, height = self.eye_size
            for _ in range(2):
                swapchain = xr.create_swapchain(
                    self.session,
                    xr.SwapchainCreateInfo(
                        usage_flags=xr.SwapchainUsageFlags.COLOR_ATTACHMENT_BIT
                        | xr.SwapchainUsageFlags.TRANSFER_DST_BIT,
                        format=chosen,
                        sample_count=1,
                        width=width,
                        height=height,
                        face_count=1,
                        array_size=1,
                        mip_count=1,
                    ),
                )
                self.swapchains.append(swapchain)
                self.images.append(
                    [
                        image.image
                        for image in xr.enumerate_swapchain_images(
                            swapchain, xr.SwapchainImageOpenGLKHR
                        )
                    ]
                )
            self.projection_views = (xr.CompositionLayerProjectionView * 2)()
            for eye, view in enumerate(self.projection_views):
                view.sub_image.swapchain = self.swapchains[eye]
                view.sub_image.image_rect.offset.x = 0
                view.sub_image.image_rect.offset.y = 0
                view.sub_image.image_rect.extent.width = width
                view.sub_image.image_rect.extent.height = height
            self.layer = xr.CompositionLayerProjection(
                space=self.space, views=self.projection_views
            )
        except errors.HeadsetUnavailable:
            self.close()
            raise
        except xr.XrException as exc:
            self.close()
            raise errors.runtime_failed(self.runtime, "start a session", _say(exc)) from None

    # --- frames --------------------------------------------------------------------------

    def begin_frame(self) -> HeadsetFrame | None:
        xr = self.xr
        self._poll_events()
        if not self.running:
            return None
        try:
            state = xr.wait_frame(self.session, xr.FrameWaitInfo())
            try:
                xr.begin_frame(self.session, xr.FrameBeginInfo())
            except xr.FrameDiscarded:
                pass  # the previous frame was not shown: a success all the same
            self._frame = state
            self._submitted = [False, False]
            view_state, views = xr.locate_views(
                self.session,
                xr.ViewLocateInfo(
                    view_configuration_type=xr.ViewConfigurationType.PRIMARY_STEREO,
                    display_time=state.predicted_display_time,
                    space=self.space,
                ),
            )
        except xr.XrException as exc:
            self._lose(f"the headset stopped: {_say(exc)}")
            return None
        valid = bool(int(view_state.view_state_flags) & xr.VIEW_STATE_ORIENTATION_VALID_BIT)
        self._render = bool(state.should_render) and valid and len(views) >= 2
        eyes = []
        self._views = list(views[:2])
        for eye, view in enumerate(views[:2]):
            self.projection_views[eye].pose = view.pose
            self.projection_views[eye].fov = view.fov
            p, q, f = view.pose.position, view.pose.orientation, view.fov
            eyes.append(
                EyeView(
                    (p.x, p.y, p.z),
                    (q.x, q.y, q.z, q.w),
                    Fov(f.angle_left, f.angle_right, f.angle_up, f.angle_down),
                )
            )
        return HeadsetFrame(
            self._render,
            state.predicted_display_time * NS,
            state.predicted_display_period * NS,
            tuple(eyes),
        )

    def submit(self, eye: int, copy: Copy) -> None:
        xr = self.xr
        if self._frame is None or not self._render:
            return  # nothing to show this frame (or no valid pose to show it from)
        swapchain = self.swapchains[eye]
        index = self._acquired[eye]
        if index is None:
            index = self._acquired[eye] = xr.acquire_swapchain_image(
                swapchain, xr.SwapchainImageAcquireInfo()
            )
        try:  # at most a frame: a runtime that holds its image must not hold the whole program
            xr.wait_swapchain_image(
                swapchain,
                xr.SwapchainImageWaitInfo(
                    timeout=max(1, int(self._frame.predicted_display_period))
                ),
            )
        except xr.TimeoutExpired:
            # Kept acquired and waited for again next frame. Meanwhile the eye shows its last
            # picture from where it was drawn (the runtime reprojects it), never a black frame.
            shown = self._shown[eye]
            if shown is not None:
                self.projection_views[eye].pose, self.projection_views[eye].fov = shown
                self._submitted[eye] = True
            return
        self._acquired[eye] = None
        try:
            copy(self.images[eye][index], self.eye_size)
            self._submitted[eye] = True
            self._shown[eye] = (self._views[eye].pose, self._views[eye].fov)
        finally:
            xr.release_swapchain_image(swapchain, xr.SwapchainImageReleaseInfo())

    def end_frame(self) -> None:
        xr = self.xr
        if self._frame is None:
            return
        state, self._frame = self._frame, None
        layers = [ctypes.byref(self.layer)] if self._render and all(self._submitted) else []
        try:
            xr.end_frame(
                self.session,
                xr.FrameEndInfo(
                    display_time=state.predicted_display_time,
                    environment_blend_mode=xr.EnvironmentBlendMode.OPAQUE,
                    layers=layers,
                ),
            )
        except xr.XrException as exc:
            self._lose(f"the headset stopped: {_say(exc)}")

    def _poll_events(self) -> None:
        xr = self.xr
        if self.instance is None:
            return
        while True:
            try:
                event = xr.poll_event(self.instance)
            except xr.EventUnavailable:
                return
            except xr.XrException as exc:
                self._lose(f"the OpenXR runtime stopped: {_say(exc)}")
                return
            kind = xr.StructureType(event.type)
            if kind == xr.StructureType.EVENT_DATA_SESSION_STATE_CHANGED:
                changed = ctypes.cast(
                    ctypes.byref(event), ctypes.POINTER(xr.EventDataSessionStateChanged)
                ).contents
                self._state_changed(xr.SessionState(changed.state))
            elif kind == xr.StructureType.EVENT_DATA_INSTANCE_LOSS_PENDING:
                self._lose("the OpenXR runtime is shutting down")

    def _state_changed(self, state: Any) -> None:
        xr = self.xr
        self.state = state.name.lower()
        try:
            if state == xr.SessionState.READY:
                xr.begin_session(
                    self.session,
                    xr.SessionBeginInfo(
                        primary_view_configuration_type=xr.ViewConfigurationType.PRIMARY_STEREO
                    ),
                )
                self.running = True
            elif state == xr.SessionState.STOPPING:
                self.running = False
                xr.end_session(self.session)
                self.report(
                    PART,
                    False,
                    "the headset is not showing the session (asleep, or "
                    "taken off); the window still shows the left eye",
                )
            elif state == xr.SessionState.FOCUSED:
                self.report(PART, True, f"showing in the headset: {self.name}")
            elif state in (xr.SessionState.EXITING, xr.SessionState.LOSS_PENDING):
                self._lose("the OpenXR runtime ended the session")
        except xr.XrException as exc:
            self._lose(f"the headset's session failed: {_say(exc)}")

    def _lose(self, why: str) -> None:
        """The headset is gone for this session; the window goes on showing the left eye
        and the session goes on (the sound too)."""
        self.running = False
        self._frame = None
        if not self.lost:
            self.lost = True
            self.report(
                PART,
                False,
                f"{why}; the window still shows the left eye. To use the "
                "headset again, restart the session",
            )

    def close(self) -> None:
        xr = self.xr
        for swapchain in self.swapchains:
            _quietly(xr, xr.destroy_swapchain, swapchain)
        self.swapchains.clear()
        if self.space is not None:
            _quietly(xr, xr.destroy_space, self.space)
            self.space = None
        if self.session is not None:
            _quietly(xr, xr.destroy_session, self.session)
            self.session = None
        if self.instance is not None:
            _quietly(xr, xr.destroy_instance, self.instance)
            self.instance = None


def _quietly(xr: ModuleType, destroy: Callable[[Any], None], handle: Any) -> None:
    """Closing: a runtime that has already gone cannot refuse anything that matters."""
    try:
        destroy(handle)
    except xr.XrException:
        return


def _say(exc: Exception) -> str:
    return str(exc) or type(exc).__name__


def _graphics_binding(xr: ModuleType) -> Any:
    """The current OpenGL context, in the form the runtime takes (Windows: WGL; Linux: GLX,
    as Panda3D's windows use there)."""
    if platform.system() == "Windows":
        from OpenGL import WGL

        context = WGL.wglGetCurrentContext()
        if not context:
            return None
        return xr.GraphicsBindingOpenGLWin32KHR(h_dc=WGL.wglGetCurrentDC(), h_glrc=context)
    from OpenGL import GLX

    context = GLX.glXGetCurrentContext()
    if not context:
        return None
    display = GLX.glXGetCurrentDisplay()
    config, visual = _glx_config(GLX, display, context)
    return xr.GraphicsBindingOpenGLXlibKHR(
        x_display=display,
        visualid=visual,
        glx_fbconfig=config,
        glx_drawable=GLX.glXGetCurrentDrawable(),
        glx_context=context,
    )


def _glx_config(GLX: ModuleType, display: Any, context: Any) -> tuple[Any, int]:
    """The framebuffer configuration and X visual the context was made with (the binding
    names them; runtimes that do not need them ignore them)."""
    config_id, screen, found = ctypes.c_int(), ctypes.c_int(), ctypes.c_int()
    GLX.glXQueryContext(display, context, GLX.GLX_FBCONFIG_ID, ctypes.byref(config_id))
    GLX.glXQueryContext(display, context, GLX.GLX_SCREEN, ctypes.byref(screen))
    wanted = (ctypes.c_int * 3)(GLX.GLX_FBCONFIG_ID, config_id.value, 0)
    configs = GLX.glXChooseFBConfig(display, screen.value, wanted, ctypes.byref(found))
    if not configs or found.value < 1:
        return None, 0
    visual = ctypes.c_int()
    GLX.glXGetFBConfigAttrib(display, configs[0], GLX.GLX_VISUAL_ID, ctypes.byref(visual))
    return configs[0], visual.value
