"""Broken and random YAML never produces a traceback from `check`: only findings."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stdout
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from companion.cli import main
from companion.script import load_text

EXAMPLE = (Path(__file__).resolve().parents[2] / "scenes" / "preparation.yaml").read_text()

yaml_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=True),
    st.text(max_size=20),
    st.sampled_from(["5m", "1:30", "-1", "drift", "haven", "say", "then", "hold", ".nan"]),
)
keys = st.sampled_from(
    [
        "companion",
        "title",
        "scenes",
        "id",
        "environment",
        "steps",
        "say",
        "pause",
        "breathe",
        "look",
        "music",
        "then",
        "in",
        "out",
        "hold",
        "time",
        "fade",
        "track",
        "safe_scene",
        "voice",
        "mix",
        "rate",
        "x",
    ]
) | st.text(max_size=8)
documents = st.recursive(
    yaml_scalars,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(keys, inner, max_size=6),
    max_leaves=40,
)


def check_text(text: str, tmp: Path):
    loaded = load_text(text, "fuzz.yaml", base_dir=tmp)
    for finding in loaded.findings:
        assert finding.line >= 1 and finding.column >= 1
        assert finding.severity in ("error", "warning")
    return loaded


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(documents)
def test_random_documents(tmp_path, data):
    text = json.dumps(data, default=str)  # JSON is YAML
    check_text(text, tmp_path)
    check_text(json.dumps({"companion": 1, "title": "t", "scenes": [data]}, default=str), tmp_path)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.integers(0, len(EXAMPLE)), st.integers(0, 40), st.text(max_size=12))
def test_broken_edits_of_a_real_script(tmp_path, start, length, insert):
    check_text(EXAMPLE[:start] + insert + EXAMPLE[start + length :], tmp_path)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(max_size=200))
def test_random_text(tmp_path, text):
    check_text(text, tmp_path)


def test_hostile_yaml(tmp_path):
    cases = [
        "a: &a [*a]",  # a recursive alias
        "a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
        "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
        "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
        "f: [*e,*e,*e,*e,*e,*e,*e,*e,*e]",
        "!!python/object:os.system 'echo hi'",
        "companion: 1\n---\ncompanion: 1",
        "? [a, b]\n: c",
        "companion: 1\ntitle: t\nscenes:\n  - <<: {id: a, environment: forest}\n    <<: 5",
        "\x00\x01",
        'companion: 1\ntitle: "\\ud800 and \\ud83c\\udf0a"\n'
        'scenes: [{id: "\\udfff", environment: forest}]',
        "companion: 1\ntitle: 2001-12-14\n"
        "scenes: [{id: a, environment: forest, steps: [{say: 2001-02-30}]}]",
    ]
    for text in cases:
        loaded = check_text(text, tmp_path)
        assert loaded.findings, text


def test_check_command_survives_binary_files(tmp_path):
    (tmp_path / "a.yaml").write_bytes(b"\xff\xfe\x00garbage")
    (tmp_path / "b.yaml").write_text("")
    out = io.StringIO()
    with redirect_stdout(out):
        status = main(["check", "--format", "json", str(tmp_path)])
    assert status == 1
    messages = [f["message"] for f in json.loads(out.getvalue())]
    assert any("not UTF-8" in m for m in messages) and "the file is empty" in messages
