"""Captions (narration) and shown text, each on a soft backdrop, fading in and out.

The backdrop is opaque enough that the text keeps a contrast of at least 4.5:1 (WCAG AA)
over any scene, even pure white, counting the blend in display (sRGB) values as the GPU
does it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from panda3d.core import (
    CardMaker,
    DynamicTextFont,
    Filename,
    NodePath,
    TextFont,
    TextNode,
    TransparencyAttrib,
    Vec2,
    Vec3,
)

from companion.stage import shaders
from companion.stage.fades import Fade

FONT_PATH = Path(__file__).parent / "assets" / "fonts" / "DejaVuSans.ttf"
TEXT_COLOR = (0.97, 0.96, 0.93)
BACKDROP_COLOR = (0.06, 0.07, 0.10)
BACKDROP_ALPHA = 0.72
CAPTION_HEIGHT = 0.085  # line height in view units (view height is 2): about 4% of the view
SHOWN_HEIGHT = 0.10
FADE_IN, FADE_OUT = 0.9, 1.4
PADDING = (0.07, 0.04)
FEATHER = 0.09


def srgb_to_linear(v: float) -> float:
    return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4


def luminance(rgb: tuple[float, float, float]) -> float:
    r, g, b = (srgb_to_linear(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: tuple[float, float, float], b: tuple[float, float, float]) -> float:
    la, lb = luminance(a), luminance(b)
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


def backdrop_over(
    background: tuple[float, float, float], alpha: float = BACKDROP_ALPHA
) -> tuple[float, float, float]:
    """The colour of the backdrop where it covers `background` (alpha blend in display values)."""
    r, g, b = (
        bg * (1 - alpha) + c * alpha for bg, c in zip(background, BACKDROP_COLOR, strict=True)
    )
    return r, g, b


def worst_contrast() -> float:
    """The caption's contrast over the worst background there is: white."""
    return min(contrast(TEXT_COLOR, backdrop_over(bg)) for bg in ((1.0, 1.0, 1.0), (0.0, 0.0, 0.0)))


def load_font() -> TextFont | None:
    if not FONT_PATH.is_file():
        return None
    font = DynamicTextFont(Filename.fromOsSpecific(str(FONT_PATH)))
    if not font.isValid():
        return None
    font.setPixelsPerUnit(72)
    font.setPageSize(1024, 1024)
    return font


@dataclass
class TextCard:
    """One piece of text with its backdrop; it fades in, then out, then is removed."""

    node: NodePath
    text: TextNode
    backdrop: NodePath
    alpha: Fade
    content: str


class TextLayer:
    """A place on the view where text appears (captions at the bottom, shown text higher)."""

    def __init__(
        self, parent: NodePath, font: TextFont | None, height: float, z: float, width: float
    ) -> None:
        self.parent, self.font, self.height, self.z = parent, font, height, z
        self.width = width
        self.cards: list[TextCard] = []

    def show(self, content: str) -> None:
        for card in self.cards:
            card.alpha.to(0.0, FADE_OUT * 0.6)
        node = self.parent.attachNewNode("text")
        node.setPos(0, 0, self.z)
        text = TextNode("text")
        if self.font is not None:
            text.setFont(self.font)
        text.setAlign(TextNode.ACenter)
        text.setWordwrap(self.width / self.height)
        text.setTextColor(*TEXT_COLOR, 1.0)
        text.setText(content)
        left, right, bottom, top = text.getFrameActual()
        text_np = node.attachNewNode(text)
        text_np.setScale(self.height)
        # centre the block vertically on z
        middle = (top + bottom) / 2 * self.height
        text_np.setZ(-middle)
        half = Vec2(
            (right - left) / 2 * self.height + PADDING[0] + FEATHER,
            (top - bottom) / 2 * self.height + PADDING[1] + FEATHER,
        )
        maker = CardMaker("backdrop")
        maker.setFrame(-half.x - FEATHER, half.x + FEATHER, -half.y - FEATHER, half.y + FEATHER)
        backdrop = node.attachNewNode(maker.generate())
        backdrop.setShader(shaders.load("screen.vert", "backdrop.frag"))
        backdrop.setShaderInput("u_backdrop_color", Vec3(*BACKDROP_COLOR))
        backdrop.setShaderInput("u_extent", half)
        backdrop.setShaderInput("u_feather", FEATHER)
        backdrop.setBin("fixed", 0)
        text_np.setBin("fixed", 1)
        node.setTransparency(TransparencyAttrib.MAlpha)
        card = TextCard(node, text, backdrop, Fade(0.0), content)
        card.alpha.to(1.0, FADE_IN)
        self.cards.append(card)
        self._apply(card)

    def hide(self) -> None:
        for card in self.cards:
            card.alpha.to(0.0, FADE_OUT)

    def update(self, dt: float) -> None:
        for card in list(self.cards):
            card.alpha.advance(dt)
            self._apply(card)
            if card.alpha.value <= 0.0 and not card.alpha.moving and card.alpha.target == 0.0:
                card.node.removeNode()
                self.cards.remove(card)

    def _apply(self, card: TextCard) -> None:
        card.backdrop.setShaderInput("u_alpha", card.alpha.value * BACKDROP_ALPHA)
        card.node.find("**/+TextNode").setAlphaScale(card.alpha.value)

    @property
    def visible_text(self) -> str | None:
        shown = [c for c in self.cards if c.alpha.target > 0.0]
        return shown[-1].content if shown else None

    def clear(self) -> None:
        for card in self.cards:
            card.node.removeNode()
        self.cards.clear()
