"""Resume: where a session that did not end goes on, a fresh engine put back there, and the
same record carried on past a gap marker."""

from __future__ import annotations

from pathlib import Path

import pytest
from record_sessions import NOTES, Session, open_session

from companion.record import (
    RecordError,
    RecordWriter,
    load_record,
    render_report,
    resume_point,
    summarize,
)
from companion.script import load_script
from companion.session.clock import VirtualClock
from companion.session.engine import Engine, State
from companion.session.health import HealthBoard


def fresh_engine(script_path: Path) -> tuple[Engine, VirtualClock]:
    loaded = load_script(script_path)
    assert loaded.script is not None
    clock = VirtualClock()
    return Engine(loaded.script, clock), clock


def restore(engine: Engine, commands: list) -> None:
    """As the app does it: `start_grounded` is an Engine method, the rest are commands."""
    for name, args in commands:
        if name == "start_grounded":
            result = engine.start_grounded(**args)
        else:
            result = engine.command(name, source="resume", **args)
        assert result.ok, (name, result.reason)


def test_the_resume_point_of_a_session_left_in_the_middle(
    quit_session: Session, script_path: Path
) -> None:
    point = resume_point(load_record(quit_session.writer.folder))
    engine = quit_session.engine
    assert point.resumable and point.why_not is None
    assert (
        (point.scene, point.step)
        == (engine.position.scene.id, engine.position.step_index)
        == ("journey", 1)
    )
    assert point.levels == {"music": 0.4} and point.intensity == 0.3 and point.captions is False
    assert point.vitals_minutes == 5.0 and not point.paused and point.grounded_from is None
    assert point.doses == [{"session_time": 30.0, "text": "ketamine 0.5 mg/kg IM"}]
    assert point.vitals_checks == engine.vitals_checks == 2 and point.vitals_due is None
    assert point.stopped_at == pytest.approx(engine.session_time)
    assert point.script_to_play() == (script_path.resolve(), None)

    new, _ = fresh_engine(script_path)
    restore(new, point.commands())
    assert (new.position.scene.id, new.position.step_index) == ("journey", 1)
    assert new.levels["music"] == 0.4 and new.intensity == 0.3 and new.captions is False
    assert new.vitals_minutes == 5.0 and new.state is State.PLAYING


def test_resuming_appends_to_the_same_record_after_a_gap(
    quit_session: Session, script_path: Path
) -> None:
    folder = quit_session.writer.folder
    before = load_record(folder)
    point = resume_point(before)
    engine, clock = fresh_engine(script_path)
    writer = RecordWriter.resume(
        folder,
        resume_at={"scene": point.scene, "step": point.step},
        display={"output": "window"},
        report=HealthBoard(engine).report,
    )
    restore(engine, point.commands())
    resumed = Session(engine, clock, writer)
    resumed.frame()
    resumed.advance(40 * 60, frame_every=60)
    resumed.command("continue")
    resumed.advance(20)
    resumed.command("note", text=NOTES[2])
    resumed.command("continue")
    resumed.advance(5 * 60, frame_every=30)
    assert engine.state is State.ENDED
    writer.close()

    record = load_record(folder)
    assert record.problems == [] and record.ended
    assert [e["seq"] for e in record.events] == list(range(len(record.events)))
    gap = record.of_kind("gap")[0]
    assert gap["stopped_at"] == before.length and gap["resume"] == {"scene": "journey", "step": 1}
    assert gap["display"] == {"output": "window"} and gap["versions"]["companion"]
    times = [e["session_time"] for e in record.events if e["event"] not in ("run_start",)]
    assert times == sorted(times)  # the record's clock goes on across the gap
    restart = record.events[record.events.index(gap) + 1 :]
    assert restart[0]["event"] == "command" and restart[0]["source"] == "resume"
    summary = summarize(record)
    assert [n.label for n in summary.notes] == list(NOTES)
    assert len(summary.gaps) == 1 and summary.gaps[0].start == before.length
    assert [s.scene for s in summary.scenes] == [
        "arrive",
        "journey",
        "haven",
        "journey",
        "journey",
        "return",
    ]
    assert summary.scenes[3].end == before.length and summary.scenes[4].start == gap["session_time"]
    assert 'class="gap"' in render_report(record, "html")
    assert not resume_point(record).resumable


