"""An environment's `look` (time, motion, brightness and its own settings) as shader values,
and the fader that moves between two looks smoothly."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from companion.stage.fades import ease, lerp

if TYPE_CHECKING:
    from companion.stage.environments.base import Scenery

Values = dict[str, tuple[float, ...]]

BASE_DEFAULTS: dict[str, Any] = {"time": "day", "motion": 0.4, "brightness": 0.8}


def exposure(brightness: float) -> float:
    """Brightness 0..1 as a light multiplier: 0 is dim but never black, 0.8 is as painted."""
    return 0.4 + 0.75 * min(1.0, max(0.0, float(brightness)))


def full_look(scenery: Scenery, look: Mapping[str, Any] | None) -> dict[str, Any]:
    """The authored look with every unset setting filled from the environment's defaults."""
    merged = {**BASE_DEFAULTS, **scenery.defaults}
    merged.update({k: v for k, v in (look or {}).items() if v is not None and k != "fade"})
    return merged


def resolve(scenery: Scenery, look: Mapping[str, Any]) -> Values:
    """A complete look as the numbers the shaders and the compositor take."""
    values = scenery.palette(str(look["time"])).uniforms()
    values["u_motion"] = (float(look["motion"]),)
    values["u_exposure"] = (exposure(look["brightness"]),)
    values.update(scenery.setting_values(look))
    return values


def blend(a: Values, b: Values, t: float) -> Values:
    return {k: tuple(lerp(x, y, t) for x, y in zip(a[k], b[k], strict=True)) for k in b}


class LookFader:
    """The look a scene shows now, moving towards a target over a fade (eased both ends).
    A new target mid-fade starts from what is on screen, so nothing jumps."""

    def __init__(self, values: Values) -> None:
        self.current: Values = dict(values)
        self._start: Values = dict(values)
        self._target: Values = dict(values)
        self._duration = 0.0
        self._elapsed = 0.0

    def to(self, values: Values, seconds: float) -> None:
        self._start, self._target = dict(self.current), dict(values)
        self._duration, self._elapsed = max(0.0, seconds), 0.0
        if self._duration == 0.0:
            self.current = dict(values)

    def advance(self, dt: float) -> Values:
        if self.moving:
            self._elapsed = min(self._duration, self._elapsed + dt)
            self.current = blend(self._start, self._target, ease(self._elapsed / self._duration))
        return self.current

    def finish(self) -> None:
        self.current, self._elapsed = dict(self._target), self._duration

    @property
    def moving(self) -> bool:
        return self._duration > 0.0 and self._elapsed < self._duration

    def value(self, name: str) -> float:
        return self.current[name][0]
