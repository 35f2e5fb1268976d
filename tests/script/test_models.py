"""The step union is written out by hand in models.py (so mypy checks a `match` over steps);
it must name the same kinds and models as STEP_KINDS, which the loader and lint go by."""

from __future__ import annotations

from typing import get_args

from pydantic import Tag

from companion.script.models import STEP_KINDS, Step


def test_the_written_out_step_union_is_step_kinds() -> None:
    union, *_ = get_args(Step)
    members = {}
    for member in get_args(union):
        model, tag = get_args(member)
        assert isinstance(tag, Tag)
        members[tag.tag] = model
    assert members == STEP_KINDS
    assert list(members) == list(STEP_KINDS)