def test_a_session_left_grounded_resumes_grounded_with_return_intact(
    script_path: Path, record_dir: Path
) -> None:
    session = open_session(script_path, record_dir)
    session.command("start")
    session.advance(200)  # into the journey scene, at its step 1
    session.command("ground")
    session.advance(5)
    session.writer.close("quit")
    point = resume_point(load_record(session.writer.folder))
    assert point.scene == "haven" and point.grounded_from == ("journey", 1)
    engine, _ = fresh_engine(script_path)
    restore(engine, point.commands())
    assert engine.position.scene.id == "haven" and engine.grounded is not None
    restore(engine, [("return", {})])
    assert (engine.position.scene.id, engine.position.step_index) == ("journey", 1)


def test_a_paused_session_resumes_paused(script_path: Path, record_dir: Path) -> None:
    session = open_session(script_path, record_dir)
    session.command("start")
    session.advance(10)
    session.command("pause")
    session.advance(60)
    session.writer.close("quit")
    point = resume_point(load_record(session.writer.folder))
    assert point.paused and point.commands()[-1] == ("pause", {})
    engine, _ = fresh_engine(script_path)
    restore(engine, point.commands())
    assert engine.state is State.PAUSED and engine.position.scene.id == "arrive"


def test_a_scene_holding_at_its_end_resumes_after_its_last_step(
    script_path: Path, record_dir: Path
) -> None:
    session = open_session(script_path, record_dir)
    session.command("start")
    session.command("goto", scene="journey")
    session.advance(41 * 60, frame_every=60)
    assert session.engine.hold_reason == "scene"
    session.writer.close("quit")
    point = resume_point(load_record(session.writer.folder))
    assert (point.scene, point.step, point.hold) == ("journey", 4, "scene")
    engine, clock = fresh_engine(script_path)
    restore(engine, point.commands())
    clock.advance(40 * 60)  # it rests out the scene's duration once more, then holds again
    engine.tick()
    assert engine.state is State.HOLDING and engine.hold_reason == "scene"


def test_an_ended_or_unstarted_session_cannot_be_resumed(
    ended_session: Session, script_path: Path, record_dir: Path
) -> None:
    point = resume_point(load_record(ended_session.writer.folder))
    assert not point.resumable and point.why_not == "the session ended" and point.commands() == []
    with pytest.raises(RecordError, match="ended"):
        RecordWriter.resume(ended_session.writer.folder)
    never = open_session(script_path, record_dir)
    never.writer.close("quit")
    point = resume_point(load_record(never.writer.folder))
    assert not point.resumable and "never started" in point.why_not


def test_a_changed_or_missing_script_resumes_from_the_records_copy(
    quit_session: Session, script_path: Path
) -> None:
    script_path.write_text(script_path.read_text() + "# edited after the session\n")
    point = resume_point(load_record(quit_session.writer.folder))
    path, warning = point.script_to_play()
    assert path == quit_session.writer.folder / "script.yaml" and "changed" in warning
    script_path.unlink()
    path, warning = point.script_to_play()
    assert path == quit_session.writer.folder / "script.yaml" and "is gone" in warning
    assert load_script(path).ok


HAVEN_SCRIPT = """\
companion: 1
title: Grounded resume
safe_scene: haven
scenes:
  - id: journey
    environment: night-sky
    steps:
      - pause: 60s
      - show: Notice what is here.
        for: 20s
      - pause: 60s
  - id: haven
    environment: haven
    then: hold
    steps:
      - say: You are safe.
      - pause: 20s
      - say: I am with you.
      - pause: 60s
"""


