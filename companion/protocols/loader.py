"""Reading a protocol file: YAML with positions (the script loader's), checked field by field,
every problem a Finding at FILE:LINE:COLUMN. `--protocol NAME|FILE` resolves here."""

from __future__ import annotations

import math
from importlib import resources
from pathlib import Path
from typing import Any

from companion.protocols.model import VITALS, Checkpoint, Limit, Protocol, Scale
from companion.script.findings import Finding, did_you_mean
from companion.script.yaml_source import Source, YamlError, parse_yaml

MAX_BYTES = 200_000
MAX_MINUTES = 24 * 60
MAX_CHECKPOINTS = 200
TOP_KEYS = (
    "protocol",
    "name",
    "title",
    "route",
    "unit",
    "observation",
    "window",
    "checkpoints",
    "limits",
    "sedation",
    "dissociation",
)
CHECKPOINT_KEYS = ("name", "at", "every", "from", "until")
DEFAULT_SEDATION = Scale(
    (
        "no response",
        "responds to painful stimulus",
        "responds to shaking",
        "responds to loud name",
        "lethargic response to name",
        "responds readily to name",
    ),
    (5,),
)
DEFAULT_DISSOCIATION = Scale(("none", "mild", "marked"), (0,))


class ScalesOf:
    """The sedation and dissociation scales a session is judged by: its protocol's, or the
    defaults. One definition for the engine's monitoring (session/monitoring.py) and the
    record's reading of it (record/clinical.py)."""

    protocol: Protocol | None

    @property
    def sedation(self) -> Scale:
        return self.protocol.sedation if self.protocol else DEFAULT_SEDATION

    @property
    def dissociation(self) -> Scale:
        return self.protocol.dissociation if self.protocol else DEFAULT_DISSOCIATION


class ProtocolError(Exception):
    """A protocol that cannot be used: its findings say where and why."""

    def __init__(self, findings: list[Finding]) -> None:
        super().__init__("\n".join(str(f) for f in findings))
        self.findings = findings


def bundled_names() -> list[str]:
    folder = resources.files("companion.protocols") / "bundled"
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".yaml"))


def resolve_protocol(name_or_file: str) -> Protocol:
    """A bundled protocol by name, or a clinic's own file; ProtocolError when neither."""
    if name_or_file in bundled_names():
        text = (
            resources.files("companion.protocols") / "bundled" / f"{name_or_file}.yaml"
        ).read_text(encoding="utf-8")
        return _from_text(text, f"{name_or_file} (bundled)")
    path = Path(name_or_file)
    if not path.is_file():
        hint = did_you_mean(name_or_file, bundled_names())
        raise ProtocolError(
            [
                Finding(
                    name_or_file,
                    1,
                    1,
                    "error",
                    f"no protocol file or bundled protocol '{name_or_file}'"
                    f"{hint} (bundled: {', '.join(bundled_names())})",
                )
            ]
        )
    return load_protocol(path)


def load_protocol(path: Path) -> Protocol:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ProtocolError(
            [Finding(str(path), 1, 1, "error", f"cannot read: {exc.strerror or exc}")]
        ) from None
    if len(raw) > MAX_BYTES:
        raise ProtocolError(
            [Finding(str(path), 1, 1, "error", f"a protocol is at most {MAX_BYTES} bytes")]
        )
    return _from_text(raw.decode("utf-8", "replace"), str(path))


def _from_text(text: str, file: str) -> Protocol:
    try:
        source = parse_yaml(text)
    except YamlError as exc:
        problem = exc.problem
        raise ProtocolError(
            [Finding(file, problem.mark.line, problem.mark.column, "error", problem.message)]
        ) from None
    checker = _Checker(source, file)
    protocol = checker.protocol()
    if checker.findings:
        raise ProtocolError(sorted(checker.findings))
    assert protocol is not None
    return protocol


def from_definition(definition: Any, label: str = "the record") -> Protocol:
    """The protocol a record kept (its definition as written): resume plays by it."""
    checker = _Checker(Source(data=definition), label)
    protocol = checker.protocol()
    if checker.findings or protocol is None:
        raise ProtocolError(checker.findings or [Finding(label, 1, 1, "error", "no protocol")])
    return protocol


