"""A protocol as plain, frozen data: what the engine's monitoring and the report read."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# The measured vital signs: field name -> (label, unit, lowest and highest value a person can
# have that is still worth recording: outside them a value is a typing mistake).
VITALS: dict[str, tuple[str, str, float, float]] = {
    "systolic": ("systolic blood pressure", "mmHg", 40, 300),
    "diastolic": ("diastolic blood pressure", "mmHg", 20, 200),
    "heart_rate": ("heart rate", "/min", 20, 250),
    "spo2": ("SpO2", "%", 50, 100),
    "respiratory_rate": ("respiratory rate", "/min", 2, 60),
}


@dataclass(frozen=True)
class Limit:
    """The range a vital sign is expected in; a value outside it raises an alert."""

    low: float | None = None
    high: float | None = None

    def breached(self, value: float) -> str | None:
        """'low' or 'high' when `value` is outside the range, else None."""
        if self.low is not None and value < self.low:
            return "low"
        if self.high is not None and value > self.high:
            return "high"
        return None

    def describe(self) -> str:
        if self.low is not None and self.high is not None:
            return f"{self.low:g} to {self.high:g}"
        if self.low is not None:
            return f"at least {self.low:g}"
        return f"at most {self.high:g}" if self.high is not None else "any"


@dataclass(frozen=True)
class Scale:
    """An ordinal scale (sedation, dissociation): its levels by value, and the ones that count
    as resolved."""

    levels: tuple[str, ...]
    resolved: tuple[int, ...]

    def label(self, value: int) -> str:
        return self.levels[value] if 0 <= value < len(self.levels) else str(value)


@dataclass(frozen=True)
class Checkpoint:
    """One check on the dose clock: `minutes` after the first dose, or None before it."""

    name: str
    minutes: float | None
    discharge: bool = False

    @property
    def pre_dose(self) -> bool:
        return self.minutes is None

    def clock(self) -> str:
        """'pre-dose' or '+40:00': how the panel and the report name its time."""
        if self.minutes is None:
            return "pre-dose"
        whole = round(self.minutes * 60)
        return f"+{whole // 60}:{whole % 60:02d}"


@dataclass(frozen=True)
class Protocol:
    name: str
    title: str
    route: str
    unit: str
    observation: float  # minutes after the last dose
    window: float  # minutes either side of a checkpoint's time: on time
    checkpoints: tuple[Checkpoint, ...]
    limits: dict[str, Limit]
    sedation: Scale
    dissociation: Scale
    # the file as written: the record keeps it, and resume and the report rebuild from it
    definition: dict[str, Any] = field(default_factory=dict, compare=False)