def test_a_grounded_resume_goes_on_at_the_exact_step_of_the_safe_scene(tmp_path: Path) -> None:
    script = tmp_path / "haven.yaml"
    script.write_text(HAVEN_SCRIPT)
    session = open_session(script, tmp_path / "records", writer_clock=True)
    session.command("start")
    session.advance(70)  # the journey's step 2 (the text)
    session.command("ground")
    session.advance(40, frame_every=1)  # into the haven's step 4 (the long pause)
    assert session.engine.position.step_index == 3
    session.writer.close("quit")
    record = load_record(session.writer.folder)
    point = resume_point(record)
    assert (point.scene, point.step, point.grounded_from) == ("haven", 3, ("journey", 1))
    engine, clock = fresh_engine(script)
    writer = RecordWriter.resume(session.writer.folder, sync_interval=None)
    restore(engine, point.commands())
    writer.write_events(engine.take_events())
    assert (engine.position.scene.id, engine.position.step_index) == ("haven", 3)
    assert engine.grounded is not None and engine.play_time == 0.0
    clock.advance(61)
    engine.tick()
    assert engine.hold_reason == "ground", "the haven plays on to its hold, not from its start"
    assert engine.command("return", source="panel").ok
    assert (engine.position.scene.id, engine.position.step_index) == ("journey", 1)
    writer.write_events(engine.take_events())
    writer.close("quit")
    after = load_record(session.writer.folder)
    events = after.events
    gap = next(i for i, e in enumerate(events) if e["event"] == "gap")
    scenes = [e["scene"] for e in events[gap:] if e["event"] == "scene_start"]
    assert scenes == ["haven", "journey"], "no visit to the journey before the haven"
    steps = [e["step"] for e in events[gap:] if e["event"] == "step_start"]
    assert steps[0] == 3
    summary = summarize(after)
    assert all(span.length > 0 for span in summary.scenes[:-1]), (
        summary.scenes
    )  # the last: closed at once
    assert summary.gaps[0].start == 110.0
    assert [m.kind for m in summary.marks].count("ground") == 1
    assert "grounded from journey (step 2)" in [m.label for m in summary.marks]
    assert resume_point(after).grounded_from is None


def test_the_panel_says_the_time_away_the_record_measured(
    script_path: Path, record_dir: Path, tmp_path: Path
) -> None:
    """The panel's "Resumed after a gap of …" is the record's gap (`offline_seconds`, on the
    uptime clock), not a second measure from the wall clock: here the computer's clock was set
    an hour on after the record stopped, which must not show as an hour away."""
    import asyncio
    import json
    import signal
    import threading
    import time

    import aiohttp

    from tests.app.run_process import start

    hour_ago = time.time() - 3600  # the record's clock times: an hour behind the clock now
    session = open_session(script_path, record_dir, writer_clock=True, wall_clock=lambda: hour_ago)
    session.command("start")
    session.advance(30)
    session.writer.close("quit")
    folder = session.writer.folder

    resumed = start(
        [str(folder), "--display", "none"], tmp_path, command="resume", record_dir=record_dir
    )

    async def hello() -> dict:
        async with (
            aiohttp.ClientSession() as client,
            client.ws_connect(
                f"{resumed.base_url}/ws", headers={"Authorization": f"Bearer {resumed.token}"}
            ) as ws,
        ):
            return json.loads((await ws.receive(timeout=10)).data)

    said: dict = {}
    # In a thread of its own: after a browser test, Playwright's loop runs in this one.
    reader = threading.Thread(target=lambda: said.update(asyncio.run(hello())))
    try:
        resumed.wait_for_panel()
        reader.start()
        reader.join(timeout=30)
    finally:
        resumed.kill(signal.SIGTERM)
    (gap,) = load_record(folder).of_kind("gap")
    assert gap["offline_seconds"] is not None and gap["offline_seconds"] < 60, gap
    assert said.get("type") == "hello" and said["resumed_after"] == gap["offline_seconds"], said


def test_a_resume_reads_the_record_once(quit_session: Session, monkeypatch) -> None:
    """`companion resume` reads the record under its lock for the resume point; the writer
    and the panel's continuity go on from that reading, not from more reads of a long file."""
    from companion.record import reader
    from companion.record.lock import RecordLock
    from companion.record.resume import panel_continuity

    folder = quit_session.writer.folder
    lock = RecordLock.acquire(folder, "resume")
    record = load_record(folder)

    def read_again(*_args, **_kwargs):
        raise AssertionError("the record was read again")

    monkeypatch.setattr(reader, "load_record", read_again)  # a spy: any further read fails
    writer = RecordWriter.resume(folder, lock=lock, loaded=record)
    try:
        assert writer.resumed_from is record
        assert [n["text"] for n in panel_continuity(writer.resumed_from).notes] == list(NOTES[:2])
    finally:
        writer.close("quit")
