"""Protocol files: the bundled ones load, a clinic's own is checked at FILE:LINE:COLUMN."""

from __future__ import annotations

from pathlib import Path

import pytest

from companion.protocols import ProtocolError, bundled_names, from_definition, resolve_protocol


def test_the_bundled_protocols_load_with_their_checkpoints_and_limits():
    assert bundled_names() == [
        "esketamine-nasal",
        "ketamine-im",
        "ketamine-iv",
        "ketamine-sublingual",
    ]
    rems = resolve_protocol("esketamine-nasal")
    clocks = [c.clock() for c in rems.checkpoints]
    assert clocks[0] == "pre-dose" and "+40:00" in clocks and clocks[-1] == "+120:00"
    assert rems.checkpoints[-1].discharge and rems.observation == 120
    assert rems.limits["systolic"].breached(180) == "high"
    assert rems.limits["systolic"].breached(179) is None
    assert rems.limits["spo2"].breached(91) == "low"
    for name in bundled_names():
        protocol = resolve_protocol(name)
        times = [c.minutes for c in protocol.checkpoints if c.minutes is not None]
        assert times == sorted(times) and max(times) <= protocol.observation, name
        assert from_definition(protocol.definition) == protocol  # what resume rebuilds


def _errors(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "mine.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ProtocolError) as caught:
        resolve_protocol(str(path))
    return [str(f) for f in caught.value.findings]


def test_a_clinics_protocol_is_checked_with_positions(tmp_path):
    errors = _errors(
        tmp_path,
        """\
protocol: 1
name: ours
route: intranasal
observation: 120
checkpoints:
  - name: forty
    at: 40
  - name: bad
    at: -3
  - nmae: typo
    at: 10
limits:
  spo2: {min: 150}
  sistolic: {max: 180}
  heart_rate: {min: 120, max: 50}
""",
    )
    path = str(tmp_path / "mine.yaml")
    assert f"{path}:9:9: error: 'at' is a number of minutes from 1 to 1440 (got -3)" in errors
    assert any(
        e.startswith(f"{path}:10:") and "'nmae'" in e and "did you mean" in e for e in errors
    ), errors
    assert any(
        e.startswith(f"{path}:13:") and "SpO2 min is a number from 50 to 100" in e for e in errors
    ), errors
    assert any(e.startswith(f"{path}:14:3") and "'sistolic'" in e for e in errors), errors
    assert any(
        e.startswith(f"{path}:15:") and "'min' (120) is above 'max' (50)" in e for e in errors
    ), errors


def test_not_yaml_and_unknown_names_say_so(tmp_path):
    errors = _errors(tmp_path, "protocol: 1\nname: [unclosed\n")
    assert errors[0].startswith(str(tmp_path / "mine.yaml") + ":") and "not valid YAML" in errors[0]
    with pytest.raises(ProtocolError) as caught:
        resolve_protocol("esketamine-nasl")
    assert "did you mean 'esketamine-nasal'" in str(caught.value)
    assert "needs 'name:'" in "\n".join(
        _errors(
            tmp_path, "protocol: 1\nroute: iv\nobservation: 60\ncheckpoints: [{name: a, at: 5}]\n"
        )
    )


def test_the_protocol_in_the_docs_loads(tmp_path):
    import re

    from tests.conftest import ROOT

    text = (ROOT / "docs" / "clinic-setup.md").read_text(encoding="utf-8")
    blocks = [
        b for b in re.findall(r"```yaml\n(.*?)```", text, re.S) if b.startswith("protocol: 1")
    ]
    assert blocks
    for block in blocks:
        path = tmp_path / "ours.yaml"
        path.write_text(block, encoding="utf-8")
        protocol = resolve_protocol(str(path))
        assert [c.clock() for c in protocol.checkpoints] == [
            "pre-dose",
            "+15:00",
            "+30:00",
            "+45:00",
            "+60:00",
            "+90:00",
        ]


def test_a_damaged_definition_is_refused_with_findings_never_a_traceback():
    """What a damaged record could hand resume: fields replaced by wrong types and strange
    numbers (NaN, 1e308, a 400-digit integer, lists where names go)."""
    import copy
    import random

    base = resolve_protocol("esketamine-nasal").definition
    strange = [
        None,
        True,
        "x",
        -1,
        1e308,
        float("nan"),
        [1],
        {"a": 1},
        10**400,
        [],
        {},
        "pre-dose",
        [{"name": 1}],
        "discharge",
        0,
        5,
    ]
    for rate in (0.05, 0.3):
        rng = random.Random(rate)

        def mutate(value, rng=rng, rate=rate):  # this round's rng and rate, bound
            if isinstance(value, dict):
                return {
                    k: rng.choice(strange) if rng.random() < rate else mutate(v)
                    for k, v in value.items()
                }
            if isinstance(value, list):
                return [rng.choice(strange) if rng.random() < rate else mutate(v) for v in value]
            return value

        for _ in range(300):
            try:
                from_definition(mutate(copy.deepcopy(base)))
            except ProtocolError as refused:
                assert refused.findings and all(f.severity == "error" for f in refused.findings)
