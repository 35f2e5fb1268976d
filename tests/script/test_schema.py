"""`companion schema`: a draft 2020-12 JSON Schema that accepts what check accepts."""

from __future__ import annotations

import json

import jsonschema
import pytest
import yaml

from companion.script.schema import schema_json, script_schema
from tests.conftest import ROOT, SCENES

VALIDATOR = jsonschema.Draft202012Validator


def test_schema_is_valid_draft_2020_12():
    schema = script_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    VALIDATOR.check_schema(schema)


@pytest.mark.parametrize("path", sorted(SCENES.glob("*.yaml")), ids=lambda p: p.name)
def test_bundled_scripts_validate(path):
    VALIDATOR(script_schema()).validate(yaml.safe_load(path.read_text()))


@pytest.mark.parametrize(
    "broken",
    [
        {"companion": 2},
        {"scenes": []},
        {"scenes": [{"id": "a", "environment": "shorline"}]},
        {"scenes": [{"id": "a", "environment": "forest", "steps": [{"sya": "hi"}]}]},
        {"scenes": [{"id": "a", "environment": "forest", "look": {"motion": 2}}]},
        {"scenes": [{"id": "a", "environment": "forest", "music": "drfit"}]},
        {"scenes": [{"id": "A b", "environment": "forest"}]},
        {"scenes": [{"id": "a", "environment": "forest", "steps": [{"pause": "5x"}]}]},
    ],
)
def test_schema_refuses_what_check_refuses(broken):
    script = {"companion": 1, "title": "T", "scenes": [{"id": "a", "environment": "forest"}]}
    script.update(broken)
    assert list(VALIDATOR(script_schema()).iter_errors(script))


def test_published_schema_file_is_current():
    """docs/script.schema.json is what scripts' editor header points at: it must match."""
    assert (ROOT / "docs" / "script.schema.json").read_text() == schema_json(), (
        "run: companion schema --out docs/script.schema.json"
    )


def test_cli_prints_the_schema(capsys):
    from companion.cli import main

    assert main(["schema"]) == 0
    assert json.loads(capsys.readouterr().out)["title"].startswith("Companion session script")
