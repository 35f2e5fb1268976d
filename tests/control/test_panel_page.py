"""The panel page in a real browser (Debian's Chromium through Playwright) against the real
server and a real Engine on a VirtualClock; the pump thread stands in for companion/app.py.
Every control is pressed and both the engine's state and the page are checked."""

from __future__ import annotations

import re
import struct
import zlib

from playwright.sync_api import Page, expect


def _engine(session, read):
    return session.pump.call(lambda: read(session.engine))


def _wait(session, check):
    return session.pump.wait_for(check)


def _with_headset(session) -> None:
    """The engine's display status as the app sets it with a headset on (none exists here:
    only the status the panel reads is set; the headset itself is tested in tests/headset)."""
    session.pump.call(lambda: setattr(session.health, "display", {"headset": "stand-in"}))


def _start(session, page: Page) -> None:
    page.click("#btn-start")
    _wait(session, lambda e: e.state.value == "playing")
    expect(page.locator("#state")).to_have_text("playing")


def test_the_page_shows_the_session(session, open_panel):
    page = open_panel(session.server.url)
    expect(page).to_have_url(f"{session.base}{session.server.page_path}")  # no token in it
    expect(page.locator("#title")).to_have_text("Panel test session")
    expect(page.locator("#state")).to_have_text("ready")
    expect(page.locator("#connection")).to_have_attribute("data-state", "connected")
    expect(page.locator("#timeline button")).to_have_count(4)
    expect(page.locator("#timeline button").nth(1)).to_contain_text("The journey")
    expect(page.locator("#timeline button").nth(1)).to_contain_text(
        "journey · 1:35 · 20:00"
    )  # narration estimated at 110 words a minute
    _start(session, page)
    expect(page.locator("#phase")).to_have_text("preparation")
    expect(page.locator("#scene-title")).to_have_text("Arriving")
    expect(page.locator("#step-text")).to_contain_text("say: Welcome.")
    expect(page.locator("#next-step")).to_have_text("pause 30s")
    expect(page.locator("#next-scene")).to_contain_text("The journey")
    expect(page.locator("#timeline button").first).to_have_attribute("aria-current", "step")
    session.pump.advance(65)  # into the breathing; session and scene clocks follow
    expect(page.locator("#session-time")).to_have_text(re.compile(r"1:0[5-6]"))
    expect(page.locator("#scene-time")).to_have_text(re.compile(r"1:0[5-6]"))
    expect(page.locator("#step-text")).to_contain_text("breathe 4-2-6-0 × 5")
    expect(page.locator("#sound-now")).to_contain_text("music: drift")
    session.pump.call(lambda: session.health.report("sound", False, "no sound device"))
    session.pump.call(lambda: session.health.report("speech", True, ""))
    expect(page.locator("#health [data-part=sound]")).to_have_attribute("data-ok", "false")
    expect(page.locator("#health [data-part=sound]")).to_contain_text("no sound device")
    expect(page.locator("#health [data-part=speech]")).to_have_attribute("data-ok", "true")
    expect(page.locator("#health [data-part=display]")).to_have_text("display: not reported")


