"""A stand-in for an OpenXR runtime with a headset connected, which cannot exist on this
machine. It answers, on the real pyopenxr module, the calls `companion/xr/runtime.py`
makes, the way a runtime does (session states, frame timing, views from the recorded head
movements), and keeps what it was handed: the swapchains' images are real OpenGL textures
in Panda3D's context, so the pictures the headset would show can be read back."""

from __future__ import annotations

import ctypes
from collections import deque
from types import ModuleType, SimpleNamespace
from typing import Any

from .standin import RecordedHeadset

GL_RGBA8, GL_SRGB8_ALPHA8 = 0x8058, 0x8C43
CALLS = (
    "enumerate_instance_extension_properties",
    "create_instance",
    "get_instance_properties",
    "get_system",
    "get_system_properties",
    "enumerate_view_configuration_views",
    "get_opengl_graphics_requirements_khr",
    "create_session",
    "create_reference_space",
    "enumerate_swapchain_formats",
    "create_swapchain",
    "enumerate_swapchain_images",
    "acquire_swapchain_image",
    "wait_swapchain_image",
    "release_swapchain_image",
    "poll_event",
    "begin_session",
    "end_session",
    "wait_frame",
    "begin_frame",
    "locate_views",
    "end_frame",
    "destroy_swapchain",
    "destroy_space",
    "destroy_session",
    "destroy_instance",
)


