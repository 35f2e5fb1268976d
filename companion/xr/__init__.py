"""`--display vr`: the stage in a headset through OpenXR, the desktop window mirroring the
left eye. Importing this package loads Panda3D but not the VR extra (pyopenxr, PyOpenGL):
that is imported only when a headset stage is opened, with its import-time side effects
undone."""

from companion.xr.errors import HeadsetUnavailable
from companion.xr.headset import HeadsetStage, open_headset_stage

__all__ = ["HeadsetStage", "HeadsetUnavailable", "open_headset_stage"]