def test_transport_controls(session, open_panel):
    page = open_panel(session.server.url)
    _start(session, page)
    page.click("#btn-pause")
    _wait(session, lambda e: e.state.value == "paused")
    expect(page.locator("#state")).to_have_text("paused")
    expect(page.locator("#btn-pause")).to_contain_text("Resume")
    page.click("#btn-pause")
    _wait(session, lambda e: e.state.value == "playing")
    expect(page.locator("#btn-pause")).to_contain_text("Pause")

    page.click("#btn-next-step")
    _wait(session, lambda e: e.position.step_index == 1)
    expect(page.locator("#step-text")).to_have_text("pause 30s")
    page.click("#btn-next-step")
    page.click("#btn-next-step")  # onto the wait: the session holds
    _wait(session, lambda e: e.state.value == "holding")
    continue_button = page.locator("#btn-continue")
    expect(continue_button).to_be_enabled()
    expect(continue_button).to_have_class(re.compile(r"\bstands-out\b"))
    expect(page.locator("#hold-line")).to_contain_text("Waiting for you")
    continue_button.click()
    _wait(session, lambda e: e.state.value == "playing" and e.position.step_index == 4)
    expect(continue_button).to_be_disabled()
    expect(continue_button).not_to_have_class(re.compile(r"\bstands-out\b"))
    expect(page.locator("#step-text")).to_contain_text("say: Thank you.")

    page.click("#btn-talk")
    _wait(session, lambda e: e.talking)
    expect(page.locator("#btn-talk")).to_have_attribute("aria-pressed", "true")
    page.click("#btn-talk")
    _wait(session, lambda e: not e.talking)
    expect(page.locator("#btn-talk")).to_have_attribute("aria-pressed", "false")

    page.click("#btn-captions")
    _wait(session, lambda e: not e.captions)
    expect(page.locator("#btn-captions")).to_have_attribute("aria-pressed", "false")
    expect(page.locator("#btn-captions")).to_contain_text("Captions off")
    page.click("#btn-captions")
    _wait(session, lambda e: e.captions)
    expect(page.locator("#btn-captions")).to_contain_text("Captions on")

    expect(page.locator("#btn-recenter")).to_be_hidden()  # no headset: nothing to recenter
    _with_headset(session)
    page.click("#btn-recenter")
    expect(page.locator("#message")).to_contain_text("recentered")
    assert session.pump.count("recenter") == 1


def test_scene_controls_and_the_timeline(session, open_panel):
    page = open_panel(session.server.url)
    # Before the start, choosing a scene starts there (after asking).
    page.locator("#timeline button").nth(1).click()
    expect(page.locator("#confirm")).to_be_visible()
    expect(page.locator("#confirm-text")).to_contain_text("Start the session at “The journey”")
    page.click("#confirm-yes")
    _wait(session, lambda e: e.state.value == "playing" and e.position.scene.id == "journey")
    expect(page.locator("#scene-title")).to_have_text("The journey")
    expect(page.locator("#phase")).to_have_text("journey")

    page.click("#btn-next-scene")
    _wait(session, lambda e: e.position.scene.id == "return")
    expect(page.locator("#scene-title")).to_have_text("Coming back")
    page.click("#btn-previous-scene")
    _wait(session, lambda e: e.position.scene.id == "journey")
    expect(page.locator("#timeline button").nth(1)).to_have_attribute("aria-current", "step")

    page.click("#btn-ground")
    _wait(session, lambda e: e.grounded is not None and e.position.scene.id == "haven")
    expect(page.locator("#scene-title")).to_have_text("Safe place")
    expect(page.locator("#btn-ground")).to_contain_text("Return")
    expect(page.locator("#grounded-line")).to_contain_text("The journey")
    page.click("#btn-ground")
    _wait(session, lambda e: e.grounded is None and e.position.scene.id == "journey")
    expect(page.locator("#btn-ground")).to_contain_text("Ground")

    # A timeline click asks first; Cancel leaves the session where it is.
    page.locator("#timeline button").nth(2).click()
    expect(page.locator("#confirm-text")).to_contain_text("Go to “Coming back” now?")
    page.click("#confirm-no")
    expect(page.locator("#confirm")).to_be_hidden()
    assert _engine(session, lambda e: e.position.scene.id) == "journey"
    assert session.pump.count("goto") == 0
    page.locator("#timeline button").nth(2).click()
    page.click("#confirm-yes")
    _wait(session, lambda e: e.position.scene.id == "return")
    expect(page.locator("#timeline button").nth(2)).to_have_attribute("aria-current", "step")
    expect(page.locator("#timeline button").nth(1)).to_have_class(re.compile(r"\bdone\b"))


