"""The clinical monitoring read from a record: the protocol, the doses, each vitals check with
its flags, the checkpoints (met, late, missed), the alerts and the ready-to-leave time.

Built in the summary's one pass (summary._Builder hands these events here); the report's
clinical sections, the REMS-shaped summary and the CSV and FHIR exports read it. Every value
was range-checked by record/validate.py, so a damaged record cannot put a chart off its axes;
what is still odd here (a flag that is not 'low' or 'high') is ignored, never shown raw.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from companion.protocols.loader import ScalesOf
from companion.protocols.model import VITALS, Protocol

KINDS = ("protocol", "medicine", "vitals", "checkpoint", "alert", "alert_ack", "ready_to_leave")
SIDES = ("low", "high")


@dataclass(frozen=True)
class Dose:
    time: float
    wall: float | None
    dose: float | None
    unit: str
    route: str
    lot: str
    text: str

    def describe(self) -> str:
        """'56 mg intranasal, lot EK2291' (or the free text given)."""
        unit = self.unit or "(no unit given)"  # never guessed: a dose's unit matters
        amount = f"{self.dose:g} {unit}" if self.dose is not None else ""
        parts = [p for p in (" ".join(x for x in (amount, self.route) if x), self.text) if p]
        text = "; ".join(parts) or "medicine given"
        return text + (f", lot {self.lot}" if self.lot else "")


@dataclass(frozen=True)
class Check:
    time: float
    wall: float | None
    values: dict[str, Any]  # systolic ... respiratory_rate, sedation, dissociation
    flags: dict[str, str]  # sign -> 'low' | 'high'
    checkpoint: str | None  # the checkpoint it met ('+40:00'), if any
    on_time: bool | None
    comment: str

    def get(self, sign: str) -> Any:
        return self.values.get(sign)


@dataclass
class CheckpointState:
    name: str
    clock: str
    status: str  # due, late, met, met late, missed (or pending)
    due: float | None
    at: float | None = None


@dataclass
class Clinical(ScalesOf):  # its sedation and dissociation scales: ScalesOf
    protocol: Protocol | None = None
    protocol_name: str | None = None
    doses: list[Dose] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    checkpoints: dict[str, CheckpointState] = field(default_factory=dict)  # by clock, in order
    alerts: list[tuple[float, int, str]] = field(default_factory=list)  # (time, id, message)
    acknowledged: dict[int, float] = field(default_factory=dict)
    ready_at: float | None = None
    ready_wall: float | None = None

    @property
    def monitored(self) -> bool:
        return bool(
            self.checks or self.protocol_name or any(d.dose is not None for d in self.doses)
        )

    @property
    def dose_time(self) -> float | None:
        return self.doses[0].time if self.doses else None

    def dose_clock(self, time: float) -> str:
        """'+40:00' after the first dose, '−2:00' before it, the session time without one."""
        given = self.dose_time
        if given is None:
            return ""
        seconds = round(time - given)
        sign = "+" if seconds >= 0 else "−"
        seconds = abs(seconds)
        hours, minutes = divmod(seconds // 60, 60)
        if hours:
            return f"{sign}{hours}:{minutes:02d}:{seconds % 60:02d}"
        return f"{sign}{minutes}:{seconds % 60:02d}"

    def final_statuses(self, ended: bool) -> list[CheckpointState]:
        """The checkpoints as the report states them: one still open at the end is missed."""
        out = []
        states = list(self.checkpoints.values())
        if self.protocol is not None:  # those never reached are in the protocol, not the record
            seen = set(self.checkpoints)
            states += [
                CheckpointState(c.name, c.clock(), "pending", None)
                for c in self.protocol.checkpoints
                if c.clock() not in seen
            ]
            order = {c.clock(): i for i, c in enumerate(self.protocol.checkpoints)}
            states.sort(key=lambda s: order.get(s.clock, len(order)))
        for state in states:
            status = state.status
            if ended and status in ("due", "late", "pending"):
                status = "missed" if status != "pending" else "not reached"
            out.append(CheckpointState(state.name, state.clock, status, state.due, state.at))
        return out

    def take(self, kind: str, event: dict[str, Any], at: float, wall: float | None) -> None:
        if kind == "protocol":
            self.protocol_name = str(event.get("title") or event.get("name"))
            definition = event.get("definition")
            if isinstance(definition, dict):
                from companion.protocols import ProtocolError, from_definition

                try:
                    self.protocol = from_definition(definition)
                except ProtocolError:
                    self.protocol = None
        elif kind == "medicine":
            dose = event.get("dose")
            amount = float(dose) if isinstance(dose, (int, float)) else None
            self.doses.append(
                Dose(
                    at,
                    wall,
                    amount,
                    str(event.get("unit") or ""),
                    str(event.get("route") or ""),
                    str(event.get("lot") or ""),
                    str(event.get("text") or "").strip(),
                )
            )
        elif kind == "vitals":
            self._vitals(event, at, wall)
        elif kind == "checkpoint":
            self._checkpoint(event, at)
        elif kind == "alert":
            self.alerts.append((at, int(event["id"]), str(event.get("message") or "")))
        elif kind == "alert_ack":
            self.acknowledged.setdefault(int(event["id"]), at)
        elif kind == "ready_to_leave":
            self.ready_at, self.ready_wall = at, wall

    def _vitals(self, event: dict[str, Any], at: float, wall: float | None) -> None:
        values = {k: event[k] for k in (*VITALS, "sedation", "dissociation") if k in event}
        raw = event.get("flags")
        if not isinstance(raw, dict):
            raw = {}
        flags = {k: v for k, v in raw.items() if k in VITALS and v in SIDES and k in values}
        on_time = event.get("on_time") if isinstance(event.get("on_time"), bool) else None
        self.checks.append(
            Check(
                at,
                wall,
                values,
                flags,
                event.get("checkpoint_clock"),
                on_time,
                str(event.get("comment") or ""),
            )
        )

    def _checkpoint(self, event: dict[str, Any], at: float) -> None:
        clock = str(event.get("clock") or event.get("name"))
        due = event.get("due") if isinstance(event.get("due"), (int, float)) else None
        state = self.checkpoints.setdefault(
            clock, CheckpointState(str(event.get("name")), clock, "pending", due)
        )
        state.status = str(event.get("status"))
        if due is not None:
            state.due = due
        if state.status.startswith("met"):
            state.at = at

    def scale_label(self, sign: str, value: Any) -> str:
        if value is None:
            return ""
        if sign == "sedation" and isinstance(value, int):
            return f"{value}"
        return str(value)

    def unresolved(self, sign: str, value: Any) -> bool:
        scale = self.sedation if sign == "sedation" else self.dissociation
        if isinstance(value, int):
            return value not in scale.resolved
        return value in scale.levels and scale.levels.index(value) not in scale.resolved


__all__ = ["KINDS", "Check", "CheckpointState", "Clinical", "Dose"]
