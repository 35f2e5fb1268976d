"""Loading a script file: YAML with positions, the typed model, reference checks and lint,
with every finding collected in one pass."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from companion.script import errors, lint
from companion.script.findings import Finding, Severity, has_errors
from companion.script.models import Script
from companion.script.references import reference_problems
from companion.script.timing import EstimatedTiming, Timing
from companion.script.yaml_source import Mark, Source, YamlError, parse_yaml

SCRIPT_SUFFIXES = (".yaml", ".yml")
MAX_BYTES = 5_000_000

# An extra check run on a valid script (e.g. "is there a voice for this language?").
ExtraCheck = Callable[[Script, Source], Iterable[tuple[Mark, Severity, str]]]


@dataclass
class Loaded:
    path: Path
    script: Script | None
    source: Source | None
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.script is not None and not has_errors(self.findings)


class ScriptError(Exception):
    """A script that cannot be played; str() lists the errors at their lines."""

    def __init__(self, loaded: Loaded) -> None:
        self.loaded = loaded
        super().__init__("\n".join(str(f) for f in loaded.findings if f.severity == "error"))


def load_script(
    path: str | Path, *, timing: Timing | None = None, checks: Iterable[ExtraCheck] = ()
) -> Loaded:
    path = Path(path)
    shown = str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return Loaded(
            path,
            None,
            None,
            [Finding(shown, 1, 1, "error", f"cannot read the file: {exc.strerror or exc}")],
        )
    if len(raw) > MAX_BYTES:
        return Loaded(
            path,
            None,
            None,
            [Finding(shown, 1, 1, "error", "the file is too large to be a script")],
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return Loaded(
            path,
            None,
            None,
            [Finding(shown, 1, 1, "error", f"the file is not UTF-8 text ({exc.reason})")],
        )
    return load_text(text, shown, base_dir=path.parent, timing=timing, checks=checks)


def load_text(
    text: str,
    file: str,
    *,
    base_dir: Path,
    timing: Timing | None = None,
    checks: Iterable[ExtraCheck] = (),
) -> Loaded:
    path = Path(file)
    try:
        source = parse_yaml(text)
    except YamlError as exc:
        mark = exc.problem.mark
        return Loaded(
            path, None, None, [Finding(file, mark.line, mark.column, "error", exc.problem.message)]
        )

    findings = [
        Finding(file, p.mark.line, p.mark.column, "error", p.message) for p in source.problems
    ]
    if not isinstance(source.data, dict):
        message = (
            "the file is empty"
            if source.data is None
            else "a script is a mapping that starts with 'companion: 1'"
        )
        mark = source.value_at(())
        return Loaded(
            path, None, source, findings + [Finding(file, mark.line, mark.column, "error", message)]
        )

    findings += _at(file, ((m, "error", msg) for m, msg in reference_problems(source)))
    script: Script | None = None
    try:
        script = Script.model_validate(source.data, context={"base_dir": base_dir.resolve()})
    except ValidationError as exc:
        findings += errors.findings_from(exc, source, file)
    if script is not None and not has_errors(findings):
        findings += _at(
            file,
            (
                (m, "warning", msg)
                for m, msg in lint.warnings(script, source, timing or EstimatedTiming())
            ),
        )
        for check in checks:
            findings += _at(file, check(script, source))
    return Loaded(
        path,
        script if not has_errors(findings) else None,
        source,
        sorted(set(findings), key=_order),
    )


def _at(file: str, problems: Iterable[tuple[Mark, Severity, str]]) -> Iterator[Finding]:
    for mark, severity, message in problems:
        yield Finding(file, mark.line, mark.column, severity, message)


def _order(finding: Finding) -> tuple[int, int, str]:
    return finding.line, finding.column, finding.message


def require_script(path: str | Path, **kwargs: object) -> Script:
    """Load a script for playing; raises ScriptError when it has errors."""
    loaded = load_script(path, **kwargs)  # type: ignore[arg-type]
    if not loaded.ok:
        raise ScriptError(loaded)
    assert loaded.script is not None
    return loaded.script


def script_files(paths: Iterable[str | Path]) -> Iterator[Path]:
    """Files named, and the scripts in folders named (recursively, sorted)."""
    for entry in map(Path, paths):
        if entry.is_dir():
            yield from sorted(
                p for p in entry.rglob("*") if p.suffix in SCRIPT_SUFFIXES and p.is_file()
            )
        else:
            yield entry


def check_paths(paths: Iterable[str | Path], *, checks: Iterable[ExtraCheck] = ()) -> list[Finding]:
    findings: list[Finding] = []
    for file in script_files(paths):
        findings += load_script(file, checks=checks).findings
    return findings
