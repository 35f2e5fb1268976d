"""Issue 16 in Chromium: the safety keys always work, every command not done is listed, a lost
network reads differently from a stopped Companion, a full server says so, small screens keep
Pause, Ground, Talk and Continue in reach, and axe-core finds nothing serious.

Screenshots: with COMPANION_PANEL_SHOTS=FOLDER the three-alert pictures at 1280x800, 820x1180
and 390x844 are kept there (docs/images/ holds the ones in docs/panel.md)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from panel_harness import (
    SCRIPT,  # noqa: F401 - the session every test here plays
    failed_probes,
    stopped_after,
)
from playwright.sync_api import expect

from tests.conftest import USER_CACHE

SIZES = {"desktop": (1280, 800), "tablet": (820, 1180), "phone": (390, 844)}
AXE = USER_CACHE / "companion-tests/npm/node_modules/axe-core/axe.min.js"


def _start(session, page) -> None:
    page.click("#btn-start")
    session.pump.wait_for(lambda e: e.state.value == "playing")
    expect(page.locator("#state")).to_have_text("playing")


def test_space_presses_the_focused_button_and_keys_work_after_a_slider(session, open_panel):
    page = open_panel(session.server.url)
    _start(session, page)
    keys = page.keyboard
    page.focus("#btn-next-step")  # reached with Tab on a keyboard
    keys.press(" ")
    session.pump.wait_for(lambda e: e.position.step_index == 1)
    assert session.pump.call(lambda: session.engine.state.value) == "playing"  # not paused
    assert session.pump.count("pause") == 0

    slider = page.locator("#level-music")
    slider.focus()
    before = session.pump.count("volume")
    keys.press("ArrowRight")  # one step of the slider: one command, not two
    session.pump.wait_for(lambda e: abs(e.levels["music"] - 0.61) < 1e-6)
    page.wait_for_timeout(400)
    assert session.pump.count("volume") == before + 1
    expect(slider).to_be_focused()
    keys.press("g")  # the focus is still on the slider: Ground works all the same
    session.pump.wait_for(lambda e: e.grounded is not None)
    keys.press(" ")
    session.pump.wait_for(lambda e: e.state.value == "paused")
    expect(page.locator("#state")).to_have_text("paused")  # the Space below acts on what shows
    keys.press("Escape")  # End asks again
    expect(page.locator("#confirm-text")).to_contain_text("End the session now?")
    keys.press("Escape")
    # Dragging with the pointer, then keys: the same.
    box = slider.bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.2, box["y"] + box["height"] / 2)
    session.pump.wait_for(lambda e: e.levels["music"] < 0.4)
    keys.press(" ")
    session.pump.wait_for(lambda e: e.state.value != "paused")  # Space resumed it


def test_every_command_not_done_is_listed(session, open_panel):
    page = open_panel(session.server.url)
    _start(session, page)
    page.keyboard.press("Enter")  # Continue while the session plays: refused
    page.fill("#note-text", "first")
    page.keyboard.press("Enter")  # (typing: a new line, no command)
    page.locator("#note-text").blur()
    page.keyboard.press("Enter")  # refused again
    items = page.locator("#log-list li")
    expect(items).to_have_count(2)
    expect(items.first).to_contain_text("Continue: not done: the session is playing")
    expect(page.locator("#log-title")).to_have_text("2 commands not done")
    page.click("#btn-log-ok")
    expect(page.locator("#log")).to_be_hidden()


def test_a_lost_network_reads_differently_from_a_stopped_companion(
    make_session, open_panel, make_proxy
):
    import zlib

    raw = b"".join(b"\x00" + b"\x20\x40\x60" * 16 for _ in range(9))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")
        )

    png = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", (16).to_bytes(4, "big") + (9).to_bytes(4, "big") + b"\x08\x02\x00\x00\x00")
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )
    session = make_session(picture=lambda: png)
    proxy = make_proxy(session.server.port)
    page = open_panel(f"http://127.0.0.1:{proxy.port}/?token={session.server.token}")
    _start(session, page)
    connection = page.locator("#connection")

    proxy.down.set()  # the Wi-Fi: nothing answers
    proxy.cut()
    expect(connection).to_have_attribute("data-state", "network", timeout=8000)
    expect(page.locator("#away")).to_have_attribute("data-kind", "lost")
    expect(page.locator("#away")).to_contain_text("The network is lost")
    expect(page.locator("#away")).to_contain_text("The session goes on by itself")
    proxy.down.clear()
    expect(connection).to_have_attribute("data-state", "connected", timeout=8000)
    page.click("#btn-away-ok")

    probes = failed_probes(page)
    proxy.refusing.set()  # nothing listens any more: Companion stopped
    proxy.cut()
    # Within 5 s on a quiet machine: three tries refused in a row, after waits of 0.25, 0.5
    # and 1 s (panel.js). A busy machine stretches the page's timers, so the test counts the
    # tries (the page decided on the third refusal, or one more) and the wall-time bound only
    # guards against a page that never decides (generous on purpose).
    expect(connection).to_have_attribute("data-state", "stopped", timeout=20000)
    assert len(probes) <= stopped_after() + 1, probes
    expect(connection).to_have_text("Companion has stopped")
    expect(page.locator("#away")).to_have_attribute("data-kind", "stopped")
    expect(page.locator("#away")).to_contain_text("companion resume")
    expect(page.locator("#state")).to_have_text("stopped")
    red = connection.evaluate("e => getComputedStyle(e).backgroundColor")
    assert red == "rgb(90, 29, 24)"
    stale = page.locator("#picture-stale")  # the last picture, marked with its age
    expect(stale).to_be_visible(timeout=6000)
    expect(stale).to_contain_text("Not live: this picture is")
    proxy.refusing.clear()  # the same server again (a blink): the page goes back by itself
    expect(connection).to_have_attribute("data-state", "connected", timeout=8000)
    expect(page.locator("#away-title")).to_contain_text("Connection back after")


def test_a_full_server_says_so(make_session, browser):
    session = make_session(max_clients=1)
    contexts = [browser.new_context(), browser.new_context()]
    try:
        first = contexts[0].new_page()
        first.goto(session.server.url)
        expect(first.locator("#connection")).to_have_attribute("data-state", "connected")
        second = contexts[1].new_page()
        second.goto(session.server.url)
        expect(second.locator("#connection")).to_have_attribute("data-state", "full", timeout=8000)
        expect(second.locator("#connection")).to_have_text("Too many panels are open: close one")
    finally:
        for context in contexts:
            context.close()


def _three_alerts(session, page) -> None:
    _start(session, page)
    session.pump.call(lambda: session.engine.command("medicine", source="test"))
    session.pump.call(lambda: session.engine.command("patient_signal", source="test"))
    session.pump.call(lambda: session.health.report("sound", False, "no sound device"))
    session.pump.advance(15 * 60)  # vitals due
    expect(page.locator("#vitals-alert")).to_be_visible()
    expect(page.locator("#signal-alert")).to_be_visible()
    expect(page.locator("#health-alert")).to_be_visible()


@pytest.mark.parametrize("size", list(SIZES))
def test_three_alerts_leave_the_safety_buttons_in_reach(session, open_panel, size):
    width, height = SIZES[size]
    page = open_panel(session.server.url, viewport={"width": width, "height": height})
    _three_alerts(session, page)
    session.pump.call(lambda: session.engine.command("goto", source="test", scene="return"))
    expect(page.locator("#timeline [aria-current=step]")).to_be_visible()
    bar = page.locator("header.bar").bounding_box()
    assert bar["height"] / height < {"desktop": 0.25, "tablet": 0.2, "phone": 0.3}[size], bar
    if size != "desktop":
        for target in ("btn-pause", "btn-ground", "btn-talk", "btn-continue"):
            button = page.locator(f"#pinned [data-for={target}]")
            expect(button).to_be_visible()
            expect(button).to_be_in_viewport()
        page.locator("#pinned [data-for=btn-ground]").click()
        session.pump.wait_for(lambda e: e.grounded is not None)
        page.mouse.wheel(0, 3000)  # scrolled all the way down, the pinned bar is still there
        expect(page.locator("#pinned [data-for=btn-pause]")).to_be_in_viewport()
    else:
        expect(page.locator("#pinned")).to_be_hidden()
    # the current scene is scrolled into the timeline's view
    current = page.locator("#timeline [aria-current=step]").bounding_box()
    timeline = page.locator("#timeline").bounding_box()
    assert (
        timeline["x"] - 1 <= current["x"]
        and current["x"] + current["width"] <= timeline["x"] + timeline["width"] + 1
    )
    shots = os.environ.get("COMPANION_PANEL_SHOTS")
    if shots:
        page.mouse.wheel(0, -3000)
        page.wait_for_timeout(300)
        page.screenshot(path=str(Path(shots) / f"panel-{size}.png"))


def test_axe_finds_nothing_serious(session, open_panel):
    if not AXE.is_file():
        pytest.skip(f"axe-core is not installed at {AXE} (scripts/setup-env test installs it)")
    page = open_panel(session.server.url, bypass_csp=True)  # (to add axe's script to the page)
    _three_alerts(session, page)
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    violations = page.evaluate(
        "axe.run().then(r => r.violations.map(v => "
        "({id: v.id, impact: v.impact, nodes: v.nodes.length})))"
    )
    serious = [v for v in violations if v["impact"] in ("serious", "critical")]
    assert not serious, serious


def test_a_long_word_wraps_in_the_report(browser, tmp_path):
    import json
    import shutil
    import subprocess
    import sys

    fixture = (
        Path(__file__).parent.parent / "record/fixtures/format-1/2026-11-26_081135-record-test"
    )
    folder = tmp_path / fixture.name
    shutil.copytree(fixture, folder)
    events = folder / "events.jsonl"
    lines = [json.loads(line) for line in events.read_text().splitlines()]
    note = {
        "seq": 0,
        "event": "note",
        "session_time": 100.0,
        "play_time": 100.0,
        "text": "w" * 10_000,
        "scene": None,
        "wall": lines[-1]["wall"],
    }
    lines.insert(len(lines) - 2, note)
    for seq, line in enumerate(lines):
        line["seq"] = seq
    events.write_text("".join(json.dumps(line) + "\n" for line in lines))
    report = subprocess.run(
        [sys.executable, "-m", "companion", "report", str(folder)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert report.returncode == 0, report.stderr
    assert "w" * 10_000 in report.stdout
    html = tmp_path / "report.html"
    html.write_text(report.stdout)
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        page = context.new_page()
        page.goto(html.as_uri())
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 1280, width
    finally:
        context.close()


def test_the_closing_entries(session, open_panel):
    page = open_panel(session.server.url)
    expect(page.locator("#btn-closing")).to_be_disabled()  # not before the start
    _start(session, page)
    page.fill("#closing-adverse", "none\u202e")
    page.fill("#closing-outcome", "Calm, oriented, went home with a friend.")
    page.click("#btn-closing")
    expect(page.locator("#message")).to_contain_text("closing entries are saved")
    closing = session.pump.wait_for(
        lambda e: [ev for ev in session.pump.events if ev.kind == "closing"]
    )
    assert closing[-1].data == {
        "adverse_events": "none",
        "outcome": "Calm, oriented, went home with a friend.",
    }
