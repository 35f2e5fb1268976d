"""The panel's music controls beside the intensity, in a real browser (Debian's Chromium
through Playwright) against the real server and Engine: tone (darker to brighter) and steady
(hold the harmony until released) reach the engine as commands, and the page follows the
engine when they change elsewhere."""

from __future__ import annotations

from playwright.sync_api import expect


def test_tone_and_steady(session, open_panel) -> None:
    page = open_panel(session.server.url)
    page.click("#btn-start")
    session.pump.wait_for(lambda e: e.state.value == "playing")
    expect(page.locator("#tone-value")).to_have_text("even")
    page.locator("#tone").fill("80")
    session.pump.wait_for(lambda e: abs(e.tone - 0.6) < 1e-9)
    expect(page.locator("#tone-value")).to_have_text("brighter 30")
    page.locator("#tone").fill("10")
    session.pump.wait_for(lambda e: abs(e.tone + 0.8) < 1e-9)
    expect(page.locator("#tone-value")).to_have_text("darker 40")

    steady = page.locator("#btn-steady")
    expect(steady).to_have_attribute("aria-pressed", "false")
    steady.click()
    session.pump.wait_for(lambda e: e.steady)
    expect(steady).to_have_attribute("aria-pressed", "true")
    steady.click()
    session.pump.wait_for(lambda e: not e.steady)
    expect(steady).to_have_attribute("aria-pressed", "false")

    # A change made elsewhere (the HTTP API, a second panel) moves the page's controls.
    session.pump.call(lambda: session.engine.command("tone", level=0.0))
    session.pump.call(lambda: session.engine.command("steady", on=True))
    expect(page.locator("#tone")).to_have_value("50")
    expect(steady).to_have_attribute("aria-pressed", "true")
    refused = session.pump.call(lambda: session.engine.command("tone", level=1.5))
    assert not refused.ok and "from -1" in refused.reason
