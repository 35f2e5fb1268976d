"""`companion resume` keeps the protocol, the doses and the checkpoints (the engine and the
record through the real writer, as the app restores them)."""

from __future__ import annotations

from pathlib import Path

from companion.protocols import from_definition
from companion.record import RecordWriter, load_record
from companion.record.resume import resume_point
from companion.script import load_script
from companion.session.clock import VirtualClock
from companion.session.engine import Engine
from companion.session.health import HealthBoard
from tests.clinic.clinical_sessions import DOSE_AT, ClinicalSession, open_clinical, play


def test_resume_keeps_the_protocol_the_doses_and_the_checkpoints(tmp_path: Path):
    session = open_clinical(tmp_path)
    play(session, until_minutes=70)  # the +60 check was taken late, +40 raised an alert
    before = session.engine.snapshot()["monitoring"]
    session.writer.close("quit")

    folder = session.writer.folder
    point = resume_point(load_record(folder))
    assert point.resumable and point.protocol["name"] == "esketamine-nasal"
    assert point.doses == [
        {
            "session_time": DOSE_AT,
            "text": "",
            "route": "intranasal",
            "dose": 56.0,
            "unit": "mg",
            "lot": "EK2291",
        }
    ]
    loaded = load_script(tmp_path / "clinic-session.yaml")
    clock = VirtualClock()
    engine = Engine(loaded.script, clock, protocol=from_definition(point.protocol))
    writer = RecordWriter.resume(
        folder,
        resume_at={"scene": point.scene, "step": point.step},
        report=HealthBoard(engine).report,
    )
    offset = writer.session_offset
    for kind, event, at in point.monitoring:  # as SessionApp._continue_from_record does
        engine.monitoring.replay(kind, event, at - offset)
    for name, args in point.commands():
        assert engine.command(name, source="resume", **args).ok
    engine.restore_dose_clock(
        [{**d, "session_time": d["session_time"] - offset} for d in point.doses],
        point.vitals_checks,
    )
    resumed = ClinicalSession(engine, clock, writer)
    resumed.frame()
    after = engine.snapshot()["monitoring"]
    assert [(c["clock"], c["status"]) for c in after["checkpoints"]] == [
        (c["clock"], c["status"]) for c in before["checkpoints"]
    ]
    assert after["doses"][0]["lot"] == "EK2291" and after["checks"] == before["checks"] == 7
    assert after["latest"]["systolic"] == before["latest"]["systolic"]
    assert after["alerts"] == [] and after["protocol"]["name"] == "esketamine-nasal"
    # the clock goes on: +90 comes due 85 minutes after the dose, on the record's time
    resumed.advance_to(DOSE_AT + 85 * 60 - offset)
    assert [
        c["status"]
        for c in engine.snapshot()["monitoring"]["checkpoints"]
        if c["clock"] == "+90:00"
    ] == ["due"]
    writer.close()
    statuses = [e["status"] for e in load_record(folder).of_kind("checkpoint")]
    assert statuses.count("due") == 5  # pre-dose, +30, +40, +60, +90: none twice


def test_resume_refuses_another_protocol_and_keeps_the_same_one(tmp_path: Path):
    """`--protocol` on resume must not replace the record's protocol (its checkpoints would
    start again and the checks taken be marked missed): another one is refused at start-up,
    naming both; the same one goes on as the record kept it."""
    import subprocess
    import sys

    from companion import session_record
    from companion.app import RunOptions, SessionApp
    from companion.protocols import resolve_protocol

    session = open_clinical(tmp_path)
    play(session, until_minutes=20)
    session.writer.close("quit")
    folder = session.writer.folder
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "companion",
            "resume",
            str(folder),
            "--display",
            "none",
            "--no-qr",
            "--panel-port",
            "0",
            "--protocol",
            "ketamine-im",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert done.returncode != 0, done.stdout
    assert (
        "--protocol 'ketamine-im' is not the protocol this session was recorded with "
        "('esketamine-nasal')" in done.stderr
    ), done.stderr
    assert "Traceback" not in done.stderr
    assert [e["event"] for e in load_record(folder).events].count("gap") == 0  # nothing written

    point = resume_point(load_record(folder))
    script = load_script(tmp_path / "clinic-session.yaml").script
    same = SessionApp(
        script,
        tmp_path / "clinic-session.yaml",
        RunOptions(
            resume=folder, resume_point=point, protocol=resolve_protocol("esketamine-nasal")
        ),
    )
    assert session_record.protocol_for(same).name == "esketamine-nasal"
