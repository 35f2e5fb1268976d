"""The clinic's side of a session: the dose clock and everything measured on it.

Moved out of the engine (issue 17) so the timeline and the monitoring each stay readable. It
holds the doses given, the interval reminders to check vitals (without a protocol), and with a
protocol its checkpoints on the dose clock (due, late, met, missed), the vitals entered with
their flags, the alerts that stay until acknowledged, and whether the patient may be ready to
leave. Everything happens on the engine's session time, so a test on the virtual clock sees
exactly what a clinic would; every change is an event for the record.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from companion.protocols.loader import ScalesOf
from companion.protocols.model import VITALS, Protocol
from companion.session.commands import Refused, finite_number

DEFAULT_VITALS_MINUTES = 15.0
MAX_COMMENT = 500
MAX_DOSE = 10_000.0

Emit = Callable[..., None]


class Monitoring(ScalesOf):  # its sedation and dissociation scales: ScalesOf
    def __init__(
        self,
        emit: Emit,
        now: Callable[[], float],
        changed: Callable[[], None],
        protocol: Protocol | None = None,
    ) -> None:
        self._emit = emit  # engine._event(kind, **data): the record's events
        self._now = now  # the engine's session time
        self._changed = changed
        self.protocol = protocol
        self.doses: list[dict[str, Any]] = []
        self.vitals_minutes = DEFAULT_VITALS_MINUTES
        self.vitals_due: float | None = None  # session time of an unacknowledged reminder
        self.vitals_checks = 0
        self.next_vitals = 0.0
        self.entries: list[dict[str, Any]] = []
        self.alerts: list[dict[str, Any]] = []  # open (unacknowledged) alerts
        self.ready_at: float | None = None
        self._alert_count = 0
        self.checkpoints: list[dict[str, Any]] = [
            {
                "name": c.name,
                "minutes": c.minutes,
                "clock": c.clock(),
                "discharge": c.discharge,
                "status": "pending",
                "at": None,
            }
            for c in (protocol.checkpoints if protocol else ())
        ]

    # --- time ----------------------------------------------------------------------------------

    def tick(self) -> None:
        """Move reminders and checkpoints to the present (called on every engine catch-up)."""
        if self.protocol is None:
            if self.doses and self.vitals_due is None and self.session_time >= self.next_vitals:
                self.vitals_due = self.next_vitals
                self._emit(
                    "vitals_due",
                    due=round(self.next_vitals, 3),
                    minutes_since_dose=round(
                        (self.next_vitals - self.doses[0]["session_time"]) / 60, 1
                    ),
                )
                self._changed()
            return
        self._advance_checkpoints()

    @property
    def session_time(self) -> float:
        return self._now()

    def due_time(self, checkpoint: dict[str, Any]) -> float | None:
        """A checkpoint's session time (None: before the dose, or no dose yet)."""
        if checkpoint["minutes"] is None or not self.doses:
            return None
        # The check before discharge comes at the end of the observation, which a second dose
        # moves on; every other checkpoint counts from the first dose.
        dose = self.doses[-1] if checkpoint.get("discharge") else self.doses[0]
        return float(dose["session_time"] + checkpoint["minutes"] * 60)

    def _advance_checkpoints(self) -> None:
        assert self.protocol is not None
        window = self.protocol.window * 60
        now = self.session_time
        for checkpoint in self.checkpoints:
            due = self.due_time(checkpoint)
            if due is None:
                if checkpoint["minutes"] is None and checkpoint["status"] == "pending":
                    self._set(checkpoint, "due")  # before the dose: due from the start
                continue
            if checkpoint["status"] in ("pending", "due", "late") and now >= due:
                # a check still open before this one is missed once this one's time comes
                self._miss_before(checkpoint)
            if checkpoint["status"] == "pending" and now >= due - window:
                self._set(checkpoint, "due")
            if checkpoint["status"] == "due" and now > due + window:
                self._set(checkpoint, "late")

    def _miss_before(self, checkpoint: dict[str, Any]) -> None:
        for earlier in self.checkpoints:
            if earlier is checkpoint:
                break
            if earlier["status"] in ("due", "late"):
                self._set(earlier, "missed")

    def _set(self, checkpoint: dict[str, Any], status: str, at: float | None = None) -> None:
        checkpoint["status"] = status
        if at is not None:
            checkpoint["at"] = at
        due = self.due_time(checkpoint)
        self._emit(
            "checkpoint",
            name=checkpoint["name"],
            clock=checkpoint["clock"],
            status=status,
            due=None if due is None else round(due, 3),
        )
        self._changed()

    # --- commands ------------------------------------------------------------------------------

    def medicine(
        self,
        text: str = "",
        route: str | None = None,
        dose: float | None = None,
        unit: str | None = None,
        lot: str | None = None,
    ) -> None:
        if dose is not None and not 0 < dose <= MAX_DOSE:
            raise Refused(f"a dose is a number above 0 and at most {MAX_DOSE:g}")
        for name, value in (("route", route), ("unit", unit), ("lot", lot)):
            if value is not None and (len(value) > 60 or not value.isprintable()):
                raise Refused(f"the {name} is printable text of up to 60 characters")
        entry: dict[str, Any] = {"session_time": round(self.session_time, 3), "text": text.strip()}
        protocol = self.protocol
        route = (route or "").strip() or (protocol.route if protocol else "")
        unit = (unit or "").strip() or (protocol.unit if protocol and dose is not None else "")
        for key, given in (
            ("route", route),
            ("dose", dose),
            ("unit", unit),
            ("lot", (lot or "").strip()),
        ):
            if given not in (None, ""):
                entry[key] = given
        if protocol and self.checkpoints and not self.doses:
            for checkpoint in self.checkpoints:  # the pre-dose check was not taken
                if checkpoint["minutes"] is None and checkpoint["status"] == "due":
                    self._set(checkpoint, "missed")
        self.doses.append(entry)
        self._emit("medicine", **entry)
        if len(self.doses) == 1:
            self.next_vitals = self.session_time + self.vitals_minutes * 60
        self.tick()

    def vitals_interval(self, minutes: float) -> None:
        if not 1 <= minutes <= 240:
            raise Refused("the vitals interval is from 1 to 240 minutes")
        self.vitals_minutes = minutes
        if self.doses:
            last = self.doses[0]["session_time"]
            checks = int((self.session_time - last) // (minutes * 60))
            self.next_vitals = last + (checks + 1) * minutes * 60
        self._emit("vitals_interval", minutes=minutes)

    def ack_vitals(self) -> None:
        if self.vitals_due is None:
            raise Refused("no vitals check is due")
        self.vitals_checks += 1
        self._emit(
            "vitals_ack",
            due=round(self.vitals_due, 3),
            late=round(self.session_time - self.vitals_due, 3),
        )
        period = self.vitals_minutes * 60
        while self.next_vitals <= self.session_time:
            self.next_vitals += period
        self.vitals_due = None

    def vitals(self, **values: Any) -> dict[str, Any]:
        """Record one check's values (validated; Refused says what is wrong)."""
        entry = self.validate(values)
        now = round(self.session_time, 3)
        entry["session_time"] = now
        flags = self._flags(entry)
        if flags:
            entry["flags"] = flags
        checkpoint = self._checkpoint_for_entry()
        if checkpoint is not None:
            due = self.due_time(checkpoint)
            window = self.protocol.window * 60 if self.protocol else 0.0
            on_time = due is None or now <= due + window
            entry["checkpoint"] = checkpoint["name"]
            entry["checkpoint_clock"] = checkpoint["clock"]
            entry["on_time"] = on_time
        if self.doses:
            entry["minutes_since_dose"] = round((now - self.doses[0]["session_time"]) / 60, 2)
        self.entries.append(entry)
        self._emit("vitals", **{k: v for k, v in entry.items() if k != "session_time"})
        if checkpoint is not None:
            self._set(checkpoint, "met" if entry["on_time"] else "met late", at=now)
        if self.vitals_due is not None:
            self.ack_vitals()  # values taken are the check the reminder asked for
        if flags:
            self._alert(entry, flags)
        self._changed()
        return entry

    def validate(self, values: dict[str, Any]) -> dict[str, Any]:
        entry = _vital_signs(values)
        entry.update(self._scales(values))
        comment = " ".join(str(values.get("comment") or "").split())
        if len(comment) > MAX_COMMENT:
            raise Refused(f"a comment is at most {MAX_COMMENT} characters")
        if comment:
            entry["comment"] = comment
        if not any(key in entry for key in (*VITALS, "sedation", "dissociation")):
            raise Refused(
                "enter at least one value: blood pressure, heart rate, SpO2, "
                "respiratory rate, sedation or dissociation"
            )
        return entry

    def _scales(self, values: dict[str, Any]) -> dict[str, Any]:
        """Sedation (a level's number) and dissociation (a level's name), checked."""
        entry: dict[str, Any] = {}
        sedation = values.get("sedation")
        if sedation is not None:
            top = len(self.sedation.levels) - 1
            level = finite_number(sedation)
            if level is None or not level.is_integer() or not 0 <= level <= top:
                raise Refused(
                    f"sedation is a whole number from 0 to {top} (got {repr(sedation)[:40]})"
                )
            entry["sedation"] = int(level)
        dissociation = values.get("dissociation")
        if dissociation is not None:
            levels = self.dissociation.levels
            if dissociation not in levels:
                raise Refused(
                    f"dissociation is one of: {', '.join(levels)} (got {str(dissociation)[:40]!r})"
                )
            entry["dissociation"] = dissociation
        return entry

    def _flags(self, entry: dict[str, Any]) -> dict[str, str]:
        if self.protocol is None:
            return {}
        flags = {}
        for sign, limit in self.protocol.limits.items():
            if sign in entry and (side := limit.breached(entry[sign])):
                flags[sign] = side
        return flags

    def _checkpoint_for_entry(self) -> dict[str, Any] | None:
        """The checkpoint a check taken now meets: the latest one on time (its window open),
        else the earliest one late. One passed over for a check on time is missed."""
        on_time = [c for c in self.checkpoints if c["status"] == "due"]
        if on_time:
            self._miss_before(on_time[-1])
            return on_time[-1]
        for checkpoint in self.checkpoints:
            if checkpoint["status"] == "late":
                return checkpoint
        return None

    def _alert(self, entry: dict[str, Any], flags: dict[str, str]) -> None:
        assert self.protocol is not None
        parts = []
        for sign, side in flags.items():
            label, unit, _, _ = VITALS[sign]
            limit = self.protocol.limits[sign]
            bound = limit.low if side == "low" else limit.high
            parts.append(
                f"{label} {entry[sign]:g} {unit} "
                f"({'below' if side == 'low' else 'above'} {bound:g})"
            )
        self._alert_count += 1
        alert = {
            "id": self._alert_count,
            "session_time": entry["session_time"],
            "message": "; ".join(parts),
            "signs": sorted(flags),
        }
        self.alerts.append(alert)
        self._emit("alert", **{k: v for k, v in alert.items() if k != "session_time"})

    def ack_alert(self, id: int | None = None) -> None:
        if not self.alerts:
            raise Refused("no alert to acknowledge")
        chosen = [a for a in self.alerts if id is None or a["id"] == id]
        if not chosen:
            raise Refused(f"no open alert {id}")
        for alert in chosen:
            self.alerts.remove(alert)
            self._emit("alert_ack", id=alert["id"])

    def ready_to_leave(self) -> None:
        if self.ready_at is not None:
            raise Refused("ready to leave is recorded already")
        ready, reason = self.readiness()
        if not ready:
            raise Refused(f"not ready to leave: {reason}")
        self.ready_at = round(self.session_time, 3)
        minutes = (self.ready_at - self.doses[0]["session_time"]) / 60
        self._emit("ready_to_leave", minutes_since_dose=round(minutes, 2))

    # --- reading ---------------------------------------------------------------------------

    def readiness(self) -> tuple[bool, str]:
        """Whether the protocol allows 'Ready to leave' now, and if not, why not."""
        protocol = self.protocol
        if protocol is None:
            return False, "no protocol (run with --protocol)"
        if not self.doses:
            return False, "no medicine given yet"
        earliest = self.doses[-1]["session_time"] + protocol.observation * 60
        if self.session_time < earliest:
            left = earliest - self.session_time
            return False, (
                f"the minimum observation of {protocol.observation:g} minutes "
                f"after the last dose ends in {_minutes_seconds(left)}"
            )
        after = [e for e in self.entries if e["session_time"] >= self.doses[-1]["session_time"]]
        if not after:
            return False, "no vitals check since the last dose"
        last = after[-1]
        window = protocol.window * 60
        if last["session_time"] < earliest - window:
            return False, (
                f"the last check was {_minutes_seconds(self.session_time - last['session_time'])} "
                "ago: take the check before discharge"
            )
        if last.get("flags"):
            return False, "the last check was outside the protocol's limits"
        if self.alerts:
            return False, "an alert is not acknowledged"
        missing = [
            VITALS[s][0] for s in protocol.limits if s != "respiratory_rate" and s not in last
        ]
        if missing:
            return False, f"the last check has no {', '.join(missing)}"
        for name, scale in (("sedation", self.sedation), ("dissociation", self.dissociation)):
            value = last.get(name)
            if value is None:
                return False, f"{name} was not recorded at the last check"
            # (a value from a record resumed under another scale may not be on this one)
            index = (
                value
                if isinstance(value, int)
                else (scale.levels.index(value) if value in scale.levels else -1)
            )
            if index not in scale.resolved:
                shown = scale.label(index) if index >= 0 else value
                return False, f"{name} has not resolved ({shown})"
        return True, "every limit met at the last check; sedation and dissociation resolved"

    def dose_clock(self) -> dict[str, Any] | None:
        """Minutes since the (first) medicine, and when the next vitals check is due."""
        if not self.doses:
            return None
        given = self.doses[0]["session_time"]
        next_vitals = self.next_vitals
        if self.protocol is not None:  # the protocol's checkpoints, not the interval, say when
            open_ = [
                self.due_time(c)
                for c in self.checkpoints
                if c["status"] in ("pending", "due", "late") and c["minutes"] is not None
            ]
            next_vitals = min((d for d in open_ if d is not None), default=next_vitals)
        return {
            "given_at": given,
            "elapsed": round(self.session_time - given, 3),
            "doses": len(self.doses),
            "interval_minutes": self.vitals_minutes,
            "next_vitals": round(next_vitals, 3),
            "vitals_due": self.vitals_due,
            "vitals_checks": self.vitals_checks,
        }

    def snapshot(self) -> dict[str, Any]:
        """What the panel shows of the monitoring (and the HTTP API's state gives)."""
        protocol = self.protocol
        latest = self.entries[-1] if self.entries else None
        ready, reason = self.readiness()
        now = self.session_time
        checkpoints = []
        for checkpoint in self.checkpoints:
            due = self.due_time(checkpoint)
            checkpoints.append(
                {
                    "name": checkpoint["name"],
                    "clock": checkpoint["clock"],
                    "status": checkpoint["status"],
                    "at": checkpoint["at"],
                    "due": None if due is None else round(due, 3),
                    "in": None if due is None else round(due - now, 3),
                }
            )
        following = next(
            (c for c in checkpoints if c["status"] in ("due", "late", "pending")), None
        )
        return {
            "protocol": None
            if protocol is None
            else {
                "name": protocol.name,
                "title": protocol.title,
                "route": protocol.route,
                "unit": protocol.unit,
                "observation_minutes": protocol.observation,
                "limits": {
                    s: {"min": lim.low, "max": lim.high} for s, lim in protocol.limits.items()
                },
            },
            "scales": {
                "sedation": list(self.sedation.levels),
                "dissociation": list(self.dissociation.levels),
            },
            "doses": [dict(d) for d in self.doses],
            "checkpoints": checkpoints,
            "next_checkpoint": following,
            "latest": dict(latest) if latest else None,
            "checks": len(self.entries),
            "alerts": [dict(a) for a in self.alerts],
            "ready": {
                "allowed": ready,
                "reason": reason,
                "recorded_at": self.ready_at,
                "from": None
                if protocol is None or not self.doses
                else round(self.doses[-1]["session_time"] + protocol.observation * 60, 3),
            },
        }

    # --- resume --------------------------------------------------------------------------------

    def restore(
        self, doses: list[dict[str, Any]], checks: int = 0, due: float | None = None
    ) -> None:
        """On resume: the doses given before (in this engine's session times, which may be
        negative), the vitals checks done, and a reminder still unacknowledged."""
        self.doses = [dict(d) for d in doses]
        self.vitals_checks = checks
        self.vitals_due = due
        given, period = self.doses[0]["session_time"], self.vitals_minutes * 60
        passed = int(max(0.0, self.session_time - given) // period)
        self.next_vitals = given + (passed + 1) * period if due is None else due
        self._emit("dose_restored", doses=len(doses), given_at=round(given, 3))
        self._changed()

    def replay(self, kind: str, data: dict[str, Any], at: float) -> None:
        """On resume: one recorded monitoring event (at this engine's session time `at`) taken
        back into the state without recording it again."""
        if kind == "vitals":
            entry = {
                k: v for k, v in data.items() if k not in ("event", "seq", "wall", "play_time")
            }
            entry["session_time"] = at
            self.entries.append(entry)
        elif kind == "checkpoint":
            for checkpoint in self.checkpoints:
                if checkpoint["name"] == data.get("name") and checkpoint["clock"] == data.get(
                    "clock"
                ):
                    checkpoint["status"] = data.get("status", checkpoint["status"])
                    if str(checkpoint["status"]).startswith("met"):
                        checkpoint["at"] = at
        elif kind == "alert":
            alert_id = data.get("id")
            if isinstance(alert_id, int):
                self._alert_count = max(self._alert_count, alert_id)
                self.alerts.append(
                    {
                        "id": alert_id,
                        "session_time": at,
                        "message": str(data.get("message", "")),
                        "signs": list(data.get("signs") or []),
                    }
                )
        elif kind == "alert_ack":
            self.alerts = [a for a in self.alerts if a["id"] != data.get("id")]
        elif kind == "ready_to_leave":
            self.ready_at = at


def _minutes_seconds(seconds: float) -> str:
    whole = max(0, math.ceil(seconds))
    return f"{whole // 60}:{whole % 60:02d}"


def _vital_signs(values: dict[str, Any]) -> dict[str, Any]:
    """The numbers of VITALS that were given, each within its range; the blood pressure as
    both its numbers, diastolic below systolic."""
    entry: dict[str, Any] = {}
    for sign, (label, unit, lowest, highest) in VITALS.items():
        value = values.get(sign)
        if value is None:
            continue
        number = finite_number(value)
        if number is None or not lowest <= number <= highest:
            got = f"{value:g}" if isinstance(value, float) else repr(value)[:40]
            raise Refused(f"{label} is from {lowest:g} to {highest:g} {unit} (got {got})")
        entry[sign] = int(number) if number.is_integer() else round(number, 1)
    if ("systolic" in entry) != ("diastolic" in entry):
        raise Refused("give both numbers of the blood pressure, systolic and diastolic")
    if "systolic" in entry and entry["diastolic"] >= entry["systolic"]:
        raise Refused(
            f"the diastolic pressure ({entry['diastolic']}) is not below the "
            f"systolic ({entry['systolic']}): are they the right way round?"
        )
    return entry
