"""The monitoring card (static/vitals.js) in Debian's Chromium through Playwright, against the
real server and a real Engine with the esketamine-nasal protocol on a VirtualClock (the pump
thread stands in for companion/app.py); and the same values through the HTTP API, as a
device bridge would send them."""

from __future__ import annotations

import re

from panel_harness import command, request
from playwright.sync_api import expect

from companion.protocols import resolve_protocol


def _clinic(session) -> None:
    session.pump.call(lambda: session.engine.use_protocol(resolve_protocol("esketamine-nasal")))


def _wait(session, check):
    return session.pump.wait_for(check)


def test_vitals_by_keyboard_with_a_clear_message_and_an_alert_until_acknowledged(
    session, open_panel
):
    _clinic(session)
    page = open_panel(session.server.url)
    expect(page.locator("#mon-protocol")).to_contain_text("Esketamine nasal spray (REMS shape)")
    expect(page.locator("#vitals-form")).to_be_hidden()  # the protocol's checkpoints instead
    page.click("#btn-start")
    _wait(session, lambda e: e.state.value == "playing")
    expect(page.locator("#mon-next")).to_have_text("Vitals due before the dose")

    page.locator("body").press("e")  # the shortcut: straight to the first field
    expect(page.locator("#v-systolic")).to_be_focused()
    page.keyboard.type("120")
    page.keyboard.press("Tab")
    page.keyboard.type("130")  # diastolic above systolic
    page.keyboard.press("Enter")
    expect(page.locator("#vitals-message")).to_have_text(
        "the diastolic pressure (130) is not below the systolic (120): "
        "are they the right way round?"
    )
    assert _wait(session, lambda e: True) and session.snapshot()["monitoring"]["checks"] == 0

    page.fill("#v-diastolic", "80")
    page.fill("#v-heart_rate", "72")
    page.fill("#v-spo2", "150")
    page.click("#btn-record-vitals")
    expect(page.locator("#vitals-message")).to_have_text("SpO2 is from 50 to 100 % (got 150)")
    page.fill("#v-spo2", "98")
    page.select_option("#v-sedation", "5")
    page.select_option("#v-dissociation", "none")
    page.click("#btn-record-vitals")
    expect(page.locator("#vitals-message")).to_have_text("Recorded.")
    expect(page.locator("#v-systolic")).to_have_value("")
    expect(page.locator("#vitals-last")).to_have_text(
        "Last, at 0:00: BP 120/80 · HR 72 · SpO2 98% · sedation 5 · dissociation none"
    )

    session.pump.advance(60)
    page.fill("#d-dose", "56")
    page.fill("#d-lot", "EK2291")
    expect(page.locator("#d-route")).to_have_value("intranasal")
    page.click("#btn-record-dose")
    _wait(session, lambda e: len(e.doses) == 1)
    assert session.snapshot()["monitoring"]["doses"][0] == {
        "session_time": 60.0,
        "text": "",
        "route": "intranasal",
        "dose": 56.0,
        "unit": "mg",
        "lot": "EK2291",
    }
    expect(page.locator("#mon-next")).to_have_text(
        re.compile(r"Vitals due at \+30:00, in 30:00 · pulse oximetry")
    )
    session.pump.advance(27 * 60 + 48)
    expect(page.locator("#mon-next")).to_have_text(
        re.compile(r"Vitals due at \+30:00, in 2:1[12] · pulse oximetry")
    )

    page.fill("#v-systolic", "186")
    page.fill("#v-diastolic", "100")
    page.fill("#v-spo2", "97")
    page.click("#btn-record-vitals")
    alert = page.locator(".mon-alert")
    expect(alert).to_have_count(1)
    expect(alert).to_contain_text("systolic blood pressure 186 mmHg (above 179)")
    banner = page.locator("#limits-alert")  # and at the top, with the other alerts
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("systolic blood pressure 186 mmHg (above 179)")
    session.pump.advance(60)
    expect(alert).to_have_count(1)  # it stays
    page.evaluate("window.scrollTo(0, 0)")
    page.click("#btn-limits-show")  # from the top: to the alert's Acknowledge
    expect(alert.get_by_role("button", name="Acknowledge")).to_be_focused()
    page.keyboard.press("Enter")
    _wait(session, lambda e: not e.monitoring.alerts)
    expect(page.locator(".mon-alert")).to_have_count(0)
    expect(banner).to_be_hidden()


def test_late_in_amber_and_ready_to_leave_by_touch(session, open_panel):
    _clinic(session)
    page = open_panel(
        session.server.url, viewport={"width": 820, "height": 1180}, has_touch=True, is_mobile=True
    )  # a tablet, held upright
    page.tap("#btn-start")
    _wait(session, lambda e: e.state.value == "playing")
    assert command(session, "medicine", dose=56).json()["ok"]
    session.pump.advance(36 * 60)  # +30:00 was due; its window closed at +35:00
    line = page.locator("#mon-next")
    expect(line).to_have_attribute("data-status", "late")
    expect(line).to_have_text(re.compile(r"Vitals late: due at \+30:00, 6:0\d ago"))
    colour = line.evaluate("el => getComputedStyle(el).color")
    amber = page.locator("body").evaluate(
        "el => { const p = document.createElement('p'); p.style.color = "
        "getComputedStyle(document.documentElement).getPropertyValue('--attention'); "
        "document.body.append(p); const c = getComputedStyle(p).color; p.remove(); return c; }"
    )
    assert colour == amber
    for selector in ("#v-systolic", "#v-spo2", "#btn-record-vitals", "#btn-ready"):
        box = page.locator(selector).bounding_box()
        assert box["height"] >= 44, (selector, box)  # a finger's size
    assert page.locator("#v-systolic").get_attribute("inputmode") == "numeric"

    expect(page.locator("#btn-ready")).to_be_disabled()
    expect(page.locator("#ready-status")).to_contain_text("Not yet: the minimum observation")
    session.pump.advance(85 * 60)  # two hours after the dose
    page.locator("#v-systolic").tap()
    page.fill("#v-systolic", "124")
    page.fill("#v-diastolic", "80")
    page.fill("#v-heart_rate", "70")
    page.fill("#v-spo2", "98")
    page.fill("#v-respiratory_rate", "14")
    page.select_option("#v-sedation", "5")
    page.select_option("#v-dissociation", "none")
    page.tap("#btn-record-vitals")
    expect(page.locator("#btn-ready")).to_be_enabled()
    page.tap("#btn-ready")
    _wait(session, lambda e: e.monitoring.ready_at is not None)
    expect(page.locator("#ready-status")).to_have_text("Ready to leave recorded at +2:01:00.")
    expect(page.locator("#btn-ready")).to_be_disabled()


def test_the_http_api_takes_vitals_and_shows_them_in_the_state(session):
    _clinic(session)
    assert command(session, "start").json()["ok"]
    reply = command(session, "vitals", systolic=128, diastolic=82, heart_rate=76, spo2=98)
    assert reply.status == 200 and reply.json()["ok"]
    refused = command(session, "vitals", spo2=150)
    assert refused.json()["reason"] == "SpO2 is from 50 to 100 % (got 150)"
    state = request(session.server.port, "GET", "/api/state", token=session.server.token).json()
    monitoring = state["monitoring"]
    assert monitoring["latest"]["systolic"] == 128 and monitoring["checks"] == 1
    assert monitoring["protocol"]["limits"]["spo2"] == {"min": 92.0, "max": None}
    assert monitoring["checkpoints"][0]["status"] == "met"
