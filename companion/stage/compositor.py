"""The final picture: scenes crossfaded by weight, then the pause dim and the veil.

Scene changes never cut: every layer has a weight, the weights always add up to one, and a
change moves them smoothly from where they are (so a change during a change turns round
without a jump)."""

from __future__ import annotations

from dataclasses import dataclass, field

from panda3d.core import Camera, CardMaker, NodePath, OrthographicLens, Texture, Vec3

from companion.stage import shaders
from companion.stage.fades import ease

SLOTS = 3  # layers drawn at once: the scene arriving and up to two on their way out


@dataclass
class Crossfade:
    """Weights of the layers on show, moving to one target layer over a transition."""

    weights: dict[int, float] = field(default_factory=dict)  # layer id -> weight
    _start: dict[int, float] = field(default_factory=dict)
    _target: int | None = None
    _duration: float = 0.0
    _elapsed: float = 0.0

    def to(self, target: int, seconds: float) -> None:
        if not self.weights:  # the first scene: fade in from the veil, not from another scene
            self.weights = {target: 1.0}
            self._target, self._duration, self._elapsed = target, 0.0, 0.0
            return
        self.weights.setdefault(target, 0.0)
        self._start = dict(self.weights)
        self._target, self._duration, self._elapsed = target, max(seconds, 1e-3), 0.0
        self._limit()

    def advance(self, dt: float) -> dict[int, float]:
        if self.moving and self._target is not None:
            self._elapsed = min(self._duration, self._elapsed + dt)
            p = ease(self._elapsed / self._duration)
            target = self._target
            self.weights = {
                k: (w + (1 - w) * p if k == target else w * (1 - p)) for k, w in self._start.items()
            }
            if not self.moving:
                self.weights = {target: 1.0}
        return self.weights

    @property
    def moving(self) -> bool:
        return self._elapsed < self._duration

    @property
    def target(self) -> int | None:
        return self._target

    def _limit(self) -> None:
        """At most SLOTS layers: the faintest outgoing one hands its share to the next
        faintest (rare: three scene changes inside one transition)."""
        while len(self._start) > SLOTS:
            outgoing = sorted((w, k) for k, w in self._start.items() if k != self._target)
            (w0, k0), (_, k1) = outgoing[0], outgoing[1]
            self._start[k1] += w0
            del self._start[k0]
        self.weights = dict(self._start)


class Compositor:
    """A full-output card in a 2D scene of its own, drawn with the composite shader."""

    def __init__(self) -> None:
        self.root = NodePath("composite")
        self.root.setDepthTest(False)
        self.root.setDepthWrite(False)
        maker = CardMaker("composite-card")
        maker.setFrame(-1, 1, -1, 1)
        self.card = self.root.attachNewNode(maker.generate())
        self._variant: tuple[int, int] | None = None
        self._given: tuple | None = None  # what was last handed to the shader
        self.blank = Texture("blank")
        self.blank.setup2dTexture(1, 1, Texture.T_unsigned_byte, Texture.F_rgba8)
        self.blank.setRamImage(b"\x00\x00\x00\xff")
        for slot in range(SLOTS):
            self.card.setShaderInput(f"u_layer{slot}", self.blank)
        self.set(weights=[], dim=0.0, veil=1.0, veil_color=(0.06, 0.07, 0.09))

    def camera(self, name: str) -> NodePath:
        lens = OrthographicLens()
        lens.setFilmSize(2, 2)
        lens.setNearFar(-10, 10)
        node = Camera(name, lens)
        node.setScene(self.root)
        return self.root.attachNewNode(node)

    def set(
        self,
        weights: list[tuple[Texture, float]],
        dim: float,
        veil: float,
        veil_color: tuple[float, float, float],
    ) -> None:
        shown = [(texture, weight) for texture, weight in weights if weight > 0.0][:SLOTS]
        shown.sort(key=lambda item: -item[1])  # the strongest first
        given = (
            tuple((id(texture), weight) for texture, weight in shown),
            dim,
            veil,
            tuple(veil_color),
        )
        if given == self._given:
            return  # nothing changed (a scene shown steadily): the shader has it all already
        self._given = given
        weights = shown
        variant = (len(shown), int(dim > 0.0 or veil > 0.0 or not shown))
        if variant != self._variant:
            self._variant = variant
            self.card.setShader(
                shaders.load(
                    "composite.vert",
                    "composite.frag",
                    (("LAYERS", variant[0]), ("EFFECTS", variant[1])),
                )
            )
        values = [0.0] * SLOTS
        for slot in range(SLOTS):
            texture = weights[slot][0] if slot < len(weights) else self.blank
            values[slot] = weights[slot][1] if slot < len(weights) else 0.0
            self.card.setShaderInput(f"u_layer{slot}", texture)
        self.card.setShaderInput("u_weights", Vec3(*values))
        self.card.setShaderInput("u_dim", float(dim))
        self.card.setShaderInput("u_veil", float(veil))
        self.card.setShaderInput("u_veil_color", Vec3(*veil_color))
