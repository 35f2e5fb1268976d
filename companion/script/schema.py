"""The JSON Schema (draft 2020-12) of the format, for editors' YAML language servers."""

from __future__ import annotations

import json
from typing import Any

from companion.script.models import Script

SCHEMA_ID = "https://companion.invalid/schema/script-v1.json"


def script_schema() -> dict[str, Any]:
    schema = Script.model_json_schema(by_alias=True)
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        **schema,
        "title": "Companion session script, version 1",
        "description": "A guided session for Companion. Check it with `companion check FILE`.",
    }
    schema["properties"]["companion"] = {"const": 1, "description": "format version; 1"}
    schema["properties"]["scenes"]["minItems"] = 1
    return schema


def schema_json() -> str:
    return json.dumps(script_schema(), indent=2, ensure_ascii=False) + "\n"
