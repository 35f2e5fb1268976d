"""Every example in the docs is a file that `check` passes: complete scripts shown in the README
and docs/ are files in docs/examples/, word for word, and every file there is clean."""

from __future__ import annotations

import re

import pytest

from companion.script import load_script
from tests.conftest import ROOT

EXAMPLES = ROOT / "docs" / "examples"
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"```yaml\n(.*?)```", re.S)


def script_blocks():
    for page in PAGES:
        for block in BLOCK.findall(page.read_text()):
            if block.lstrip().startswith("companion:"):
                yield page.name, block


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.name)
def test_example_files_pass_check(path):
    assert [str(f) for f in load_script(path).findings] == []


@pytest.mark.parametrize(
    "page, block",
    list(script_blocks()),
    ids=lambda v: v if isinstance(v, str) and v.endswith(".md") else "",
)
def test_scripts_in_the_docs_are_example_files(page, block):
    files = {p.read_text() for p in EXAMPLES.glob("*.yaml")}
    assert block in files, (
        f"a script in {page} is not a file in docs/examples/ (or differs from it)"
    )


def test_the_docs_show_scripts():
    assert len(list(script_blocks())) >= 3
