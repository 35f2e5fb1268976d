"""PHQ-9 and GAD-7: scored as published, asked item by item on the terminal, kept by code."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from companion.cli import main
from companion.patients import open_store
from companion.session.commands import Refused
from companion.session.ratings import INSTRUMENTS, mood_fields, questionnaire_fields, rating_fields


def test_scoring_and_bands() -> None:
    assert len(INSTRUMENTS["PHQ-9"].items) == 9 and len(INSTRUMENTS["GAD-7"].items) == 7
    assert questionnaire_fields("PHQ-9", [0] * 9)["severity"] == "minimal"
    phq = questionnaire_fields("PHQ-9", [3, 3, 3, 2, 2, 2, 2, 2, 1])
    assert phq["score"] == 20 and phq["severity"] == "severe" and "item 9" in phq["follow_up"]
    assert questionnaire_fields("GAD-7", [2, 2, 2, 1, 1, 1, 1])["severity"] == "moderate"
    assert questionnaire_fields("GAD-7", [1] * 7) == {
        "instrument": "GAD-7",
        "answers": [1] * 7,
        "score": 7,
        "severity": "mild",
    }
    for bad in ([0] * 8, [0] * 8 + [4], [0] * 8 + [True]):
        with pytest.raises(Refused):
            questionnaire_fields("PHQ-9", bad)
    with pytest.raises(Refused, match="from 0 to 10"):
        mood_fields("before", mood=11)
    with pytest.raises(Refused, match="a feeling is one of"):
        rating_fields("scene", "arrive", feeling="meh")
    assert rating_fields("music", "drift", resonance=7.0) == {
        "target": "music",
        "name": "drift",
        "resonance": 7,
    }


def test_questionnaire_from_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    records = tmp_path / "records"
    monkeypatch.setattr(sys, "stdin", io.StringIO("1\n2\nseven\n3\n0\n1\n1\n0\n"))
    assert main(["patients", "questionnaire", "P-071", "GAD-7", "--record-dir", str(records)]) == 0
    captured = capsys.readouterr()
    assert "Feeling nervous, anxious or on edge [0-3]" in captured.err
    assert "answer 0, 1, 2 or 3" in captured.err  # 'seven' asked again
    assert captured.out.startswith("P-071 GAD-7 8 (mild), ")
    args = ["patients", "questionnaire", "P-071", "PHQ-9", "--record-dir", str(records)]
    assert main([*args, "--answers", "0,0,0,0,0,0,0,0,1"]) == 0
    assert "follow up: item 9" in capsys.readouterr().out
    assert main([*args, "--answers", "0,0,0"]) == 2
    assert "PHQ-9 has 9 answers" in capsys.readouterr().err
    monkeypatch.setattr(sys, "stdin", io.StringIO("1\n"))  # ends early: nothing kept
    assert main(args) == 1
    store = open_store(records)
    assert [(q.instrument, q.score) for q in store.questionnaires("P-071")] == [
        ("GAD-7", 8),
        ("PHQ-9", 1),
    ]
    store.close()
