"""A clinic's own glTF 2.0 scene (.glb or .gltf), loaded with panda3d-gltf, the viewer
seated at a named node (or the origin). The look acts on it as on the built-in
environments: the time of day gives its key light, fill and sky, brightness its exposure,
and the distance haze is its fog. A sky dome stands behind it, so a scene that does not
enclose the viewer still covers the view.

Shading: one light-and-haze shader of ours (model.frag) on the whole scene rather than
panda3d-simplepbr's. Its pipeline renders through a FilterManager of its own on the main
window (the stage draws each environment into a buffer of its own, to crossfade) with an
HDR pass per frame; and its PBR shader alone, tried on the 50,000-triangle benchmark scene
with a sun and a fill light and no shadows, cost 1.05 of Panda3D's sample scene against
0.44 for ours (4 paired rounds at 1280x720 on llvmpipe), over the 0.5 budget. Materials'
base colour, texture, vertex colour and emission are kept; metal and roughness are not."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from panda3d.core import CullFaceAttrib, GeomNode, Material, NodePath

from companion.script.media import MediaSpec
from companion.stage import shaders
from companion.stage.environments.base import Kit, Scenery
from companion.stage.media.cells import split_into_cells

SEATED = 1.2  # metres: a seated viewer's eyes above the node they sit at


def count_triangles(model: NodePath) -> int:
    """How many triangles the scene draws (as `companion check` reports them)."""
    return sum(
        prim.getNumFaces()
        for node in model.findAllMatches("**/+GeomNode")
        for geom in node.node().getGeoms()
        for prim in geom.getPrimitives()
    )


def _draws_back_faces(path: NodePath) -> bool:
    """Whether any of the node's geoms is drawn from both sides (panda3d-gltf leaves a
    doubleSided material's faces uncut): those take the two-sided shader."""
    node = path.node()
    assert isinstance(node, GeomNode)
    for index in range(node.getNumGeoms()):
        state = path.getNetState().compose(node.getGeomState(index))
        cull = state.getAttrib(CullFaceAttrib)
        if cull is not None and cull.getEffectiveMode() == CullFaceAttrib.M_cull_none:
            return True
    return False


def load_gltf(path: str | Path) -> NodePath:
    """The scene as a Panda3D node (Z up, as the stage's scenes are)."""
    import gltf
    from panda3d.core import Filename

    return NodePath(gltf.load_model(Filename.fromOsSpecific(str(path))))


class GltfScene(Scenery):
    name = "scene"
    defaults: ClassVar[dict[str, Any]] = {"motion": 0.0}
    fog = 0.004

    def __init__(self, kit: Kit, spec: MediaSpec) -> None:
        super().__init__(kit)
        self.spec = spec
        self.name = spec.key  # type: ignore[misc]
        self.eye = (0.0, 0.0, SEATED)  # type: ignore[misc]
        self.triangles = 0

    def build(self, root: NodePath) -> None:
        from companion.stage.media import MediaError

        path = Path(self.spec.file)
        try:
            model = load_gltf(path)
        except Exception as exc:  # noqa: BLE001 - panda3d-gltf raises many kinds: one message
            raise MediaError(f"cannot load the scene {path.name}: {exc}") from None
        model.reparentTo(root)
        if self.spec.view:
            seat = model.find("**/" + self.spec.view)
            if seat.isEmpty():
                raise MediaError(
                    f"{path.name} has no node named '{self.spec.view}' to seat the viewer at"
                )
            pos = seat.getPos(root)
            self.eye = (pos.x, pos.y, pos.z + SEATED)  # type: ignore[misc]
            self.heading = seat.getH(root)  # type: ignore[misc]
        fallback = Material("companion-fallback")
        fallback.setBaseColor((1, 1, 1, 1))
        model.setMaterial(fallback)  # below the scene's own materials
        model.setShader(shaders.load("model.vert", "model.frag"))
        # Faces are culled as the file says: panda3d-gltf leaves a doubleSided material's faces
        # uncut and culls the back of the rest, as glTF asks (forcing every face two-sided
        # cost 0.02-0.05 of the sample scene in the benchmark's hills, for hidden backs).
        self.triangles = count_triangles(model)
        split_into_cells(model)  # Panda3D then leaves out the cells outside the view
        two_sided = shaders.load("model.vert", "model.frag", (("TWO_SIDED", 1),))
        for path in model.findAllMatches("**/+GeomNode"):
            if _draws_back_faces(path):
                path.setShader(two_sided)
        self.add_sky(root)
