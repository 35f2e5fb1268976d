"""Makes tests/headset/poses.json: twelve seconds of a seated patient's head, as an OpenXR
runtime would report it (per eye: a pose in the LOCAL reference space, OpenXR axes, and a
field of view), 45 times a second. Kept so the recording can be remade or extended:

    python tests/headset/make_poses.py

The head turns on a neck (eyes 9 cm ahead of it and 11 cm above), sways a little, and
starts off the runtime's origin and turned 8 degrees from it, as it does when the patient
sits down. What it does: looks ahead (0-2 s), glances 25 degrees left and back (2-5 s),
turns far to the right, 110 degrees (5-6.5 s), stays there (6.5-9 s), comes back
(9-10.5 s), looks down 25 degrees (10.5-12 s)."""

from __future__ import annotations

import json
import math
from pathlib import Path

from panda3d.core import LQuaternionf, Vec3

RATE = 45
SECONDS = 12.0
START_YAW = 8.0
IPD = 0.064
# a real headset's fields of view: wider towards the nose's other side, asymmetric
LEFT_FOV = (-0.907, 0.698, 0.768, -0.873)
RIGHT_FOV = (-0.698, 0.907, 0.768, -0.873)
NECK = Vec3(0.03, -0.09, -0.11)  # where the neck pivot is, relative to the runtime origin
EYES_FROM_NECK = Vec3(0.0, 0.09, 0.11)


def ease(t: float) -> float:
    t = min(1.0, max(0.0, t))
    return t * t * (3 - 2 * t)


def head_angles(t: float) -> tuple[float, float]:
    """(yaw + left, pitch + up), degrees."""
    yaw, pitch = START_YAW, -3.0
    yaw += 25 * ease((t - 2.0) / 1.5) - 25 * ease((t - 3.5) / 1.5)
    yaw -= 110 * ease((t - 5.0) / 1.5) - 110 * ease((t - 9.0) / 1.5)
    pitch -= 22 * ease((t - 10.5) / 1.5)
    yaw += 0.8 * math.sin(2 * math.pi * t / 3.7)  # the small movements of someone at rest
    pitch += 0.5 * math.sin(2 * math.pi * t / 5.3 + 1)
    return yaw, pitch


def to_xr(position: Vec3, quat: LQuaternionf) -> tuple[list[float], list[float]]:
    """Panda3D (+Y ahead, +Z up) to OpenXR (-Z ahead, +Y up)."""
    return (
        [position.x, position.z, -position.y],
        [quat.getI(), quat.getK(), -quat.getJ(), quat.getR()],
    )


def frame(t: float) -> dict:
    yaw, pitch = head_angles(t)
    turn = LQuaternionf()
    turn.setHpr(Vec3(yaw, pitch, 0))
    sway = Vec3(0.006 * math.sin(2 * math.pi * t / 4.1), 0.004 * math.sin(2 * math.pi * t / 6.3), 0)
    head = NECK + sway + turn.xform(EYES_FROM_NECK)
    views = []
    for side, fov in ((-1, LEFT_FOV), (1, RIGHT_FOV)):
        eye = head + turn.xform(Vec3(side * IPD / 2, 0, 0))
        position, orientation = to_xr(eye, turn)
        views.append(
            {
                "position": [round(v, 6) for v in position],
                "orientation": [round(v, 6) for v in orientation],
                "fov": list(fov),
            }
        )
    return {"t": round(t, 4), "views": views}


def main() -> None:
    frames = [frame(i / RATE) for i in range(int(SECONDS * RATE) + 1)]
    data = {
        "about": "Head movements of a seated patient, as an OpenXR runtime reports them (per "
        "eye: a "
        "pose in the LOCAL reference space, OpenXR axes; a field of view, radians). Made by "
        "make_poses.py, which says what the head does when.",
        "rate": RATE,
        "recommended_eye_size": [1832, 1920],
        "frames": frames,
    }
    path = Path(__file__).with_name("poses.json")
    lines = ",\n".join(json.dumps(f, separators=(",", ":")) for f in frames)
    head = json.dumps({k: v for k, v in data.items() if k != "frames"}, indent=1)[:-2]
    path.write_text(f'{head},\n "frames": [\n{lines}\n]}}\n', encoding="utf-8")
    print(f"wrote {path} ({len(frames)} frames)")


if __name__ == "__main__":
    main()
