"""Issue 21, the time after a session: a real `companion run` (the clinic's default, the
panel stays after the end) driven in Chromium. The session ends, the panel stays and says so,
a rating, the mood after, a vitals check and the closing entries are taken after the end, a
scene command is refused, "Close the session" (one click and its confirmation) ends the
program, and the record holds them all, closed as ended and not resumable."""

from __future__ import annotations

import json
import signal
import time

from playwright.sync_api import expect

from companion.record.reader import load_record
from companion.record.report_rows import session_facts
from companion.record.resume import resume_point
from companion.record.summary import summarize
from tests.app.run_process import start

SCRIPT = """\
companion: 1
title: After the end
safe_scene: calm
scenes:
  - id: arrive
    environment: shoreline
    music: drift
    transition: 1s
    steps:
      - pause: 4s
  - id: calm
    environment: haven
    transition: 1s
    duration: 2s
"""
SPEED = "20"  # the script's 6 s and its closing fade in well under 2 s


def test_the_panel_stays_after_the_end_until_closed(tmp_path, open_panel):
    path = tmp_path / "session.yaml"
    path.write_text(SCRIPT)
    run = start(
        [str(path), "--display", "none", "--autostart", "--speed", SPEED, "--after-end", "stay"],
        tmp_path,
    )
    try:
        run.wait_for_panel()
        page = open_panel(f"{run.base_url}/?token={run.token}")
        run.wait_for(lambda s: s["state"] == "ended", what="the end")
        card = page.locator("#after-end")
        expect(card).to_be_visible()
        expect(card.locator("h2")).to_contain_text("The session ended at")
        # Past the old exit (the fade at this speed plus END_LINGER, 1 s): still here.
        page.wait_for_timeout(2500)
        assert run.process.poll() is None, "the program exited after the end"
        expect(page.locator("#connection")).to_have_attribute("data-state", "connected")

        rows = page.locator(".pt-rating")
        expect(rows.first).to_be_visible()
        rows.first.get_by_role("button", name="pleasant").click()
        rows.first.locator(".pt-resonance").select_option("8")
        page.click("#pt-ratings-save")
        expect(page.locator("#pt-message")).to_have_text("1 rating(s) recorded.")
        page.select_option("#pt-after-mood", "7")
        page.select_option("#pt-after-anxiety", "2")
        page.click("#pt-after-save")
        expect(page.locator("#pt-message")).to_have_text("Mood and anxiety after recorded.")

        for name, value in (("systolic", "124"), ("diastolic", "80"), ("heart_rate", "70")):
            page.fill(f"#v-{name}", value)
        page.fill("#v-spo2", "98")
        page.click("#btn-record-vitals")
        expect(page.locator("#vitals-message")).to_have_text("Recorded.")

        page.fill("#closing-adverse", "none")
        page.fill("#closing-outcome", "settled, oriented")
        page.click("#btn-closing")

        refused = run.command("goto", scene="arrive")
        assert not refused["ok"]
        assert "'goto' is not taken after the end" in refused["reason"], refused

        page.click("#btn-close-session")
        expect(page.locator("#confirm")).to_be_visible()
        closed_at = time.monotonic()
        page.click("#confirm-yes")
        assert run.finish(timeout=60) == 0, run.stderr_text()
        print(f"\nthe program exited {time.monotonic() - closed_at:.2f} s after the confirmation")
    finally:
        if run.process.poll() is None:
            run.kill()

    folder = run.record()
    rows = [json.loads(line) for line in (folder / "events.jsonl").read_text().splitlines()]
    kinds = [r["event"] for r in rows]
    end = kinds.index("end")
    for kind in ("rating", "mood", "vitals", "closing", "closed"):
        assert kind in kinds[end:], (kind, kinds[end:])
    assert kinds[-1] == "run_end" and rows[-1]["reason"] == "ended"
    (closed,) = [r for r in rows if r["event"] == "closed"]
    assert closed["after_end"] > 0
    goto = [r for r in rows if r["event"] == "command" and r["command"] == "goto"]
    assert goto and not goto[-1]["ok"]
    assert any("the session has ended" in line for line in run.lines), run.lines

    record = load_record(folder)
    assert record.ended and not resume_point(record).resumable
    status = [f for f in session_facts(summarize(record)) if f.label == "Status"][0]
    assert status.lead == "ended" and ", closed " in status.text, status.text
    assert "after the end" in status.text


def test_a_stop_after_the_end_closes_as_ended(tmp_path):
    """SIGTERM while the panel stays after the end: the record is closed as ended, exit 0."""
    path = tmp_path / "session.yaml"
    path.write_text(SCRIPT)
    run = start(
        [str(path), "--display", "none", "--autostart", "--speed", SPEED, "--after-end", "stay"],
        tmp_path,
    )
    try:
        run.wait_for_panel()
        state = run.wait_for(lambda s: s["state"] == "ended", what="the end")
        assert state["after_end"] == "stay"
        assert run.command("note", text="calm after the end")["ok"]
        run.kill(signal.SIGTERM)
        assert run.process.returncode == 0, run.stderr_text()
    finally:
        if run.process.poll() is None:
            run.kill()
    record = load_record(run.record())
    assert record.ended and not resume_point(record).resumable
    rows = [json.loads(line) for line in (run.record() / "events.jsonl").read_text().splitlines()]
    assert rows[-1]["event"] == "run_end" and rows[-1]["reason"] == "ended"
    assert "note" in [r["event"] for r in rows[[r["event"] for r in rows].index("end") :]]


def test_the_clinic_s_default_is_to_stay():
    from companion.cli import build_parser

    parser = build_parser()
    assert parser.parse_args(["run", "s.yaml"]).after_end == "stay"
    assert parser.parse_args(["run", "s.yaml", "--after-end", "close"]).after_end == "close"
