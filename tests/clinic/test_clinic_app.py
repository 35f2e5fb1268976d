"""A real `companion run --protocol` (sound to SDL's disk driver, no display), driven through
its HTTP API as a device bridge would, killed with SIGKILL, and `companion resume` goes on
with the protocol, the dose and the checkpoints, with no --protocol given again."""

from __future__ import annotations

import signal
import subprocess
import sys

from companion.record.reader import load_record
from tests.app.run_process import start

SCRIPT = """\
companion: 1
title: Monitored session
scenes:
  - id: rest
    environment: shoreline
    then: hold
    steps:
      - pause: 2s
"""


def test_run_with_a_protocol_then_kill_and_resume_keeps_it(tmp_path):
    script = tmp_path / "s.yaml"
    script.write_text(SCRIPT, encoding="utf-8")
    run = start(
        [
            str(script),
            "--display",
            "none",
            "--autostart",
            "--protocol",
            "esketamine-nasal",
            "--clinician",
            "A.B.",
        ],
        tmp_path,
    )
    run.wait_for_panel()
    state = run.wait_for(lambda s: s["state"] in ("playing", "holding"), what="the start")
    assert state["monitoring"]["protocol"]["name"] == "esketamine-nasal"
    assert run.command(
        "vitals",
        systolic=124,
        diastolic=78,
        heart_rate=72,
        spo2=98,
        sedation=5,
        dissociation="none",
    )["ok"]
    assert run.command("medicine", dose=56, lot="EK2291")["ok"]
    refused = run.command("vitals", systolic=120, diastolic=130)
    assert not refused["ok"] and "are they the right way round?" in refused["reason"]
    assert run.command("vitals", systolic=190, diastolic=100)["ok"]
    state = run.wait_for(lambda s: s["monitoring"]["alerts"], what="the alert")
    assert state["monitoring"]["checkpoints"][0]["status"] == "met"
    assert state["monitoring"]["doses"][0]["lot"] == "EK2291"
    run.kill(signal.SIGKILL)

    folder = run.record()
    resumed = start([str(folder), "--display", "none"], tmp_path, command="resume")
    resumed.wait_for_panel()
    state = resumed.wait_for(lambda s: s["state"] in ("playing", "holding"), what="the resume")
    monitoring = state["monitoring"]
    assert monitoring["protocol"]["name"] == "esketamine-nasal"
    assert [d["dose"] for d in monitoring["doses"]] == [56.0]
    assert monitoring["checkpoints"][0]["status"] == "met" and monitoring["checks"] == 2
    assert len(monitoring["alerts"]) == 1  # still not acknowledged
    assert resumed.command("ack_alert")["ok"]
    assert resumed.command("end")["ok"]
    assert resumed.finish() == 0
    record = load_record(folder)
    assert [e["name"] for e in record.of_kind("protocol")] == ["esketamine-nasal"] * 2
    assert len(record.of_kind("vitals")) == 2 and record.of_kind("alert_ack")


def test_an_unknown_protocol_stops_run_with_its_finding(tmp_path):
    script = tmp_path / "s.yaml"
    script.write_text(SCRIPT, encoding="utf-8")
    bad = tmp_path / "ours.yaml"
    bad.write_text(
        "protocol: 1\nname: ours\nroute: iv\nobservation: 60\n"
        "checkpoints:\n  - name: soon\n    at: -5\n",
        encoding="utf-8",
    )
    for protocol, expected in (
        ("esketamine", "did you mean 'esketamine-nasal'"),
        (str(bad), f"{bad}:7:9: error: 'at' is a number of minutes"),
    ):
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "companion",
                "run",
                str(script),
                "--display",
                "none",
                "--protocol",
                protocol,
            ],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=tmp_path,
        )
        assert done.returncode == 1 and expected in done.stderr, done.stderr
