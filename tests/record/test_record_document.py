"""The report as a document a clinic files: printed by a real Chromium, every page carries
the clinic, the patient code, the date and "Page x of y"; clock times are the clinic's local
time with its offset; the clinician, adverse events, outcome, attestation and the technical
appendix are there, in that order; actions say which panel, never an address."""

from __future__ import annotations

import io
import re
import subprocess
from html import escape
from pathlib import Path

import pytest
from pypdf import PdfReader
from record_sessions import open_session, play_first_half, play_to_end
from test_record_report import CHROMIUM, CHROMIUM_ARGS

from companion.cli import main
from companion.record import load_record, render_report, summarize
from companion.record.clinic import load_clinic

CONFIG = """\
[clinic]
name = "Harbour Street Clinic"
timezone = "Europe/Berlin"
"""


@pytest.fixture
def clinic_config(tmp_path: Path, monkeypatch) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(CONFIG)
    monkeypatch.setenv("COMPANION_CONFIG", str(path))
    return path


@pytest.fixture
def filed(script_path: Path, record_dir: Path, clinic_config: Path):
    clinic = load_clinic()
    session = open_session(
        script_path,
        record_dir,
        writer_clock=True,
        facts={"clinic": clinic.name, "timezone": clinic.timezone, "clinician": "Dr. A. Okafor"},
    )
    play_first_half(session)
    session.engine.command("note", source="panel 192.168.1.20 #2", text="From the tablet")
    session.engine.command("vitals_interval", source="panel 192.168.1.20 #2", minutes=1)
    session.frame()
    play_to_end(session)
    assert session.engine.command(
        "closing",
        source="panel 192.168.1.20 #2",
        adverse_events="Nausea at 0:40, settled without treatment.",
        outcome="Calm and oriented at the end; collected by partner.",
    ).ok
    session.frame()
    session.advance(6, frame_every=1)  # the closing fade, then the program exits
    session.writer.close()
    return load_record(session.writer.folder)


def test_the_clinic_and_clinician_are_recorded_and_reported(filed) -> None:
    assert filed.start["clinic"] == "Harbour Street Clinic"
    assert filed.start["clinician"] == "Dr. A. Okafor"
    assert re.search(r"[+-]0[12]:00$", filed.start["date"]), "the run's date in Berlin time"
    summary = summarize(filed)
    assert summary.zone_label() in ("Europe/Berlin, UTC+01:00", "Europe/Berlin, UTC+02:00")
    assert summary.adverse_events.startswith("Nausea") and summary.outcome.startswith("Calm")
    sources = {a.source for a in summary.actions}
    assert "panel 2" in sources and not any("192.168" in s or "127.0" in s for s in sources)
    # The session's length ends at its end, not after the closing fade.
    end = filed.of_kind("end")[0]["session_time"]
    assert summary.length == end < filed.length


@pytest.mark.parametrize("format", ["html", "md"])
def test_the_sections_in_the_order_a_clinic_files_them(filed, format: str) -> None:
    text = render_report(filed, format)
    order = [
        "Session",
        "Notes",
        "The therapist's actions",
        "Dose clock and vitals",
        "Adverse events",
        "Outcome",
        "Faults and warnings",
        "Attestation",
        "Appendix: technical facts",
    ]
    found = [text.index(f">{escape(h)}</h2>" if format == "html" else f"## {h}\n") for h in order]
    assert found == sorted(found)
    appendix = text.index("Appendix: technical facts")
    assert text.index("SHA-256") > appendix and text.index("Versions") > appendix
    assert (
        "Harbour Street Clinic"
        in text[: text.index("Session</h2>" if format == "html" else "## Session")]
    )
    assert "Dr. A. Okafor" in text
    assert "Nausea at 0:40" in text and "collected by partner" in text
    assert "every 1 minute" in text and "every 1 minutes" not in text
    assert "I attest" in text and "Signature" in text
    assert "+0000" not in text and "Europe/Berlin" in text
    assert "192.168" not in text


def test_every_printed_page_has_the_header_and_footer(filed, tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    page.write_text(render_report(filed, "html"), encoding="utf-8")
    pdf = tmp_path / "report.pdf"
    subprocess.run(
        [
            CHROMIUM,
            *CHROMIUM_ARGS,
            "--no-pdf-header-footer",
            f"--print-to-pdf={pdf}",
            page.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    pages = PdfReader(io.BytesIO(pdf.read_bytes())).pages
    assert len(pages) >= 3
    date = filed.start["date"][:10]
    for number, sheet in enumerate(pages, 1):
        text = " ".join(sheet.extract_text().split())
        assert "Harbour Street Clinic" in text, (number, text[:200])
        assert f"Patient P-014 · {date}" in text, (number, text[:200])
        assert f"Page {number} of {len(pages)}" in text, (number, text[-200:])


def test_the_report_command_reads_the_clinic_config(quit_session, clinic_config, capsys) -> None:
    assert main(["report", str(quit_session.writer.folder), "--format", "md"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Harbour Street Clinic\n") and "Europe/Berlin" in out
    clinic_config.write_text("[clinic]\nname = 5\ntimezone = 'Mars/Olympus'\n")
    assert main(["report", str(quit_session.writer.folder), "--format", "md"]) == 0
    err = capsys.readouterr().err
    assert "clinic.name" in err and "Mars/Olympus" in err
