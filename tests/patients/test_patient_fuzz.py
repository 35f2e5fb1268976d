"""Damaged patient events (ratings, moods, questionnaires, the fitting) through the index and
`companion report --patient`: every field replaced by wrong types and strange numbers. Never a
traceback; the report is still made."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from patient_sessions import Played, rate, write_script

from companion.cli import main
from companion.patients.report import patient_report

BAD: list[object] = [None, "three", -1, 1e308, 10**400, True, [], {}, [1, "x"], "x" * 30_000]


@pytest.fixture(scope="module")
def record(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("fuzz")
    s = Played(write_script(root / "scripts"), root / "records", "P-091")
    s.writer.add(
        "fitting",
        session_time=0.0,
        play_time=0.0,
        patient="P-091",
        substitutions=[
            {
                "what": "environment",
                "old": "shoreline",
                "new": "meadow",
                "why": "avoids water",
                "scene": "arrive",
                "text": "t",
            }
        ],
        warnings=[],
        notes="n",
    )
    rate(s, "mood", when="before", mood=3, anxiety=6)
    s.command("start")
    s.play_to_end()
    rate(s, "rating", target="scene", item="arrive", feeling="uneasy", resonance=2)
    rate(s, "rating", target="music", item="drift", feeling="safe", resonance=9)
    rate(s, "questionnaire", instrument="GAD-7", answers=[1] * 7)
    rate(s, "mood", when="after", mood=7, anxiety=2)
    s.writer.close()
    return s.writer.folder


def test_damaged_patient_events_never_stop_the_report(
    record: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = (record / "events.jsonl").read_text().splitlines()
    kinds = ("fitting", "rating", "mood", "questionnaire")
    targets = [i for i, line in enumerate(lines) if json.loads(line)["event"] in kinds]
    assert len(targets) == 6
    runs = 0
    for index in targets:
        event = json.loads(lines[index])
        for name in [k for k in event if k not in ("seq", "event", "session_time", "wall")]:
            for bad in BAD:
                damaged = dict(event, **{name: bad})
                written = "\n".join(lines[:index] + [json.dumps(damaged)] + lines[index + 1 :])
                (record / "events.jsonl").write_text(written + "\n")
                for fmt in ("html", "md") if bad is None else ("html",):
                    text, message = patient_report("P-091", record.parent, fmt)
                    assert text is not None and "P-091" in text, (name, bad, message)
                runs += 1
    (record / "events.jsonl").write_text("\n".join(lines) + "\n")
    assert runs > 100
    assert main(["report", "--patient", "P-091", "--record-dir", str(record.parent)]) == 0
    assert "P-091" in capsys.readouterr().out
