"""What the patient sees: environments, transitions, the breathing guide and captions, in
Panda3D. Importing this package loads Panda3D; the rest of Companion imports it only
when it shows something."""

from companion.stage.eyes import EyeRig, Fov, lens_for, projection_matrix
from companion.stage.host import DISPLAYS, StageError
from companion.stage.stage import Stage

__all__ = ["DISPLAYS", "EyeRig", "Fov", "Stage", "StageError", "lens_for", "projection_matrix"]
