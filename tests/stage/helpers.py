"""Helpers for the stage tests: drive a stage on a virtual timeline, measure pictures."""

from __future__ import annotations

from typing import Any

import numpy as np

from companion.session import actions as act
from companion.stage.stage import Stage

SIZE = (160, 90)


class Player:
    """Drives a stage frame by frame on a virtual timeline, as the app's loop would."""

    def __init__(self, stage: Stage) -> None:
        self.stage = stage
        self.now = 0.0
        self.reports: list[tuple[str, bool, str]] = []

    def frame(
        self, dt: float = 1 / 15, breath: dict[str, Any] | None = None, render: bool = True
    ) -> np.ndarray | None:
        self.now += dt
        self.stage.update(breath=breath, now=self.now)
        if not render:
            return None
        self.stage.render()
        return self.stage.capture()

    def run(self, seconds: float, fps: float = 15, **kwargs: Any) -> list[np.ndarray]:
        frames = []
        for _ in range(max(1, round(seconds * fps))):
            frame = self.frame(1 / fps, **kwargs)
            if frame is not None:
                frames.append(frame)
        return frames

    def settle(self) -> np.ndarray:
        self.stage.settle()
        self.stage.render()
        self.stage.render()
        return self.stage.capture()

    def scene(
        self, environment: str, look: dict[str, Any] | None = None, transition: float = 1.0
    ) -> None:
        self.stage.apply(
            act.SceneChange("scene", environment, dict(look or {}), transition, "journey")
        )


def luma(image: np.ndarray) -> float:
    rgb = image.astype(np.float64) / 255.0
    return float((rgb @ np.array([0.2126, 0.7152, 0.0722])).mean())