def test_sound_levels_and_intensity(session, open_panel):
    page = open_panel(session.server.url)
    _start(session, page)
    for bus, value in [
        ("master", 80),
        ("music", 25),
        ("ambience", 55),
        ("narration", 90),
        ("effects", 10),
    ]:
        page.locator(f"#level-{bus}").fill(str(value))
        _wait(session, lambda e, bus=bus, value=value: abs(e.levels[bus] - value / 100) < 1e-9)
        expect(page.locator(f"#level-{bus}-value")).to_have_text(f"{value}%")
    page.locator("#intensity").fill("30")
    _wait(session, lambda e: abs(e.intensity - 0.3) < 1e-9)
    expect(page.locator("#intensity-value")).to_have_text("30%")
    # A change made elsewhere (the HTTP API) moves the page's slider.
    session.pump.call(lambda: session.engine.command("volume", bus="music", level=0.7))
    expect(page.locator("#level-music")).to_have_value("70")


def test_end_asks_again(session, open_panel):
    page = open_panel(session.server.url)
    _start(session, page)
    page.click("#btn-end")
    expect(page.locator("#confirm-text")).to_contain_text("End the session now?")
    page.click("#confirm-no")
    assert _engine(session, lambda e: e.state.value) == "playing"
    page.click("#btn-end")
    page.click("#confirm-yes")
    _wait(session, lambda e: e.state.value == "ended")
    expect(page.locator("#state")).to_have_text("ended")
    expect(page.locator("#hold-line")).to_contain_text("ended by the therapist")
    expect(page.locator("#btn-end")).to_be_disabled()
    expect(page.locator("#btn-pause")).to_be_disabled()
    assert session.pump.count("end") == 1


def test_notes_and_the_dose_clock(session, open_panel):
    page = open_panel(session.server.url)
    _start(session, page)
    session.pump.advance(90)
    page.fill("#note-text", "Breathing slowed; hands relaxed.")
    page.click("#btn-note")
    _wait(session, lambda e: len(e.notes) == 1)
    assert _engine(session, lambda e: e.notes[0]["session_time"]) == 90.0
    expect(page.locator("#notes li")).to_have_count(1)
    expect(page.locator("#notes li").first).to_have_text("1:30Breathing slowed; hands relaxed.")
    expect(page.locator("#note-text")).to_have_value("")

    page.click("#btn-medicine")
    expect(page.locator("#confirm-input")).to_be_visible()
    page.fill("#confirm-input", "ketamine 0.5 mg/kg IM")
    page.click("#confirm-yes")
    _wait(session, lambda e: len(e.doses) == 1)
    assert _engine(session, lambda e: e.doses[0]) == {
        "session_time": 90.0,
        "text": "ketamine 0.5 mg/kg IM",
    }
    expect(page.locator("#dose")).to_be_visible()
    expect(page.locator("#dose-next")).to_have_text(
        "15:00"
    )  # 15 minutes (the default) on the dose clock
    expect(page.locator("#btn-medicine")).to_have_text("Another dose given")

    page.fill("#vitals-minutes", "10")
    page.click("#btn-vitals-interval")
    _wait(session, lambda e: e.vitals_minutes == 10)
    expect(page.locator("#dose-next")).to_have_text("10:00")
    session.pump.advance(5 * 60)
    expect(page.locator("#dose-elapsed")).to_have_text(re.compile(r"5:0[0-1]"))
    expect(page.locator("#dose-header")).to_have_text(re.compile(r"5:0[0-1]"))  # in the top bar
    page.keyboard.press("/")  # the notes box, from the keyboard
    page.keyboard.type("Five minutes after the dose: calm.")
    page.keyboard.press("Control+Enter")
    _wait(session, lambda e: len(e.notes) == 2)
    expect(page.locator("#notes li").first).to_have_text("6:30Five minutes after the dose: calm.")
    expect(page.locator("#vitals-alert")).to_be_hidden()

    session.pump.advance(5 * 60)  # ten minutes after the medicine: vitals are due
    expect(page.locator("#vitals-alert")).to_be_visible()
    expect(page.locator("#vitals-detail")).to_contain_text("10:00 on the dose clock")
    page.click("#btn-ack-vitals")
    _wait(session, lambda e: e.vitals_checks == 1 and e.vitals_due is None)
    expect(page.locator("#vitals-alert")).to_be_hidden()
    expect(page.locator("#dose-checks")).to_have_text("1")
    expect(page.locator("#dose-next")).to_have_text("20:00")