class SimulatedRuntime:
    name = b"SimulatedXR"

    def __init__(
        self,
        xr: ModuleType,
        poses: RecordedHeadset,
        eye_size: tuple[int, int] = (96, 100),
        period_ns: int = 11_111_111,
    ) -> None:
        self.xr = xr
        self.poses = poses  # the recorded head movements, and GL texture helpers
        self.eye_size = eye_size
        self.period = period_ns
        self.time = 10**12
        self.events: deque[Any] = deque()
        self.log: list[str] = []
        self.images: dict[int, list[int]] = {}
        self.acquired: dict[int, int] = {}
        self.frames_ended: list[dict[str, Any]] = []
        self.should_render = True
        self.discard_next = False
        self.late_next = 0
        self.images_held = 0  # waits for a swapchain image that time out
        self.image_waits: list[int] = []
        self.headset_connected = True
        self.takes_opengl = True
        self._swapchains = 0

    def install(self, monkeypatch: Any) -> None:
        for name in CALLS:
            monkeypatch.setattr(self.xr, name, getattr(self, name))

    def state(self, name: str) -> None:
        """The runtime changes the session's state (queued as an event)."""
        self.events.append(
            self.xr.EventDataSessionStateChanged(state=getattr(self.xr.SessionState, name))
        )

    # --- instance and system ---------------------------------------------------------------

    def enumerate_instance_extension_properties(self, layer=None):
        if not self.takes_opengl:
            return [SimpleNamespace(extension_name=b"XR_KHR_D3D11_enable")]
        return [SimpleNamespace(extension_name=self.xr.KHR_OPENGL_ENABLE_EXTENSION_NAME.encode())]

    def create_instance(self, info):
        self.log.append(f"instance {info.application_info.application_name.decode()}")
        return "instance"

    def get_instance_properties(self, instance):
        return SimpleNamespace(runtime_name=self.name)

    def get_system(self, instance, info):
        if not self.headset_connected:
            raise self.xr.FormFactorUnavailableError()
        return 7

    def get_system_properties(self, instance, system):
        return SimpleNamespace(
            system_name=b"Test Headset",
            graphics_properties=SimpleNamespace(
                max_swapchain_image_width=4096, max_swapchain_image_height=4096
            ),
        )

    def enumerate_view_configuration_views(self, instance, system, kind):
        width, height = self.eye_size
        return [
            self.xr.ViewConfigurationView(
                recommended_image_rect_width=width, recommended_image_rect_height=height
            )
        ] * 2

    def get_opengl_graphics_requirements_khr(self, instance, system):
        self.log.append("graphics requirements")
        return self.xr.GraphicsRequirementsOpenGLKHR()

    # --- session -------------------------------------------------------------------------

    def create_session(self, instance, info):
        assert info.next, "a graphics binding is chained"
        self.log.append(f"session system {info.system_id}")
        return "session"

    def create_reference_space(self, session, info):
        self.log.append(f"space {self.xr.ReferenceSpaceType(info.reference_space_type).name}")
        return self.xr.Space()

    def enumerate_swapchain_formats(self, session):
        return [GL_RGBA8, GL_SRGB8_ALPHA8]

    def create_swapchain(self, session, info):
        self.log.append(f"swapchain {info.width}x{info.height} format {info.format:#x}")
        handle = self._swapchains
        self._swapchains += 1
        self.images[handle] = [self.poses._make_texture() for _ in range(3)]
        return ctypes.cast(ctypes.c_void_p(handle + 1), self.xr.Swapchain)

    def _index(self, swapchain) -> int:
        return ctypes.cast(swapchain, ctypes.c_void_p).value - 1

    def enumerate_swapchain_images(self, swapchain, kind):
        return [kind(image=texture) for texture in self.images[self._index(swapchain)]]

    def acquire_swapchain_image(self, swapchain, info):
        index = self._index(swapchain)
        self.acquired[index] = (self.acquired.get(index, -1) + 1) % 3
        return self.acquired[index]

    def wait_swapchain_image(self, swapchain, info):
        self.image_waits.append(info.timeout)
        if self.images_held:  # the runtime still uses the image (a compositor that stalls)
            self.images_held -= 1
            raise self.xr.TimeoutExpired()

    def release_swapchain_image(self, swapchain, info):
        self.log.append(f"release {self._index(swapchain)}")

    def poll_event(self, instance):
        if not self.events:
            raise self.xr.EventUnavailable()
        return self.events.popleft()

    def begin_session(self, session, info):
        self.log.append("begin session")

    def end_session(self, session):
        self.log.append("end session")

    # --- frames --------------------------------------------------------------------------

    def wait_frame(self, session, info):
        self.time += self.period * (1 + self.late_next)
        self.late_next = 0
        return self.xr.FrameState(
            predicted_display_time=self.time,
            predicted_display_period=self.period,
            should_render=int(self.should_render),
        )

    def begin_frame(self, session, info):
        if self.discard_next:
            self.discard_next = False
            raise self.xr.FrameDiscarded()

    def locate_views(self, session, info):
        xr = self.xr
        views = []
        for eye in self.poses.views_at(self.poses.position):
            views.append(
                xr.View(
                    pose=xr.Posef(
                        orientation=xr.Quaternionf(*eye.orientation),
                        position=xr.Vector3f(*eye.position),
                    ),
                    fov=xr.Fovf(eye.fov.left, eye.fov.right, eye.fov.up, eye.fov.down),
                )
            )
        flags = xr.ViewStateFlags.ORIENTATION_VALID_BIT | xr.ViewStateFlags.POSITION_VALID_BIT
        return xr.ViewState(view_state_flags=flags), views

    def end_frame(self, session, info):
        layers = []
        for i in range(info.layer_count):
            layer = ctypes.cast(
                info.layers[i], ctypes.POINTER(self.xr.CompositionLayerProjection)
            ).contents
            layers.append(
                [
                    {
                        "fov": (v.fov.angle_left, v.fov.angle_right),
                        "position": (v.pose.position.x, v.pose.position.y, v.pose.position.z),
                        "rect": (
                            v.sub_image.image_rect.extent.width,
                            v.sub_image.image_rect.extent.height,
                        ),
                        "swapchain": self._index(v.sub_image.swapchain),
                    }
                    for v in layer.views
                ]
            )
        self.frames_ended.append({"time": info.display_time, "layers": layers})

    def image(self, eye: int) -> Any:
        """What the headset shows for an eye: the last image released."""
        return self.poses._read(self.images[eye][self.acquired[eye]])

    def destroy_swapchain(self, swapchain):
        self.log.append("destroy swapchain")

    def destroy_space(self, space):
        self.log.append("destroy space")

    def destroy_session(self, session):
        self.log.append("destroy session")

    def destroy_instance(self, instance):
        self.log.append("destroy instance")
