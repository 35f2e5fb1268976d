"""A one-line progress bar on stderr, for rendering narration before a session."""

from __future__ import annotations

import sys


class ProgressBar:
    def __init__(self, label: str, width: int = 30) -> None:
        self.label, self.width = label, width

    def __call__(self, done: int, total: int) -> None:
        filled = int(self.width * done / max(1, total))
        sys.stderr.write(
            f"\r{self.label} [{'#' * filled}{'.' * (self.width - filled)}] {done}/{total} lines"
        )
        sys.stderr.flush()

    def close(self) -> None:
        sys.stderr.write("\n")


def narration_bar() -> ProgressBar | None:
    """The bar for rendering narration before a session, on a terminal only."""
    return ProgressBar("narration") if sys.stderr.isatty() else None