def test_the_patient_signal_stays_until_acknowledged(session, open_panel):
    page = open_panel(session.server.url)
    _start(session, page)
    session.pump.advance(42)
    session.pump.call(lambda: session.engine.command("patient_signal", source="keys", via="key"))
    alert = page.locator("#signal-alert")
    expect(alert).to_be_visible()
    expect(page.locator("#signal-detail")).to_contain_text("at 0:42 (key)")
    session.pump.advance(5)
    session.pump.call(lambda: session.engine.command("patient_signal", source="keys", via="button"))
    expect(page.locator("#signal-detail")).to_contain_text("2 times")
    expect(alert).to_be_visible()
    page.click("#btn-ack-signal")
    _wait(session, lambda e: e.patient_signal is None)
    expect(alert).to_be_hidden()


def test_space_right_after_start_pauses_and_again_resumes(session, open_panel):
    """The therapist presses S then Space at once, before the session has answered or pushed
    its new state: the pause follows the start; Space again resumes (the page shows what the
    session did as soon as it answers, not at the next push)."""
    page = open_panel(session.server.url)
    page.keyboard.press("s")
    page.keyboard.press(" ")
    _wait(session, lambda e: e.state.value == "paused")
    # Space acts on what the page shows: the second press waits, as a person would, until
    # the page shows the pause (see test_keyboard_shortcuts)
    expect(page.locator("#state")).to_have_text("paused")
    page.keyboard.press(" ")
    _wait(session, lambda e: e.state.value == "playing")
    assert session.pump.count("pause") == 1 and session.pump.count("resume") == 1


def test_keyboard_shortcuts(session, open_panel):
    page = open_panel(session.server.url)
    keys = page.keyboard
    keys.press("s")
    _wait(session, lambda e: e.state.value == "playing")
    keys.press(" ")
    _wait(session, lambda e: e.state.value == "paused")
    # A toggle acts on what the page shows (the label the therapist sees): the second press
    # waits, as a person would, until the page shows the first one's answer. (The session
    # is paused before its answer reaches a slow browser: a press then would pause again.)
    expect(page.locator("#state")).to_have_text("paused")
    keys.press(" ")
    _wait(session, lambda e: e.state.value == "playing")
    keys.press("n")
    _wait(session, lambda e: e.position.step_index == 1)
    keys.press("t")
    _wait(session, lambda e: e.talking)
    keys.press("c")
    _wait(session, lambda e: not e.captions)
    keys.press("]")
    _wait(session, lambda e: e.position.scene.id == "journey")
    keys.press("[")
    _wait(session, lambda e: e.position.scene.id == "arrive")
    keys.press("g")
    _wait(session, lambda e: e.grounded is not None)
    expect(page.locator("#btn-ground")).to_contain_text("Return")
    keys.press("g")
    _wait(session, lambda e: e.grounded is None)
    keys.press("r")  # no headset: the key does nothing
    page.wait_for_timeout(300)
    assert session.pump.count("recenter") == 0
    _with_headset(session)
    expect(page.locator("#btn-recenter")).to_be_visible()
    keys.press("r")
    expect(page.locator("#message")).to_contain_text("recentered")
    assert session.pump.count("recenter") == 1
    # Typing in the notes box is typing, not shortcuts.
    page.click("#note-text")
    keys.type("n t g")
    assert page.locator("#note-text").input_value() == "n t g"
    assert _engine(session, lambda e: (e.position.step_index, e.talking)) == (0, True)
    page.locator("#note-text").blur()
    keys.press("Escape")  # end asks again; Escape in the dialog cancels
    expect(page.locator("#confirm-text")).to_contain_text("End the session now?")
    keys.press("Escape")
    expect(page.locator("#confirm")).to_be_hidden()
    assert _engine(session, lambda e: e.state.value) == "playing"
    keys.press("?")
    expect(page.locator("#help")).to_be_visible()
    keys.press("Escape")
    expect(page.locator("#help")).to_be_hidden()
    # Space on a focused button presses that button (issue 16), and does not pause.
    page.click("#btn-talk")
    _wait(session, lambda e: not e.talking)
    expect(page.locator("#btn-talk")).to_have_attribute("aria-pressed", "false")  # as above
    keys.press(" ")
    _wait(session, lambda e: e.talking)
    assert _engine(session, lambda e: e.state.value) == "playing"
    assert session.pump.count("talk") == 3 and session.pump.count("pause") == 1


