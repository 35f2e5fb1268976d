"""The report as a clinical document, its REMS-shaped summary, and the CSV and FHIR exports,
from a clinical session recorded through the real writer; the HTML printed by real Chromium
and read back with pypdf."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from fhir.resources.bundle import Bundle
from pypdf import PdfReader

from companion.cli import main
from companion.record import load_record, render_report
from tests.clinic.clinical_sessions import CHECKS, clinical_record

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return clinical_record(tmp_path_factory.mktemp("clinic"))


@pytest.fixture(scope="module")
def html(folder: Path) -> str:
    return render_report(load_record(folder), "html")


def _text(html: str) -> str:
    body = re.sub(r"<style>.*?</style>", " ", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", body).split())


def test_the_clinical_document_comes_first(html: str):
    order = [
        "Clinical record",
        "Vitals chart",
        "Vitals",
        "Checkpoints, sedation and discharge",
        "Monitoring summary for copying",
        "Session",
        "Timeline",
        "Notes",
        "The therapist's actions",
        "Attestation",
    ]
    found = [html.index(f">{h.replace(chr(39), '&#x27;')}</h2>") for h in order]
    assert found == sorted(found)
    text = _text(html)
    for fact in (
        "Patient code P-014",
        "Clinician A.B.",
        "Protocol Esketamine nasal spray (REMS shape)",
        "Route intranasal",
        "56 mg intranasal, lot EK2291",
    ):
        assert fact in text, fact


def test_the_vitals_table_flags_and_the_checkpoints(html: str):
    text = _text(html)
    assert text.count("124/78") >= 2  # the table and the summary
    assert '<td class="flag">184/104</td>' in html  # out of limits: bold with a star
    assert "Alert at +40:00: systolic blood pressure 184 mmHg (above 179); acknowledged" in text
    assert "4 met, 1 late, 1 missed." in text
    assert re.search(r"\+90:00 pulse oximetry missed", text)
    assert re.search(r"\+60:00 pulse oximetry late \+1:07:00", text)
    assert (
        "Sedation: 5 at −2:00 → 3 at +10:00 → 4 at +30:00 → 5 at +1:07:00; resolved "
        "from +1:07:00" in text
    )
    assert (
        "Dissociation: none at −2:00 → marked at +10:00 → mild at +40:00 → none at +1:15:00" in text
    )
    assert re.search(r"Ready to leave \d\d:\d\d, \+2:03:00 after the dose", text)
    assert "Total monitoring time 2:05:00" in text


def test_the_chart_is_black_and_white_svg_with_every_check(html: str):
    svg = re.search(r'<svg class="vitals-chart".*?</svg>', html, flags=re.S).group(0)
    colours = set(re.findall(r'(?:fill|stroke)="(#[0-9a-fA-F]{3,6})"', svg))
    assert colours <= {"#000", "#fff", "#777", "#ccc", "#ddd"}, colours  # greys only
    assert svg.count('<path d="M') == 2 * len(CHECKS) + 2  # ▼ and ▲ per check, and the legend
    assert svg.count("outside the limits</title>") == 1


def test_the_rems_shaped_summary(html: str):
    summary = _text(html).split("Monitoring summary for copying")[1].split("Session")[0]
    assert "it is not the official REMS form" in summary
    assert "BP before the dose 124/78 mmHg at −2:00" in summary
    assert "BP at about 40 min 184/104 mmHg at +40:00" in summary
    assert "BP before discharge 126/80 mmHg at +2:02:00" in summary
    assert "Sedation yes" in summary and "Dissociation yes" in summary
    assert "Respiratory depression no" in summary and "Monitoring 123 min after the dose" in summary


def test_no_programmer_values_anywhere(folder: Path, html: str):
    for text in (_text(html), render_report(load_record(folder), "md")):
        for word in (
            "None",
            "True",
            "False",
            "heart_rate",
            "spo2 ",
            "respiratory_rate",
            "mode:",
            "device:",
            "offscreen",
        ):
            assert word not in text, word
    assert "Display none (sound only)" in _text(html)


PRINT = """
import sys
from playwright.sync_api import sync_playwright
with sync_playwright() as playwright:
    browser = playwright.chromium.launch(executable_path=sys.argv[1], args=["--no-sandbox"])
    page = browser.new_page()
    page.goto(sys.argv[2])
    for size in ("A4", "Letter"):
        with open(sys.argv[3] + size + ".pdf", "wb") as out:
            out.write(page.pdf(format=size))
    browser.close()
