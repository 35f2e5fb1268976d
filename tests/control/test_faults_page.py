"""What the panel page shows when something goes wrong (Debian's Chromium through Playwright,
the real server, a real Engine on a VirtualClock; the pump stands in for companion/app.py):

- a part that is not working: a red, steady warning in the top bar, naming the part and why.
  The record's case is real: a RecordWriter writing to /dev/full gets ENOSPC from the kernel
  and reports it the way companion/app.py wires it (writer report -> the app's HealthBoard.report);
- a dropped connection: while it is down the page says so and that the session goes on; when it
  is back, how long it was gone, what changed in the session meanwhile, and what became of the
  commands pressed in between.
"""

from __future__ import annotations

import errno
import os
import re
from pathlib import Path

from playwright.sync_api import Page, expect

from companion.record.sink import FileSink
from companion.record.writer import RecordWriter

RED = re.compile(r"rgb\((\d+), (\d+), (\d+)\)")


class DiskThatFills(FileSink):
    """The record's real file, until `full` is set: then every write goes to /dev/full, where
    the kernel refuses it with ENOSPC (no space left on device), as a full disk does."""

    full = False

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self._dev_full = os.open("/dev/full", os.O_WRONLY)

    def write(self, data: bytes | memoryview) -> int:
        if DiskThatFills.full:
            return os.write(self._dev_full, data)
        return super().write(data)

    def close(self) -> None:
        os.close(self._dev_full)
        super().close()


def _reddish(colour: str) -> bool:
    found = RED.match(colour)
    assert found, colour
    r, g, b = (int(x) for x in found.groups())
    return r > g + 30 and r > b + 30


def _start(session, page: Page) -> None:
    page.click("#btn-start")
    session.pump.wait_for(lambda e: e.state.value == "playing")


def test_a_full_disk_under_the_record_shows_a_red_steady_warning(session, open_panel, tmp_path):
    page = open_panel(session.server.url)
    _start(session, page)
    alert = page.locator("#health-alert")
    expect(alert).to_be_hidden()

    def report(part: str, ok: bool, message: str) -> None:  # the app's wiring, on its thread
        session.health.report(part, ok, message)

    DiskThatFills.full = False
    writer = session.pump.call(
        lambda: RecordWriter(
            tmp_path / "record",
            report=report,
            open_sink=DiskThatFills,
            retry_interval=0.05,
            sync_interval=None,
        )
    )
    try:
        session.pump.call(lambda: writer.add("note", text="before the disk filled"))
        DiskThatFills.full = True
        session.pump.call(lambda: writer.add("note", text="while the disk is full"))
        assert not writer.ok

        expect(alert).to_be_visible()
        expect(page.locator("#health-alert-title")).to_have_text("Session record is not working")
        problem = page.locator("#health-problems [data-part=record]")
        expect(problem).to_contain_text("Session record")
        expect(problem).to_contain_text(os.strerror(errno.ENOSPC))  # "No space left on device"
        expect(page.locator("#health [data-part=record]")).to_have_attribute("data-ok", "false")
        # Red, and calm: no animation, not blinking, in the top bar that stays in view.
        assert _reddish(alert.evaluate("e => getComputedStyle(e).borderTopColor"))
        assert _reddish(
            page.locator("#health [data-part=record]").evaluate(
                "e => getComputedStyle(e).borderTopColor"
            )
        )
        assert alert.evaluate("e => getComputedStyle(e).animationName") == "none"
        page.mouse.wheel(0, 3000)
        assert page.locator("#health-alert").bounding_box()["y"] < 200  # still on screen

        # Sound, speech and display fail too: every one listed, and named plainly.
        for part, message in (
            ("sound", "no sound device: running silently"),
            ("speech", "no speech engine: captions only"),
            ("display", "could not show meadow: shader error"),
        ):
            session.pump.call(lambda p=part, m=message: session.health.report(p, False, m))
        expect(page.locator("#health-alert-title")).to_have_text("4 parts are not working")
        expect(page.locator("#health-problems li")).to_have_count(4)
        for name, label in (("sound", "Sound"), ("speech", "Speech"), ("display", "Display")):
            expect(page.locator(f"#health-problems [data-part={name}]")).to_contain_text(label)
            expect(page.locator(f"#health [data-part={name}]")).to_have_attribute(
                "data-ok", "false"
            )

        # The disk has room again: the writer catches up, the page says so once.
        for part in ("sound", "speech", "display"):
            session.pump.call(lambda p=part: session.health.report(p, True, "working"))
        DiskThatFills.full = False
        session.pump.wait_for(
            lambda e: (writer.write_events([]), session.health.parts["record"]["ok"])[1]
        )
        expect(alert).to_be_hidden()
        expect(page.locator("#message")).to_contain_text("Session record works again")
        expect(page.locator("#health [data-part=record]")).to_have_attribute("data-ok", "true")
    finally:
        session.pump.call(lambda: writer.close("test over"))
    lines = (tmp_path / "record" / "events.jsonl").read_text().splitlines()
    assert any("before the disk filled" in line for line in lines)
    assert any("while the disk is full" in line for line in lines)  # held, then written


