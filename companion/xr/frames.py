"""What the stage asks of a headset, whichever it is: the real one through OpenXR
(`runtime.py`), or, in tests where no headset can exist, one playing recorded head
movements."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from companion.xr.rig import EyeView

Copy = Callable[
    [int, tuple[int, int]], None
]  # copy(texture name, its size): the eye's picture into it


@dataclass(frozen=True)
class HeadsetFrame:
    render: bool  # the headset will show this frame, and its views are valid
    display_time: float  # seconds (the runtime's clock): when it will be shown
    period: float  # seconds between the headset's frames
    views: tuple[EyeView, ...] = ()  # left eye, right eye


class Headset(Protocol):
    name: str  # the headset and runtime, for the therapist
    eye_size: tuple[int, int]  # pixels per eye the headset asks for

    def begin_frame(self) -> HeadsetFrame | None:
        """Wait until the headset wants the next frame (this paces the loop) and say where
        the eyes will be; None while the headset shows nothing of ours (not started, asleep)."""
        ...

    def submit(self, eye: int, copy: Copy) -> None:
        """Called while the eye buffer is drawn: `copy` puts the eye's picture into the
        headset's image for it."""
        ...

    def end_frame(self) -> None:
        """Hand the frame begun to the headset (with no picture if none was submitted)."""
        ...

    def close(self) -> None: ...
