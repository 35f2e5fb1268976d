"""The panel's speech badge names the voice that speaks (the published state's `voice`), in
real Chromium."""

from __future__ import annotations

from playwright.sync_api import expect

from companion.audio.voices import Speaker


def test_the_speech_badge_names_the_voice(session, open_panel):
    page = open_panel(session.server.url)
    neural = Speaker("neural", "en_US-joe-medium", "en-us").published()
    session.pump.call(lambda: setattr(session.health, "voice", neural))
    session.pump.call(
        lambda: session.health.report("speech", True, "narration ready: Joe (neural, en-us)")
    )
    badge = page.locator("#health [data-part=speech]")
    expect(badge).to_have_text("speech: working · Joe (neural, en-us)")
    fallback = Speaker(
        "espeak-ng", "gmw/en", "en", note="onnxruntime is missing; espeak-ng speaks instead"
    )
    session.pump.call(lambda: setattr(session.health, "voice", fallback.published()))
    session.pump.call(
        lambda: session.health.report("speech", True, "narration ready: gmw/en (espeak-ng, en)")
    )
    expect(badge).to_have_text("speech: working · gmw/en (espeak-ng, en)")
