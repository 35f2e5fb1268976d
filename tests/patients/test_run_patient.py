"""`companion run SCRIPT --patient CODE`, a real process: the profile's substitutions listed
before the session starts, on the panel's state and in the record; display from the profile."""

from __future__ import annotations

import json
from pathlib import Path

from companion.patients import open_store
from tests.app.run_process import SHORT_SCRIPT, start

PROFILE = """\
avoid: {tags: [water]}
display: sound-only
notes: Prefers the lights low; a hand on the shoulder helps.
"""


def test_run_with_a_patient_fits_the_script(tmp_path: Path) -> None:
    script = tmp_path / "short.yaml"
    script.write_text(SHORT_SCRIPT)
    records = tmp_path / "records"
    store = open_store(records)
    store.save_profile("P-051", PROFILE)
    store.close()
    # no --display: the window would need a screen; the profile asks for sound only
    session = start([str(script), "--patient", "P-051"], tmp_path, record_dir=records)
    session.wait_for_panel()
    state = session.state()
    assert state["state"] == "ready"
    fitting = state["fitting"]
    texts = [s["text"] for s in fitting["substitutions"]]
    assert texts == [
        "scene 'arrive': shoreline -> meadow, avoids water",
        "scene 'arrive': waves -> wind, avoids water",
        "display: window -> none, the profile's sound-only",
    ]
    assert fitting["notes"].startswith("Prefers the lights low")
    output = "\n".join(session.lines)
    panel_line = next(i for i, line in enumerate(session.lines) if line.startswith("panel:"))
    listed = next(i for i, line in enumerate(session.lines) if "shoreline -> meadow" in line)
    assert listed < panel_line, output  # listed before the session can start
    assert "notes: Prefers the lights low" in output
    assert session.command("start")["ok"]
    session.wait_for(lambda s: s["environment"] == "meadow", what="the fitted environment")
    assert session.command("end")["ok"]
    assert session.finish() == 0, session.stderr_text()
    events = [json.loads(line) for line in (session.record() / "events.jsonl").open()]
    [fitted] = [e for e in events if e["event"] == "fitting"]
    assert fitted["patient"] == "P-051" and fitted["seq"] == 1
    assert [s["text"] for s in fitted["substitutions"]] == texts
    starts = [e["environment"] for e in events if e["event"] == "scene_start"]
    assert starts and "shoreline" not in starts


def test_a_script_that_cannot_be_fitted_does_not_start(tmp_path: Path) -> None:
    script = tmp_path / "short.yaml"
    script.write_text(SHORT_SCRIPT)
    records = tmp_path / "records"
    store = open_store(records)
    store.save_profile(
        "P-052",
        "avoid: {tags: [water, darkness], environments: [meadow, forest, haven]}\n",
    )
    store.close()
    session = start([str(script), "--patient", "P-052"], tmp_path, record_dir=records)
    assert session.finish(timeout=60) == 1
    assert session.process.stderr is not None
    error = session.process.stderr.read()
    assert "cannot fit the script to P-052: scene 'arrive': shoreline avoids water" in error
    assert "Traceback" not in error and not records.joinpath("x").exists()
    assert [p for p in records.iterdir() if p.is_dir()] == []


def test_a_resumed_session_is_fitted_again(tmp_path: Path) -> None:
    import signal

    script = tmp_path / "short.yaml"
    script.write_text(SHORT_SCRIPT)
    records = tmp_path / "records"
    store = open_store(records)
    store.save_profile("P-053", PROFILE)
    store.close()
    first = start([str(script), "--patient", "P-053", "--autostart"], tmp_path, record_dir=records)
    first.wait_for_panel()
    first.wait_for(lambda s: s["environment"] == "meadow", what="the fitted environment")
    folder = first.record()
    first.kill(signal.SIGTERM)  # ended cleanly and resumably
    resumed = start([str(folder)], tmp_path, command="resume", record_dir=records)
    resumed.wait_for_panel()
    state = resumed.wait_for(lambda s: s["environment"] is not None, what="the resumed scene")
    assert state["environment"] == "meadow" and state["fitting"]["patient"] == "P-053"
    assert "shoreline -> meadow, avoids water" in "\n".join(resumed.lines)
    assert resumed.command("end")["ok"]
    assert resumed.finish() == 0, resumed.stderr_text()
    events = [json.loads(line) for line in (folder / "events.jsonl").open()]
    kinds = [e["event"] for e in events]
    assert kinds.count("fitting") == 2 and kinds.index("gap") < len(kinds) - 1
    assert kinds.index("fitting", kinds.index("gap")) > kinds.index("gap")
