"""A command that reached a run which then stopped may have been applied and recorded before
the stop (a dose given, its result never back on the tablet). The resumed run knows none of the
old ids, so the page must not send it again: it says "not confirmed; check before repeating it".
Commands pressed while Companion was stopped cannot have been applied: those are sent.

Debian's Chromium through Playwright, the real server; the stop is the server going away and a
new one (new run id) on the same port with the same sign-in, as `companion resume` serves."""

from __future__ import annotations

from playwright.sync_api import expect


def test_a_command_sent_before_the_stop_is_not_applied_again_after_a_resume(
    make_session, open_panel
):
    first = make_session()
    page = open_panel(f"http://127.0.0.1:{first.server.port}/?token={first.server.token}")
    page.click("#btn-start")
    first.pump.wait_for(lambda e: e.state.value == "playing")
    first.pump.held.set()  # the app is busy: the command reaches it, its result never comes back
    page.click("#btn-next-step")
    expect(page.locator("#connection-text")).to_contain_text("sending 1")
    first.server.stop()  # Companion dies
    expect(page.locator("#connection")).to_have_attribute("data-state", "stopped", timeout=10000)
    page.click("#btn-talk")  # pressed while stopped: nothing can have applied it

    second = make_session(port=first.server.port, token=first.server.token)
    second.pump.call(lambda: second.engine.command("start", source="resume"))
    expect(page.locator("#connection")).to_have_attribute("data-state", "connected", timeout=15000)
    second.pump.wait_for(lambda e: e.talking)
    resent = page.locator("#away-list [data-resent]")
    expect(resent.filter(has_text="Next step")).to_contain_text(
        "not confirmed; check before repeating it"
    )
    expect(resent.filter(has_text="Talk")).to_contain_text("): applied")
    expect(page.locator("#log")).to_contain_text("Next step: not confirmed by the session")
    page.wait_for_timeout(500)
    assert second.pump.count("next_step") == 0  # not applied a second time
    assert second.pump.count("talk") == 1
