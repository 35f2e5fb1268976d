"""The session report's own sections for what the patient said (ratings of scenes and music,
mood and anxiety before and after, a PHQ-9 with its item 9 stressed) and for the composer's
pieces with their seeds and the command that makes each again; in HTML and Markdown alike,
and only when there is something to show (a clinic's 2-hour report prints on 3 pages)."""

from __future__ import annotations

from pathlib import Path

from record_sessions import open_session
from test_record_report import tables_of

from companion.record import load_record, render_report


def test_what_the_patient_said_and_the_music_have_sections_of_their_own(
    script_path: Path, record_dir: Path
) -> None:
    s = open_session(script_path, record_dir)
    s.command("mood", when="before", mood=4, anxiety=7)
    s.command("start")
    s.engine.music_started({"piece": "drift", "seed": 1234, "energy": 0.3, "music_seed": 99})
    s.advance(150)
    s.engine.music_started({"piece": "hearth", "seed": 5678, "energy": 0.5, "music_seed": 99})
    s.command("rating", target="scene", item="arrive", feeling="safe", resonance=8)
    s.command("rating", target="music", item="drift", resonance=3)
    s.advance(60)
    s.command("end")
    s.command("mood", when="after", mood=7, anxiety=2)
    s.command("questionnaire", instrument="PHQ-9", answers="1,1,0,0,1,0,0,0,1")
    s.writer.close()
    record = load_record(s.writer.folder)

    tables = tables_of(render_report(record, "html"))
    said = tables["what-the-patient-said"]
    assert said[0] == ["Time", "Clock", "About", "Said"]
    rows = [row[2:] for row in said[1:]]
    assert rows[0] == ["mood and anxiety before the session", "mood 4/10, anxiety 7/10"]
    assert ["scene arrive (shoreline)", "safe, resonance 8/10"] in rows
    assert ["music drift", "resonance 3/10"] in rows
    assert ["mood and anxiety after the session", "mood 7/10, anxiety 2/10"] in rows
    phq = next(row for row in rows if row[0] == "PHQ-9")
    assert phq[1].startswith("score 4 of 27: minimal") and "item 9" in phq[1]
    music = tables["music"]
    assert music[0][:4] == ["Started", "Piece", "Seed", "Energy"]
    assert [row[1:4] for row in music[1:]] == [["drift", "1234", "0.3"], ["hearth", "5678", "0.5"]]
    assert music[1][4] == (
        "companion music render drift --seed 1234 --energy 0.3 --minutes 3 --out drift.ogg"
    )

    text = render_report(record, "md")
    assert "\n## What the patient said\n" in text and "\n## Music\n" in text
    assert "| scene arrive (shoreline) | safe, resonance 8/10 |" in text
    assert "**item 9 (thoughts of death or self-harm) was answered above 0**" in text
    assert "The session's music seed was 99." in text


def test_a_session_without_them_has_neither_section(script_path: Path, record_dir: Path) -> None:
    s = open_session(script_path, record_dir)
    s.command("start")
    s.advance(30)
    s.writer.close()
    record = load_record(s.writer.folder)
    html = render_report(record, "html")
    assert 'id="what-the-patient-said"' not in html and 'id="music"' not in html
    text = render_report(record, "md")
    assert "## What the patient said" not in text and "## Music" not in text
