"""True times after a crash: heartbeats bound the stop time and the time played, the outage
is measured on the uptime clock, and a wall-clock jump is recorded but never moves the
session's clocks (the dose clock, the length)."""

from __future__ import annotations

from pathlib import Path

from record_sessions import open_session

from companion.record import RecordWriter, clocks, load_record, render_report, summarize

LONG_PAUSE_SCRIPT = """\
companion: 1
title: A long pause
safe_scene: haven
scenes:
  - id: settle
    environment: shoreline
    steps:
      - say: Settle in.
      - pause: 40s
      - pause: 80s
  - id: haven
    environment: haven
    then: hold
"""


def crash(writer: RecordWriter) -> None:
    """What SIGKILL leaves: no run_end, the lock dropped by the kernel."""
    writer._stop.set()
    writer._sink.close()
    writer.lock.release()


def test_a_kill_inside_a_long_pause_stops_within_a_heartbeat(tmp_path: Path) -> None:
    script = tmp_path / "pause.yaml"
    script.write_text(LONG_PAUSE_SCRIPT)
    session = open_session(script, tmp_path / "records", writer_clock=True)
    session.command("start")
    session.advance(110, frame_every=1)  # a frame a second: heartbeats every 15 s
    crash(session.writer)
    record = load_record(session.writer.folder)
    beats = record.of_kind("heartbeat")
    assert len(beats) >= 4 and all(b["boot"] == clocks.boot_id() for b in beats)
    # The last event other than heartbeats is the third step's start at 41 s or so; the
    # heartbeats carry the stop to within 15 s of 110 s (it was 41 s without them).
    others = [e for e in record.events if e["event"] != "heartbeat"]
    assert others[-1]["session_time"] < 50
    assert 110 - 15 <= record.length <= 110 and 110 - 15 <= record.play_time <= 110
    resumed = RecordWriter.resume(session.writer.folder, sync_interval=None)
    resumed.close("quit")
    gap = load_record(session.writer.folder).of_kind("gap")[-1]
    assert gap["stopped_at"] == record.length and gap["play_time"] == record.play_time
    # Measured on the uptime clock: the real time since the last heartbeat (milliseconds here).
    assert 0 <= gap["offline_seconds"] < 5 and gap["clock_note"] is None
    summary = summarize(load_record(session.writer.folder))
    (stop,) = summary.gaps
    assert stop.start == record.length and stop.end - stop.start < 5


def test_the_heartbeat_costs_a_line_per_interval(tmp_path: Path, script_path: Path) -> None:
    session = open_session(script_path, tmp_path / "records", writer_clock=True)
    session.command("start")
    session.command("pause")
    session.advance(600, frame_every=1)  # ten paused minutes: nothing else happens
    beats = session.writer.folder / "events.jsonl"
    count = sum(1 for line in beats.read_text().splitlines() if '"heartbeat"' in line)
    assert 38 <= count <= 41  # every 15 s


def test_a_wall_clock_jump_is_recorded_and_never_applied(tmp_path: Path, script_path: Path) -> None:
    wall = [1_795_680_000.0]
    clock: list = []
    session = open_session(
        script_path,
        tmp_path / "records",
        writer_clock=True,
        wall_clock=lambda: wall[0] + (clock[0].now() if clock else 0.0),
    )
    clock.append(session.clock)
    session.command("start")
    session.command("medicine", text="ketamine")
    session.advance(120, frame_every=1)
    wall[0] += 1e9  # 31 years ahead, as a broken clock or a bad NTP answer might
    session.advance(60, frame_every=1)
    session.command("note", text="after the jump")
    session.writer.close("quit")
    record = load_record(session.writer.folder)
    (jump,) = record.of_kind("clock_jump")
    assert abs(jump["by"] - 1e9) < 2
    note = record.of_kind("note")[0]
    start = record.of_kind("session_start")[0]
    assert abs(note["wall"] - start["wall"] - 180) < 2, "clock times follow the session"
    assert abs(record.length - 180) < 2
    summary = summarize(record)
    assert any("clock" in m.label and "changed" in m.label for m in summary.faults)
    html = render_report(record, "html")
    assert len(html) < 200_000


def test_after_a_reboot_an_impossible_outage_is_not_counted(
    tmp_path: Path, script_path: Path, monkeypatch
) -> None:
    session = open_session(script_path, tmp_path / "records")
    session.command("start")
    session.command("medicine", text="ketamine")
    session.advance(300)
    crash(session.writer)
    monkeypatch.setattr(clocks, "boot_id", lambda: "another-boot")
    now = load_record(session.writer.folder).last_wall + 1e9
    resumed = RecordWriter.resume(session.writer.folder, sync_interval=None, wall_clock=lambda: now)
    resumed.close("quit")
    record = load_record(session.writer.folder)
    gap = record.of_kind("gap")[-1]
    assert gap["offline_seconds"] is None and "clock was changed" in gap["clock_note"]
    assert gap["resumed_at"] == gap["stopped_at"]
    assert record.length < 400
    md = render_report(record, "md")
    assert "clock was changed" in md
