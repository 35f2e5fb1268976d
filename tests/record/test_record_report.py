"""`companion report`: the notes, the therapist's actions and their times, the dose clock,
faults, and a timeline that is valid SVG; printable in a real browser; Markdown too."""

from __future__ import annotations

import re
import subprocess
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest
from record_sessions import NOTES, Session

from companion.cli import main
from companion.record import format_time, load_record, render_report

SVG = "{http://www.w3.org/2000/svg}"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


class Tables(HTMLParser):
    """The text of every table row, by the id of the section holding it."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, list[list[str]]] = {}
        self.section = ""
        self.row: list[str] | None = None
        self.cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "section":
            self.section = dict(attrs).get("id", "")
        elif tag == "tr":
            self.row = []
        elif tag in ("td", "th") and self.row is not None:
            self.cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self.row is not None and self.cell is not None:
            self.row.append("".join(self.cell).strip())
            self.cell = None
        elif tag == "tr" and self.row is not None:
            self.rows.setdefault(self.section, []).append(self.row)
            self.row = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)


def tables_of(html: str) -> dict[str, list[list[str]]]:
    parser = Tables()
    parser.feed(html)
    return parser.rows


def svg_of(html: str) -> ET.Element:
    match = re.search(r"<svg\b.*?</svg>", html, re.S)
    assert match, "no inline SVG in the report"
    return ET.fromstring(match.group(0))  # raises if it is not well-formed XML


def classes(root: ET.Element, name: str) -> list[ET.Element]:
    return [g for g in root.iter(f"{SVG}g") if name in g.get("class", "").split()]


def test_the_html_report_holds_notes_actions_and_their_times(ended_session: Session) -> None:
    html = render_report(load_record(ended_session.writer.folder), "html")
    for note in NOTES:  # escaped, never raw markup
        assert (
            note.replace("&", "&amp;")
            .replace("<", "&lt;")
            .replace(">", "&gt;")
            .replace('"', "&quot;")
            in html
        )
    assert "<at>" not in html
    rows = tables_of(html)
    commands = [e for e in ended_session.written if e["event"] == "command"]
    actions = rows["the-therapists-actions"][1:]
    assert [r[0] for r in actions] == [format_time(e["session_time"]) for e in commands]
    assert [r[2] for r in actions] == [
        "start",
        "note",
        "vitals interval",
        "medicine given",
        "pause",
        "resume",
        "volume",
        "intensity",
        "vitals checked",
        "patient signal",
        "note",
        "ground",
        "signal answered",
        "return from ground",
        "go to scene",
        "captions",
        "vitals checked",
        "continue",
        "note",
        "continue",
    ]
    assert [r[3] for r in actions if r[2] in ("volume", "intensity", "captions")] == [
        "music to 0.4",
        "to 0.3",
        "off",
    ]
    refused = [r for r in actions if r[5].startswith("refused")]
    assert refused == [
        [
            format_time(525.0),
            refused[0][1],
            "go to scene",
            "scene nowhere",
            "panel",
            "refused: no scene 'nowhere'",
        ]
    ]
    dose = rows["dose-clock-and-vitals"]
    assert dose[1][0] == "0:30" and dose[1][2] == "ketamine 0.5 mg/kg IM"
    assert [r[0] for r in dose if r[0] in ("5:30", "10:30", "15:30")] == ["5:30", "10:30", "15:30"]
    assert dose[-1][2] == "not checked"
    faults = rows["faults-and-warnings"][1:]
    assert [(r[2], r[3]) for r in faults] == [
        ("fault", "mixer: the sound device was lost"),
        ("recovered", "mixer: the sound device is back"),
    ]
    facts = {r[0]: r[1] for r in rows["session"]}
    assert facts["Patient code"] == "P-014" and facts["Length"].startswith(
        format_time(ended_session.end_time)
    )
    assert facts["Status"].startswith("ended")
    assert facts["Phases"].startswith("preparation 0:00")


def test_the_timeline_is_valid_svg_with_scenes_pauses_grounds_and_notes(
    ended_session: Session,
) -> None:
    html = render_report(load_record(ended_session.writer.folder), "html")
    root = svg_of(html)
    assert root.tag == f"{SVG}svg" and root.get("viewBox", "").startswith("0 0 ")
    width = float(root.get("viewBox").split()[2])
    scenes = classes(root, "scene")
    assert [g.get("data-scene") for g in scenes] == [
        "arrive",
        "journey",
        "haven",
        "journey",
        "return",
    ]
    xs = [float(g.find(f"{SVG}rect").get("x")) for g in scenes]
    assert xs == sorted(xs) and all(0 <= x <= width for x in xs)
    assert len(classes(root, "pause")) == 1 and len(classes(root, "ground")) == 1
    assert len(classes(root, "return")) == 1 and len(classes(root, "medicine")) == 1
    notes = classes(root, "note")
    assert [n.find(f"{SVG}title").text for n in notes] == [
        f"{format_time(t)} {text}" for t, text in zip((30.0, 435.0, 3205.0), NOTES, strict=True)
    ]
    assert len(classes(root, "fault")) == 1 and len(classes(root, "vitals-ack")) == 2


def test_the_report_is_self_contained_and_printable(ended_session: Session, tmp_path: Path) -> None:
    html = render_report(load_record(ended_session.writer.folder), "html")
    outside = [
        u for u in re.findall(r"https?://[^\s\"')]+", html) if u != "http://www.w3.org/2000/svg"
    ]
    assert outside == []
    assert not re.search(r"<(link|script|img|iframe)\b|\bsrc=|@import|url\((?!#)", html)
    assert "@media print" in html
    page = tmp_path / "report.html"
    page.write_text(html, encoding="utf-8")
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
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page\b", data)) >= 2


def test_the_markdown_report(ended_session: Session) -> None:
    text = render_report(load_record(ended_session.writer.folder), "md")
    assert text.startswith("# Record test session\n")
    for heading in (
        "## Session",
        "## Timeline",
        "## Notes",
        "## The therapist's actions",
        "## Dose clock and vitals",
        "## Scenes",
        "## Faults and warnings",
    ):
        assert f"\n{heading}\n" in text
    assert "1. 0:30 (" in text and "Settled quickly; breathing slow." in text
    assert r"Tearful \<at\> the stars & asked for the light on" in text
    assert "| 8:45 |" in text and "refused: no scene 'nowhere'" in text
    assert "| 15:30 | 15 min after the medicine | **not checked** |" in text


def test_the_report_command(
    ended_session: Session, record_dir: Path, tmp_path: Path, capsys
) -> None:
    record_id = ended_session.writer.id
    out = tmp_path / "report.md"
    assert (
        main(
            [
                "report",
                record_id,
                "--record-dir",
                str(record_dir),
                "--format",
                "md",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    assert out.read_text().startswith("# Record test session")
    assert main(["report", str(ended_session.writer.events_path)]) == 0
    assert capsys.readouterr().out.startswith("<!DOCTYPE html>")
    assert main(["report", "no-such-record", "--record-dir", str(record_dir)]) == 1
    assert "no record 'no-such-record'" in capsys.readouterr().err


def test_the_report_of_a_damaged_record_warns_and_still_renders(
    ended_session: Session, capsys
) -> None:
    path = ended_session.writer.events_path
    path.write_bytes(path.read_bytes() + b'{"seq":')
    assert main(["report", str(path.parent), "--format", "md"]) == 0
    captured = capsys.readouterr()
    assert "warning: line" in captured.err and "cut short" in captured.err
    assert "## The record" not in captured.out and "The record itself:" in captured.out


@pytest.mark.parametrize("format", ["html", "md"])
def test_a_report_of_a_session_that_never_started(
    script_path: Path, record_dir: Path, format: str
) -> None:
    from record_sessions import open_session

    session = open_session(script_path, record_dir)
    session.writer.close("quit")
    text = render_report(load_record(session.writer.folder), format)
    assert "No notes were written." in text and "No scene was played." in text
    if format == "html":
        svg_of(text)
