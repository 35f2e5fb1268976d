"""A clinic's own media as environments: a panorama, a film or a glTF scene, each a
`Scenery` made for one file (companion/script/media.py names them), so the stage shows,
crossfades and looks after them like the built-in ones."""

from __future__ import annotations

from companion.script.media import MediaSpec, parse
from companion.stage.environments.base import Kit, Scenery
from companion.stage.host import StageError

__all__ = ["MediaError", "media_scenery"]


class MediaError(StageError):
    """A media file that cannot be shown (unreadable, wrong proportions, no decoder)."""


def media_scenery(
    name: str, kit: Kit, *, wait: bool = False, software: bool = False
) -> Scenery | None:
    """The Scenery for a media environment's name, or None for a built-in name. `wait`:
    a film's frames are waited for rather than dropped (snapshots, tests on a virtual clock).
    `software`: scenes are drawn small (OpenGL on the CPU), so a panorama or film is handed
    on smaller."""
    spec = parse(name)
    if spec is None:
        return None
    if spec.kind == "panorama":
        from companion.stage.media.panorama import Panorama

        return Panorama(kit, spec, software=software)
    if spec.kind == "film":
        from companion.stage.media.film import Film

        return Film(kit, spec, wait=wait, software=software)
    from companion.stage.media.model import GltfScene

    return GltfScene(kit, spec)


def spec_of(scenery: Scenery) -> MediaSpec | None:
    return getattr(scenery, "spec", None)
