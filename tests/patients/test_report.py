"""`companion report --patient CODE` from three fixture sessions played through the engine on
its virtual clock (ratings, moods and questionnaires as the panel sends them)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from patient_sessions import Played, rate, write_script

from companion.cli import main
from companion.patients import open_store
from companion.patients.questionnaire import take

PROFILE = "music: {avoid: [open-sky]}\nnotes: Likes the forest.\n"
PHQ = {
    1: [2, 2, 2, 1, 1, 2, 1, 0, 1],
    2: [1, 1, 2, 1, 1, 1, 1, 0, 0],
    3: [1, 0, 1, 1, 0, 0, 1, 0, 0],
}


def _session(script: Path, records: Path, number: int) -> None:
    s = Played(script, records, "P-061", f"2026-0{number}-10T10:00:00+01:00")
    rate(s, "mood", when="before", mood=3 + number, anxiety=8 - number)
    s.command("vitals", systolic=120 + number, diastolic=80, heart_rate=70 + 2 * number, spo2=98)
    s.command("start")
    s.command("medicine", dose=40.0 + 10 * number, unit="mg", route="IM", text="ketamine")
    s.advance(50)
    s.command("vitals", systolic=135 + number, diastolic=85, heart_rate=80, spo2=97)
    s.command("note", text=f"Session {number}: settled")
    s.play_to_end()
    rate(s, "rating", target="scene", item="arrive", feeling="uneasy", resonance=2)
    rate(s, "rating", target="scene", item="deep", feeling="safe", resonance=8 + number // 3)
    rate(s, "rating", target="music", item="drift", feeling="pleasant", resonance=9)
    rate(s, "rating", target="music", item="still-water", feeling="distressing", resonance=1)
    rate(s, "mood", when="after", mood=6 + number, anxiety=4 - number)
    rate(s, "questionnaire", instrument="PHQ-9", answers=PHQ[number])
    s.writer.close()


@pytest.fixture(scope="module")
def records(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("story")
    script = write_script(root / "scripts")
    for number in (1, 2, 3):
        _session(script, root / "records", number)
    store = open_store(root / "records")
    store.save_profile("P-061", PROFILE)
    from datetime import datetime

    for month, answers in ((1, [2] * 7), (3, [1, 1, 0, 1, 0, 1, 0])):
        take(
            store,
            "P-061",
            "GAD-7",
            answers,
            datetime.fromisoformat(f"2026-0{month}-09T09:00:00+01:00"),
        )
    store.close()
    return root / "records"


def test_html_report_across_three_sessions(
    records: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "P-061.html"
    assert (
        main(["report", "--patient", "P-061", "--record-dir", str(records), "--out", str(out)]) == 0
    )
    page = out.read_text()
    assert (
        "Patient P-061: sessions over time" in page
        and "3 session(s), 2026-01-10 to 2026-03-10" in page
    )
    rows = re.findall(r"<tr><td>(\d)</td><td>([^<]*)</td>", page)
    assert rows == [("1", "2026-01-10 10:00"), ("2", "2026-02-10 10:00"), ("3", "2026-03-10 10:00")]
    assert "50 mg IM ketamine" in page and "70 mg IM ketamine" in page
    assert "mood 4 → 7, anxiety 7 → 3" in page  # session 1, before and after
    assert "Systolic 121–136" in page and "Heart rate 72–80" in page and "SpO2 97–98" in page
    assert "Session 2: settled" in page
    assert "arrive: uneasy 2/10" in page
    # charts: questionnaire scores over time and before/after, as inline SVG
    assert page.count("<svg") == 2 and 'aria-label="Questionnaire scores over time"' in page
    assert page.count("<polyline") == 2  # PHQ-9 from the sessions, GAD-7 from outside them
    assert "GAD-7</td><td>14</td><td>moderate" in page
    assert (
        "PHQ-9</td><td>12</td><td>moderate<br><strong class='follow'>Follow up: item 9 "
        "(thoughts of death or self-harm) was answered above 0</strong>" in page
    )
    assert page.count("Follow up:") == 1
    well = page.split("<h2>Rated well</h2>")[1].split("<h2>Rated badly</h2>")[0]
    badly = page.split("<h2>Rated badly</h2>")[1].split("<h2>Suggestions")[0]
    assert re.findall(r"<li>([^<]*)</li>", well) == [
        "night-sky (environment): resonance 8.3; 3 safe or pleasant, 0 uneasy or distressing; "
        "3 session(s)",
        "drift (music): resonance 9.0; 3 safe or pleasant, 0 uneasy or distressing; 3 session(s)",
    ]
    assert "still-water (music): resonance 1.0; 0 safe or pleasant, 3 uneasy" in badly
    assert "shoreline (environment): resonance 2.0; 0 safe or pleasant, 3 uneasy" in badly
    suggestions = page.split("<h2>Suggestions for next time</h2>")[1]
    assert "never applied" in suggestions
    assert (
        "keep: drift (resonance 9.0, rated 3 time(s) in 3 session(s)); add it to music: prefer"
        in suggestions
    )
    assert "change: still-water" in suggestions and "consider music: avoid" in suggestions
    assert "Likes the forest." in page


def test_markdown_report(records: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["report", "--patient", "P-061", "--format", "md", "--record-dir", str(records)]) == 0
    )
    text = capsys.readouterr().out
    assert text.startswith("# Patient P-061: sessions over time")
    assert text.count("\n| 1 | 2026-01-10 10:00 |") == 1 and "| 3 | 2026-03-10 10:00 |" in text
    assert "- 2026-01-09 GAD-7 14 (moderate), outside a session" in text
    assert "- 2026-03-10 10:00: mood 6 → 9, anxiety 5 → 1" in text


def test_report_of_an_unknown_code(records: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--patient", "P-999", "--record-dir", str(records)]) == 1
    assert "nothing is held about P-999" in capsys.readouterr().err
    assert (
        main(["report", "--patient", "P-061", "--format", "csv", "--record-dir", str(records)]) == 2
    )