class _Checker:
    def __init__(self, source: Source, file: str) -> None:
        self.source, self.file = source, file
        self.findings: list[Finding] = [
            Finding(file, p.mark.line, p.mark.column, "error", p.message) for p in source.problems
        ]

    def error(self, path: tuple[str | int, ...], message: str, key: bool = False) -> None:
        mark = self.source.key_at(path) if key else self.source.value_at(path)
        self.findings.append(Finding(self.file, mark.line, mark.column, "error", message))

    def protocol(self) -> Protocol | None:
        data = self.source.data
        if not isinstance(data, dict):
            self.error(
                (), "a protocol is a mapping of keys such as 'name:', 'checkpoints:' and 'limits:'"
            )
            return None
        for key in data:
            if key not in TOP_KEYS:
                self.error((key,), f"unknown key '{key}'{did_you_mean(key, TOP_KEYS)}", key=True)
        if data.get("protocol") != 1:
            self.error(("protocol",), "start the file with 'protocol: 1' (the format's version)")
        name = self.text(data, "name", required=True)
        observation = self.minutes(data, ("observation",), required=True)
        window = self.minutes(data, ("window",)) if "window" in data else 5.0
        checkpoints = self.checkpoints(data.get("checkpoints"), observation or 0.0)
        limits = self.limits(data.get("limits"))
        sedation = self.scale(data, "sedation", DEFAULT_SEDATION)
        dissociation = self.scale(data, "dissociation", DEFAULT_DISSOCIATION)
        return Protocol(
            name=name or "?",
            title=self.text(data, "title") or name or "?",
            route=self.text(data, "route", required=True) or "?",
            unit=self.text(data, "unit") or "mg",
            observation=observation or 0.0,
            window=window if window is not None else 5.0,
            checkpoints=checkpoints,
            limits=limits,
            sedation=sedation,
            dissociation=dissociation,
            definition=data,
        )

    def text(self, data: dict[str, Any], key: str, required: bool = False) -> str | None:
        value = data.get(key)
        if value is None:
            if required:
                self.error((), f"the protocol needs '{key}:'")
            return None
        if not isinstance(value, str) or not value.strip() or len(value) > 200:
            self.error((key,), f"'{key}' is a short text")
            return None
        return value.strip()

    def minutes(
        self,
        data: Any,
        path: tuple[str | int, ...],
        required: bool = False,
        allow_zero: bool = True,
    ) -> float | None:
        key = path[-1]
        value = data.get(key) if isinstance(data, dict) else None
        if value is None:
            if required:
                self.error(path[:-1], f"it needs '{key}:' (minutes)")
            return None
        if not _number(value) or not 0 <= value <= MAX_MINUTES or (value == 0 and not allow_zero):
            self.error(
                path,
                f"'{key}' is a number of minutes from {0 if allow_zero else 1} "
                f"to {MAX_MINUTES} (got {value!r})",
            )
            return None
        return float(value)

    def checkpoints(self, value: Any, observation: float) -> tuple[Checkpoint, ...]:
        path: tuple[str | int, ...] = ("checkpoints",)
        if not isinstance(value, list) or not value:
            self.error(
                path if value is not None else (),
                "'checkpoints' is a list of checks, "
                "each with 'name:' and 'at:' (pre-dose, minutes, discharge) or 'every:'",
            )
            return ()
        out: list[tuple[int, Checkpoint]] = []  # (rank: every 0, at 1, discharge 2)
        for index, item in enumerate(value):
            if not self._checkpoint(item, path + (index,), observation, out):
                return ()
        return _one_per_time(out)

    def _checkpoint(
        self,
        item: Any,
        here: tuple[str | int, ...],
        observation: float,
        out: list[tuple[int, Checkpoint]],
    ) -> bool:
        """One checkpoint (or the times of a repeated one) into `out`; False when there are
        more than MAX_CHECKPOINTS in all (reported)."""
        if not isinstance(item, dict):
            self.error(here, "a checkpoint is a mapping such as {name: 40 minutes, at: 40}")
            return True
        for key in item:
            if key not in CHECKPOINT_KEYS:
                self.error(
                    here + (key,),
                    f"unknown key '{key}' in a checkpoint{did_you_mean(key, CHECKPOINT_KEYS)}",
                    key=True,
                )
        name = item.get("name")
        if not isinstance(name, str) or not name.strip():
            self.error(here, "a checkpoint needs a 'name:' (how the panel calls it)")
            return True
        if ("at" in item) == ("every" in item):
            self.error(
                here,
                f"checkpoint '{name}': give either 'at:' (pre-dose, minutes "
                "after the dose, or discharge) or 'every:' (minutes)",
            )
            return True
        if "at" in item:
            at = item["at"]
            if at == "pre-dose":
                out.append((1, Checkpoint(name.strip(), None)))
            elif at == "discharge":
                out.append((2, Checkpoint(name.strip(), observation, discharge=True)))
            else:
                minutes = self.minutes(item, here + ("at",), allow_zero=False)
                if minutes is not None:
                    out.append((1, Checkpoint(name.strip(), minutes)))
            return True
        return self._every(item, name.strip(), here, observation, out)

    def _every(
        self,
        item: dict[str, Any],
        name: str,
        here: tuple[str | int, ...],
        observation: float,
        out: list[tuple[int, Checkpoint]],
    ) -> bool:
        """A repeated check: one checkpoint per time from `from:` to `until:`."""
        every = self.minutes(item, here + ("every",), allow_zero=False)
        start = self.minutes(item, here + ("from",)) if "from" in item else 0.0
        until = self.minutes(item, here + ("until",)) if "until" in item else observation
        if every is None or start is None or until is None:
            return True
        at = start + every
        while at <= until + 1e-9:
            out.append((0, Checkpoint(name, at)))
            at += every
            if len(out) > MAX_CHECKPOINTS:
                self.error(
                    here,
                    f"more than {MAX_CHECKPOINTS} checkpoints: a longer 'every:' or an 'until:'",
                )
                return False
        return True

    def limits(self, value: Any) -> dict[str, Limit]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.error(
                ("limits",), "'limits' maps a vital sign to its range, such as 'spo2: {min: 92}'"
            )
            return {}
        out: dict[str, Limit] = {}
        for sign, bounds in value.items():
            path: tuple[str | int, ...] = ("limits", sign)
            if sign not in VITALS:
                self.error(
                    path,
                    f"unknown vital sign '{sign}'{did_you_mean(sign, VITALS)} "
                    f"(known: {', '.join(VITALS)})",
                    key=True,
                )
                continue
            if not isinstance(bounds, dict) or not bounds or set(bounds) - {"min", "max"}:
                self.error(path, f"'{sign}' takes 'min:' and/or 'max:', such as {{max: 179}}")
                continue
            label, unit, lowest, highest = VITALS[sign]
            found: dict[str, float] = {}
            for end in ("min", "max"):
                if end not in bounds:
                    continue
                number = bounds[end]
                if not _number(number) or not lowest <= number <= highest:
                    self.error(
                        path + (end,),
                        f"{label} {end} is a number from {lowest:g} to "
                        f"{highest:g} {unit} (got {number!r})",
                    )
                    continue
                found[end] = float(number)
            if "min" in found and "max" in found and found["min"] > found["max"]:
                self.error(
                    path, f"{label}: 'min' ({found['min']:g}) is above 'max' ({found['max']:g})"
                )
                continue
            out[sign] = Limit(found.get("min"), found.get("max"))
        return out

    def scale(self, data: dict[str, Any], key: str, default: Scale) -> Scale:
        value = data.get(key)
        if value is None:
            return default
        path: tuple[str | int, ...] = (key,)
        if (
            not isinstance(value, dict)
            or not isinstance(value.get("scale"), list)
            or not 2 <= len(value["scale"]) <= 11
            or not all(isinstance(x, str) and x.strip() for x in value["scale"])
        ):
            self.error(
                path,
                f"'{key}' has 'scale:' (2 to 11 names, lowest value first) and "
                "'resolved:' (the values or names that count as resolved)",
            )
            return default
        levels = tuple(x.strip() for x in value["scale"])
        resolved: list[int] = []
        given = value.get("resolved")
        for index, item in enumerate(given if isinstance(given, list) else [given]):
            if isinstance(item, int) and not isinstance(item, bool) and 0 <= item < len(levels):
                resolved.append(item)
            elif isinstance(item, str) and item in levels:
                resolved.append(levels.index(item))
            else:
                self.error(
                    path + ("resolved", index),
                    f"'{item}' is not on the {key} scale (0 to {len(levels) - 1} or a name)",
                )
        if not resolved:
            self.error(path, f"'{key}' needs 'resolved:': the levels at which a patient may leave")
        return Scale(levels, tuple(resolved))


def _number(value: Any) -> bool:
    """A real number (not true/false, not NaN, not a 400-digit integer)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return -(10**9) < value < 10**9
    return isinstance(value, float) and math.isfinite(value)


def _one_per_time(out: list[tuple[int, Checkpoint]]) -> tuple[Checkpoint, ...]:
    """One check per time, in time order: a repeated check that meets a named one gives way
    to it."""
    by_time: dict[float | None, tuple[int, Checkpoint]] = {}
    for rank, checkpoint in out:
        key = None if checkpoint.minutes is None else round(checkpoint.minutes, 3)
        if key not in by_time or rank > by_time[key][0]:
            by_time[key] = (rank, checkpoint)
    return tuple(
        sorted(
            (c for _, c in by_time.values()),
            key=lambda c: -1.0 if c.minutes is None else c.minutes,
        )
    )