"""


def test_a_two_hour_session_with_ten_checks_prints_on_three_pages(html: str, tmp_path: Path):
    """Printed by Chromium through Playwright (in a child process: its sync API keeps an
    event loop of its own), on A4 and on Letter."""
    page = tmp_path / "report.html"
    page.write_text(html, encoding="utf-8")
    subprocess.run(
        [sys.executable, "-c", PRINT, CHROMIUM, page.as_uri(), str(tmp_path / "r-")],
        check=True,
        capture_output=True,
        timeout=120,
    )
    for size, (width, height) in (("A4", (210, 297)), ("Letter", (216, 279))):
        pages = PdfReader(io.BytesIO((tmp_path / f"r-{size}.pdf").read_bytes())).pages
        box = pages[0].mediabox
        assert (round(float(box.width) * 25.4 / 72), round(float(box.height) * 25.4 / 72)) == (
            width,
            height,
        )
        assert len(CHECKS) == 10 and len(pages) <= 3, (size, len(pages))
        first = " ".join(pages[0].extract_text().split())
        assert "Clinical record" in first and "Vitals chart" in first and "184/104" in first
        last = " ".join(pages[-1].extract_text().split())
        assert f"Page {len(pages)} of {len(pages)}" in last and "Appendix" in last


def test_csv_has_one_row_per_check(folder: Path, capsys):
    assert main(["report", str(folder), "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert len(rows) == len(CHECKS)
    assert [float(r["Minutes after dose"]) for r in rows] == [m for m, _ in CHECKS]
    forty = rows[4]
    assert (forty["Systolic (mmHg)"], forty["Diastolic (mmHg)"]) == ("184", "104")
    assert forty["Outside limits"] == "systolic blood pressure high"
    assert forty["Checkpoint"] == "+40:00" and forty["On time"] == "yes"
    assert rows[6]["On time"] == "late" and rows[1]["Respiratory rate (/min)"] == "14"
    assert rows[0]["Patient code"] == "P-014" and rows[0]["Date and time"].endswith("+00:00")


def test_fhir_bundle_validates_with_loinc_codes_and_the_patient_code_only(folder: Path, capsys):
    assert main(["report", str(folder), "--format", "fhir"]) == 0
    data = json.loads(capsys.readouterr().out)
    bundle = Bundle.model_validate(data)  # the registry's FHIR R4 models
    assert bundle.type == "collection"
    observations = [e["resource"] for e in data["entry"]]
    codes = [o["code"]["coding"][0]["code"] for o in observations]
    assert (
        codes.count("8480-6")
        == codes.count("8462-4")
        == codes.count("8867-4")
        == codes.count("59408-5")
        == len(CHECKS)
    )
    assert codes.count("9279-1") == 2
    assert {o["subject"]["identifier"]["value"] for o in observations} == {"P-014"}
    assert all(set(o["subject"]) == {"identifier"} for o in observations)  # no name, no link
    high = [o for o in observations if o.get("interpretation")]
    assert [
        (
            o["code"]["coding"][0]["code"],
            o["valueQuantity"]["value"],
            o["interpretation"][0]["coding"][0]["code"],
        )
        for o in high
    ] == [("8480-6", 184, "H")]
    assert all(o["category"][0]["coding"][0]["code"] == "vital-signs" for o in observations)
    assert len({e["fullUrl"] for e in data["entry"]}) == len(observations)


def test_a_session_without_monitoring_has_no_clinical_document(tmp_path: Path):
    from tests.clinic.clinical_sessions import open_clinical

    session = open_clinical(tmp_path)
    session.engine.monitoring.protocol = None
    session.command("start")
    session.advance_to(60)
    session.command("end")
    session.writer.close()
    html = render_report(load_record(session.writer.folder), "html")
    assert "Clinical record</h2>" not in html and "Session</h2>" in html


def test_the_markdown_report_opens_with_the_clinical_document(folder: Path):
    text = render_report(load_record(folder), "md")
    order = [
        "## Clinical record",
        "## Vitals",
        "## Checkpoints",
        "## Sedation, dissociation and discharge",
        "## Monitoring summary for copying",
        "## Session",
        "## Timeline",
    ]
    found = [text.index(h + "\n") for h in order]
    assert found == sorted(found)
    assert "| 22:" in text or "| 2" in text
    assert "184/104 \\*" in text or "184/104 *" in text
    assert "| +90:00 | pulse oximetry | missed |  |" in text
    assert "- **BP before the dose:** 124/78 mmHg at −2:00" in text


def test_damaged_monitoring_events_are_warnings_not_tracebacks(
    folder: Path, tmp_path: Path, capsys
):
    """Each monitoring field replaced by wrong types and strange numbers: the report, CSV and
    FHIR still come out, with the damage listed."""
    import shutil

    copy = tmp_path / "damaged"
    shutil.copytree(folder, copy)
    events = (copy / "events.jsonl").read_text(encoding="utf-8").splitlines()
    strange = [None, True, "x", -1, 1e308, float("nan"), [1], {"a": 1}, 10**400]
    out = []
    for index, line in enumerate(events):
        event = json.loads(line)
        if event["event"] in (
            "vitals",
            "checkpoint",
            "alert",
            "alert_ack",
            "medicine",
            "protocol",
            "ready_to_leave",
        ):
            for n, key in enumerate(k for k in list(event) if k not in ("event", "seq")):
                event[key] = strange[(index + n) % len(strange)]
        out.append(json.dumps(event))
    (copy / "events.jsonl").write_text("\n".join(out) + "\n", encoding="utf-8")
    for format in ("html", "md", "csv", "fhir"):
        assert main(["report", str(copy), "--format", format]) == 0
        captured = capsys.readouterr()
        assert captured.out and "Traceback" not in captured.err
    Bundle.model_validate(json.loads(render_report(load_record(copy), "fhir")))


def test_a_check_missing_half_its_blood_pressure_still_reports(folder: Path, tmp_path: Path):
    import shutil

    copy = tmp_path / "half"
    shutil.copytree(folder, copy)
    lines = []
    for line in (copy / "events.jsonl").read_text(encoding="utf-8").splitlines():
        event = json.loads(line)
        if event["event"] == "vitals":
            event.pop("diastolic", None)
        lines.append(json.dumps(event))
    (copy / "events.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    for format in ("html", "md", "csv", "fhir"):
        text = render_report(load_record(copy), format)
        assert "None" not in text and "/None" not in text
    assert "BP before the dose not taken" in _text(render_report(load_record(copy), "html"))
