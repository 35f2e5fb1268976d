"""Fixtures for the panel's tests: a real Engine and a real PanelServer joined by the pump
(which stands in for companion/app.py), a cuttable TCP proxy, and Debian's Chromium driven by
Playwright."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from panel_harness import SCRIPT, Proxy, Pump, Session
from playwright.sync_api import expect

from companion.control import PanelServer
from companion.script.loader import load_script
from companion.session import Engine, VirtualClock
from companion.session.health import published


@pytest.fixture
def script_file(tmp_path: Path) -> Path:
    path = tmp_path / "session.yaml"
    path.write_text(SCRIPT, encoding="utf-8")
    return path


@pytest.fixture
def make_session(script_file: Path):
    """Start an engine (virtual clock), a panel server and the pump; all stop after the test."""
    started: list[Session] = []

    def make(**server_args: Any) -> Session:
        loaded = load_script(script_file)
        assert loaded.ok, loaded.findings
        clock = VirtualClock()
        engine = Engine(loaded.script, clock)
        server = PanelServer(**server_args)
        server.start()
        server.publish(published(engine, None))  # as the app does before its first frame
        pump = Pump(engine, server)
        pump.start()
        session = Session(engine, clock, server, pump)
        started.append(session)
        return session

    yield make
    for session in started:
        session.pump.stop()
        session.server.stop()


@pytest.fixture
def session(make_session) -> Session:
    return make_session()


@pytest.fixture
def make_proxy():
    proxies: list[Proxy] = []

    def make(target_port: int) -> Proxy:
        proxy = Proxy(target_port)
        proxy.start()
        proxies.append(proxy)
        return proxy

    yield make
    for proxy in proxies:
        proxy.stop()


@pytest.fixture
def open_panel(browser):
    """Open a panel page (its own browser context: its own cookies) at a URL."""
    contexts = []

    def open_(url: str, **context_args: Any):
        context = browser.new_context(**context_args)
        contexts.append(context)
        page = context.new_page()
        page.goto(url)
        # Polling with wait_for_function would need eval, which the page's CSP forbids.
        expect(page.locator("#connection")).to_have_attribute("data-state", "connected")
        expect(page.locator("#state")).not_to_have_attribute("data-state", "")
        return page

    yield open_
    for context in contexts:
        context.close()
