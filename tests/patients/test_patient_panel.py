"""The patient's card (static/patients.js) in Debian's Chromium through Playwright, against the
real panel server and a real Engine on a virtual clock: the profile's notes and changes at
the start, ratings of what was played, mood before and after, and a PHQ-9, all as events."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from companion.session.ratings import INSTRUMENTS

FITTING = {
    "patient": "P-081",
    "substitutions": [
        {
            "what": "environment",
            "old": "shoreline",
            "new": "meadow",
            "why": "avoids water",
            "scene": "arrive",
            "text": "scene 'arrive': shoreline -> meadow, avoids water",
        }
    ],
    "warnings": [],
    "notes": "Startles at sudden sounds.\nA hand on the shoulder helps.",
}


def _events(session: Any, kind: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = session.pump.call(
        lambda: [e.to_json() for e in session.pump.events if e.to_json()["event"] == kind]
    )
    return found


def test_the_wording_is_the_engine_s() -> None:
    script = (
        Path(__file__).resolve().parents[2] / "companion/control/static/patients.js"
    ).read_text()
    for instrument in INSTRUMENTS.values():
        assert instrument.stem in script
        for item in instrument.items:
            assert f'"{item}"' in script, item
        for choice in instrument.choices:
            assert f'"{choice}"' in script


def test_notes_ratings_moods_and_a_questionnaire(panel_session: Any, browser: Any) -> None:
    session = panel_session
    session.extra["fitting"] = FITTING
    context = browser.new_context()
    page = context.new_page()
    page.goto(session.server.url)
    expect(page.locator("#connection")).to_have_attribute("data-state", "connected")
    # at the start: the profile's notes and what it changed
    expect(page.locator("#pt-code")).to_have_text("Profile of P-081: 1 change(s) to this script")
    expect(page.locator("#pt-notes")).to_have_text(
        "Startles at sudden sounds.\nA hand on the shoulder helps."
    )
    expect(page.locator("#pt-changes li")).to_have_text(
        ["scene 'arrive': shoreline -> meadow, avoids water"]
    )

    page.select_option("#pt-before-mood", "4")
    page.select_option("#pt-before-anxiety", "7")
    page.click("#pt-before-save")
    expect(page.locator("#pt-message")).to_have_text("Mood and anxiety before recorded.")

    page.click("#btn-start")
    session.pump.wait_for(lambda e: e.state.value == "playing")
    rows = page.locator(".pt-rating")
    expect(rows).to_have_count(2)  # the scene reached and the music heard
    expect(rows.nth(0).locator(".pt-label")).to_have_text("Arriving (shoreline)")
    expect(rows.nth(1).locator(".pt-label")).to_have_text("music: drift")
    rows.nth(0).get_by_role("button", name="uneasy").click()
    rows.nth(0).locator(".pt-resonance").select_option("3")
    rows.nth(1).get_by_role("button", name="pleasant").click()
    rows.nth(1).get_by_role("button", name="safe").click()  # changed her mind: one feeling
    rows.nth(1).locator(".pt-resonance").select_option("9")
    page.click("#pt-ratings-save")
    expect(page.locator("#pt-message")).to_have_text("2 rating(s) recorded.")

    page.get_by_role("button", name="PHQ-9").click()
    items = page.locator(".pt-item")
    expect(items).to_have_count(9)
    for i in range(8):
        items.nth(i).get_by_label("Several days").check()
    page.get_by_role("button", name="Record PHQ-9").click()
    expect(page.locator("#pt-message")).to_have_text("Answer item 9 first.")
    items.nth(8).get_by_label("Not at all").check()
    page.get_by_role("button", name="Record PHQ-9").click()
    expect(page.locator("#pt-message")).to_have_text("PHQ-9 recorded: score 8.")
    page.get_by_role("button", name="PHQ-9").click()  # again, item 9 above 0: said at once
    for i in range(9):
        items.nth(i).get_by_label("Several days" if i == 8 else "Not at all").check()
    page.get_by_role("button", name="Record PHQ-9").click()
    expect(page.locator("#pt-message")).to_have_text(
        "PHQ-9 recorded: score 1. Item 9 (thoughts of death or self-harm) was answered above 0: "
        "follow up."
    )

    page.select_option("#pt-after-mood", "7")
    page.click("#pt-after-save")
    expect(page.locator("#pt-message")).to_have_text(re.compile("after recorded"))
    context.close()

    moods = [
        {k: e[k] for k in ("when", "mood", "anxiety") if k in e} for e in _events(session, "mood")
    ]
    assert moods == [{"when": "before", "mood": 4, "anxiety": 7}, {"when": "after", "mood": 7}]
    ratings = [
        {k: e.get(k) for k in ("target", "name", "feeling", "resonance", "environment")}
        for e in _events(session, "rating")
    ]
    assert ratings == [
        {
            "target": "scene",
            "name": "arrive",
            "feeling": "uneasy",
            "resonance": 3,
            "environment": "shoreline",
        },
        {
            "target": "music",
            "name": "drift",
            "feeling": "safe",
            "resonance": 9,
            "environment": None,
        },
    ]
    phq, again = _events(session, "questionnaire")
    assert (phq["instrument"], phq["score"], phq["severity"]) == ("PHQ-9", 8, "mild")
    assert phq["answers"] == [1] * 8 + [0] and "follow_up" not in phq
    assert again["score"] == 1 and again["follow_up"].startswith("item 9")
