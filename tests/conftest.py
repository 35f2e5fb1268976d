"""Shared test set-up. In CI (CI=true) a skipped test is a failure: every part must be real.

The suite runs on every core (pytest-xdist, scripts/test): each worker gets folders of its own
for everything the app keeps outside a test's tmp_path (the narration cache, records, the
clinic's config, data), so two workers never write one file and a run leaves the user's own
folders alone."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCENES = ROOT / "scenes"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
# The user's cache as it was before the workers' own (scripts/setup-env puts axe-core there).
USER_CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
# Where the app keeps things when not told otherwise: per worker in a run.
_OWN_FOLDERS = {
    "XDG_CACHE_HOME": "cache",  # the narration cache, FFmpeg's and the media checks' caches
    "XDG_DATA_HOME": "data",  # records when no --record-dir is given
    "XDG_CONFIG_HOME": "config",  # the clinic's config.toml, the panel's certificate
    "XDG_STATE_HOME": "state",
}


# Groups for pytest-xdist's --dist loadgroup (scripts/test): each group runs on one worker, one
# test after another; modules with an expensive module-scoped set-up (a rendered piece, a
# running app, a Panda3D stage) keep it on one worker instead of making it twice.
#
# The tests that judge sound or frames as they happen are marked `real_time`, and scripts/test
# runs them after the others, never beside the rest of the suite (whose rendering and synthesis
# keep both cores busy and starve the audio and frame threads they measure, as no clinic's
# machine is during a session). Most of them mostly wait: the 23 of them used 64 s of CPU in
# 160 s played one at a time (0.4 of the two cores), so they run two at a time, on two workers.
# Those that draw frames as they play are also marked `alone` and run last, one at a time: the
# abuse test's real app keeps a core busy; the film's picture and sound, beside another
# real-time test and a busy loop per core (scripts/flaky --load), missed a pass.
REAL_TIME = {
    "tests/audio/test_mixer.py",
    "tests/audio/test_faults.py",
    "tests/audio/test_music_stream.py",
    "tests/audio/test_stream_gain.py",
    "tests/app/test_faults.py",
    "tests/control/test_abuse.py",
}
ALONE = {"tests/control/test_abuse.py"}
SET_UP_ONCE = {
    "tests/audio/test_composer.py",
    "tests/audio/test_library.py",
    "tests/clinic/test_clinic_report.py",
    "tests/headset/test_headset.py",
    "tests/headset/test_live.py",
    "tests/stage/test_environments.py",
    "tests/stage/test_media.py",
}


# tryfirst: pytest-xdist reads the xdist_group marks in its own pytest_collection_modifyitems,
# so they must be there before it runs. (The groups also need pytest below 9.2: pyproject.toml.)
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    for item in items:
        module = item.nodeid.split("::")[0]
        if module in REAL_TIME:
            item.add_marker(pytest.mark.real_time)
        if module in ALONE:
            item.add_marker(pytest.mark.alone)
            item.add_marker(pytest.mark.xdist_group(module))  # its app is set up once
        elif module in SET_UP_ONCE:
            item.add_marker(pytest.mark.xdist_group(module))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if IN_CI and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.longrepr = f"skipped in CI, where every part must be present: {reason}"


@pytest.fixture(scope="session", autouse=True)
def own_folders(tmp_path_factory):
    """This worker's cache, data and config folders (tmp_path_factory's base is per worker),
    set in the environment so the app's child processes use them too."""
    base = tmp_path_factory.getbasetemp() / "home"
    before = {name: os.environ.get(name) for name in _OWN_FOLDERS}
    for name, folder in _OWN_FOLDERS.items():
        (base / folder).mkdir(parents=True, exist_ok=True)
        os.environ[name] = str(base / folder)
    yield base
    for name, value in before.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture
def write_script(tmp_path):
    """Write a script (text) to a file in a fresh folder; returns its path."""

    def write(text: str, name: str = "session.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium through Playwright, one for every test of a worker that needs one.
    Playwright's sync API runs an event loop in the thread that starts it, so a second
    `sync_playwright()` while another is open in the same process fails: one fixture for all."""
    from playwright.sync_api import sync_playwright

    from tests.control.panel_harness import CHROMIUM, CHROMIUM_ARGS

    if not os.path.exists(CHROMIUM):
        pytest.skip(f"no Chromium at {CHROMIUM} (scripts/setup-env installs Debian's chromium)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
