"""What a run was played with: versions of Companion, Python and the media libraries."""

from __future__ import annotations

import platform
from importlib import metadata
from typing import Any

# Distribution names, read from installed metadata: importing Panda3D or pygame here would
# open libraries (and print pygame's banner) just to learn a version.
MEDIA_DISTRIBUTIONS = {"panda3d": ("panda3d",), "pygame": ("pygame", "pygame-ce")}


def versions() -> dict[str, str | None]:
    from companion import __version__

    found: dict[str, str | None] = {"companion": __version__, "python": platform.python_version()}
    for name, distributions in MEDIA_DISTRIBUTIONS.items():
        found[name] = None
        for distribution in distributions:
            try:
                found[name] = metadata.version(distribution)
                break
            except metadata.PackageNotFoundError:
                continue
    return found


def platform_facts() -> dict[str, Any]:
    return {
        "system": platform.system(),
        "release": platform.release(),
        "machine": platform.machine(),
    }