def test_two_panels_stay_in_step(session, open_panel):
    first = open_panel(session.server.url)
    second = open_panel(session.server.url)
    first.click("#btn-start")
    expect(second.locator("#state")).to_have_text("playing")
    second.click("#btn-pause")
    expect(first.locator("#state")).to_have_text("paused")
    expect(first.locator("#btn-pause")).to_contain_text("Resume")
    second.locator("#level-narration").fill("35")
    expect(first.locator("#level-narration")).to_have_value("35")
    expect(first.locator("#level-narration-value")).to_have_text("35%")
    first.fill("#note-text", "seen from both panels")
    first.click("#btn-note")
    expect(second.locator("#notes li").first).to_contain_text("seen from both panels")
    sources = session.pump.call(lambda: sorted({c[2] for c in session.pump.applied}))
    assert len(sources) == 2 and all(s.startswith("panel 127.0.0.1 #") for s in sources)


def test_a_dropped_connection_reconnects_and_a_resent_command_is_applied_once(
    session, open_panel, make_proxy
):
    proxy = make_proxy(session.server.port)
    page = open_panel(f"http://127.0.0.1:{proxy.port}/?token={session.server.token}")
    connection = page.locator("#connection")
    _start(session, page)

    # The app loop is busy: "next step" is queued; then the line drops before its result
    # comes back. On reconnecting, the page sends it again with the same id.
    session.pump.held.set()
    page.click("#btn-next-step")
    expect(page.locator("#connection-text")).to_contain_text("sending 1")
    proxy.cut()
    expect(connection).to_have_attribute("data-state", "reconnecting")
    session.pump.held.clear()
    _wait(session, lambda e: e.position.step_index == 1)
    expect(connection).to_have_attribute("data-state", "connected")
    expect(page.locator("#connection-text")).to_have_text("Connected")  # nothing waiting
    expect(page.locator("#step-text")).to_have_text("pause 30s")
    assert session.pump.count("next_step") == 1
    assert _engine(session, lambda e: e.position.step_index) == 1

    # Pressed while the line is down: it waits, visibly, and goes once the line is back.
    proxy.down.set()
    proxy.cut()
    expect(connection).to_have_attribute("data-state", "reconnecting")
    page.click("#btn-talk")
    expect(page.locator("#connection-text")).to_contain_text("1 waiting")
    assert session.pump.count("talk") == 0
    proxy.down.clear()
    _wait(session, lambda e: e.talking)
    expect(connection).to_have_attribute("data-state", "connected")
    expect(page.locator("#btn-talk")).to_have_attribute("aria-pressed", "true")
    assert session.pump.count("talk") == 1