def test_the_record_retrying_while_full_keeps_the_warning_steady(session, open_panel, tmp_path):
    """The writer tries again every retry_interval and fails again: the warning must not
    flicker off and on with each try."""
    page = open_panel(session.server.url)
    _start(session, page)

    def report(part: str, ok: bool, message: str) -> None:
        session.health.report(part, ok, message)

    DiskThatFills.full = True
    writer = session.pump.call(
        lambda: RecordWriter(
            tmp_path / "record",
            report=report,
            open_sink=DiskThatFills,
            retry_interval=0.02,
            sync_interval=None,
        )
    )
    try:
        session.pump.call(lambda: writer.add("note", text="x"))
        expect(page.locator("#health-alert")).to_be_visible()
        revision = session.pump.call(lambda: session.engine.revision)
        for _ in range(10):
            session.pump.call(lambda: writer.write_events([]))  # retries, each failing
            page.wait_for_timeout(30)
        assert session.pump.call(lambda: session.engine.revision) == revision  # no re-report
        expect(page.locator("#health-alert")).to_be_visible()
    finally:
        DiskThatFills.full = False
        session.pump.call(lambda: writer.close("test over"))


def test_after_a_dropped_connection_the_page_says_what_happened(session, open_panel, make_proxy):
    proxy = make_proxy(session.server.port)
    page = open_panel(f"http://127.0.0.1:{proxy.port}/?token={session.server.token}")
    _start(session, page)
    away = page.locator("#away")
    expect(away).to_be_hidden()

    proxy.down.set()  # the tablet's Wi-Fi drops
    proxy.cut()
    expect(page.locator("#connection")).to_have_attribute("data-state", "reconnecting")
    expect(away).to_be_visible()
    expect(page.locator("#away-title")).to_contain_text("Connection lost at")
    expect(away).to_contain_text("The session goes on by itself")
    expect(page.locator("#btn-away-ok")).to_be_hidden()

    # The session goes on: time passes, another panel pauses and adds notes, the record fails.
    page.click("#btn-talk")  # pressed while the line is down: sent when it is back
    session.pump.advance(40)
    for text in ("settled", "eyes closed"):
        session.pump.call(lambda t=text: session.engine.command("note", source="other", text=t))
    session.pump.call(
        lambda: session.engine.command("volume", source="other", bus="music", level=0.3)
    )
    session.pump.call(lambda: session.health.report("record", False, "disk full"))
    session.pump.call(lambda: session.engine.command("pause", source="other"))
    assert session.pump.count("talk") == 0  # the page really was cut off

    proxy.down.clear()
    expect(page.locator("#connection")).to_have_attribute("data-state", "connected")
    expect(page.locator("#away-title")).to_contain_text(re.compile(r"Connection back after \d+ s"))
    items = page.locator("#away-list li")
    expect(items.filter(has_text="The session is paused (was playing)")).to_have_count(1)
    expect(items.filter(has_text="2 notes added")).to_have_count(1)
    expect(items.filter(has_text="Music volume")).to_contain_text("→ 30%")
    expect(items.filter(has_text="Session record: NOT working (disk full)")).to_have_count(1)
    expect(items.filter(has_text=re.compile(r"Session time 0:0\d → 0:4\d"))).to_have_count(1)
    expect(page.locator("#away-list [data-resent]")).to_have_text(
        re.compile(r"^Talk \(pressed at [0-9: APM]+\): applied$")
    )
    session.pump.wait_for(lambda e: e.talking)
    assert session.pump.count("talk") == 1
    expect(page.locator("#health-alert")).to_be_visible()  # and the red warning is up too

    # It stays until read.
    page.wait_for_timeout(300)
    expect(away).to_be_visible()
    page.click("#btn-away-ok")
    expect(away).to_be_hidden()


def test_a_blink_of_a_reconnect_says_nothing(session, open_panel, make_proxy):
    proxy = make_proxy(session.server.port)
    page = open_panel(f"http://127.0.0.1:{proxy.port}/?token={session.server.token}")
    _start(session, page)
    proxy.cut()  # back at once (the page retries after 250 ms), nothing changed meanwhile
    expect(page.locator("#connection")).to_have_attribute("data-state", "reconnecting")
    expect(page.locator("#connection")).to_have_attribute("data-state", "connected")
    page.wait_for_timeout(300)
    expect(page.locator("#away")).to_be_hidden()


def test_a_command_applied_before_the_drop_is_reported_as_not_applied_again(
    session, open_panel, make_proxy
):
    proxy = make_proxy(session.server.port)
    page = open_panel(f"http://127.0.0.1:{proxy.port}/?token={session.server.token}")
    _start(session, page)
    session.pump.held.set()  # the app loop is busy: "next step" waits in the queue
    page.click("#btn-next-step")
    expect(page.locator("#connection-text")).to_contain_text("sending 1")
    proxy.down.set()
    proxy.cut()
    session.pump.held.clear()  # applied now, but its result cannot reach the page
    session.pump.wait_for(lambda e: e.position.step_index == 1)
    expect(page.locator("#away")).to_be_visible()
    proxy.down.clear()
    expect(page.locator("#away-list [data-resent]")).to_have_text(
        re.compile(r"^Next step \(pressed at .+\): had already been applied, not again$")
    )
    expect(page.locator("#away-list li").filter(has_text="Now at step 2")).to_have_count(1)
    assert session.pump.count("next_step") == 1
