"""Music made live from recipes, never repeating: the composer, its pieces, a worker process
that renders ahead, and offline rendering to a file. numpy only; imports no pygame."""

from companion.audio.composer.composer import BLOCK, TARGET_LUFS, Composer, target_lufs
from companion.audio.composer.recipes import RECIPES, Line, Recipe

__all__ = ["BLOCK", "TARGET_LUFS", "Composer", "Line", "RECIPES", "Recipe", "target_lufs"]