def test_a_silent_connection_is_noticed_and_replaced(session, open_panel, make_proxy):
    proxy = make_proxy(session.server.port)
    page = open_panel(f"http://127.0.0.1:{proxy.port}/?token={session.server.token}")
    connection = page.locator("#connection")
    proxy.frozen.set()  # the line stays open but carries nothing (a laptop asleep, Wi-Fi gone)
    expect(connection).to_have_attribute("data-state", "reconnecting", timeout=6000)
    proxy.frozen.clear()
    proxy.cut()
    expect(connection).to_have_attribute("data-state", "connected")
    page.click("#btn-start")
    _wait(session, lambda e: e.state.value == "playing")


def _png(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    rows = b"".join(b"\x00" + bytes([30, 50, 70]) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def test_the_live_picture(make_session, open_panel):
    pictures = [_png(64, 36)]
    session = make_session(picture=lambda: pictures[-1])
    page = open_panel(session.server.url)
    picture = page.locator("#picture")
    expect(picture).to_be_visible()
    expect(picture).to_have_js_property("naturalWidth", 64)
    pictures.append(_png(96, 54))  # the stage renders a new view; within about a second...
    expect(picture).to_have_js_property("naturalWidth", 96, timeout=3000)
    expect(page.locator("#no-picture")).to_be_hidden()


def test_at_phone_width(session, open_panel):
    page = open_panel(
        session.server.url, viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True
    )
    _start(session, page)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    small = page.evaluate("""() => [...document.querySelectorAll('button, input, textarea')]
        .filter((el) => el.offsetParent !== null)
        .map((el) => [el.id || el.textContent.trim(), el.getBoundingClientRect()])
        .filter(([, r]) => r.height < 44 || r.width < 44)
        .map(([name, r]) => `${name} ${Math.round(r.width)}x${Math.round(r.height)}`)""")
    assert small == []
    page.tap("#btn-pause")
    _wait(session, lambda e: e.state.value == "paused")
    # A patient signal is seen wherever the page is scrolled to.
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    session.pump.call(lambda: session.engine.command("patient_signal", source="keys"))
    expect(page.locator("#signal-alert")).to_be_in_viewport()


def test_a_link_from_another_site_opens_the_panel(session, browser):
    """The clinic keeps the link on its intranet: a cross-site navigation with the token opens
    the panel, and the page's own connection works after it."""
    context = browser.new_context()
    try:
        context.route(
            "http://intranet.clinic.example/**",
            lambda route: route.fulfill(
                content_type="text/html",
                body=f'<a id="go" href="{session.server.url}">Today\'s session panel</a>',
            ),
        )
        page = context.new_page()
        page.goto("http://intranet.clinic.example/sessions")
        page.click("#go")
        expect(page.locator("#connection")).to_have_attribute("data-state", "connected")
        expect(page).to_have_url(f"{session.base}{session.server.page_path}")
        page.click("#btn-start")
        session.pump.wait_for(lambda e: e.state.value == "playing")
    finally:
        context.close()


def test_a_new_session_on_the_same_port_says_the_old_link_is_not_allowed(make_session, open_panel):
    first = make_session()
    page = open_panel(first.server.url)
    port = first.server.port
    first.pump.stop()
    first.server.stop()
    second = make_session(port=port)  # a new session: same address, a new token
    assert second.server.token != first.server.token
    expect(page.locator("#connection")).to_have_attribute("data-state", "refused")
    expect(page.locator("#connection-text")).to_contain_text("open the panel link again")
    page.goto(second.server.url)
    expect(page.locator("#connection")).to_have_attribute("data-state", "connected")


def test_without_the_token_the_page_says_what_to_do(session, browser):
    context = browser.new_context()
    try:
        page = context.new_page()
        response = page.goto(f"{session.base}/")
        assert response.status == 401
        expect(page.locator("body")).to_contain_text("needs its link with the token")
    finally:
        context.close()
