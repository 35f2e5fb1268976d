"""A fuzz of damaged records through `records`, `report` (every format) and resume: every
field of every event kind replaced by wrong types and strange numbers, lines duplicated,
reordered and cut. Never a traceback, never a hang (each run well under 10 s), and the
damage is named with its line."""

from __future__ import annotations

import json
import random
import re
import time
from pathlib import Path

import pytest
from record_sessions import Session

from companion.cli import main
from companion.record import RecordError, RecordWriter, load_record, render_report, resume_point
from companion.record.report import FORMATS
from companion.script import load_script
from companion.session.clock import VirtualClock
from companion.session.engine import Engine

BAD_VALUES: list[object] = [
    None,
    "three",
    "abc",
    "",
    -1,
    -1e308,
    1e308,
    10**400,
    True,
    [],
    {},
    [1, 2],
    {"a": {"b": 1}},
    "x" * 50_000,
    0.5,
    2**63,
    "NaN",
]
RAW_SPECIALS = ["NaN", "Infinity", "-Infinity", "1" + "0" * 400, "1e999"]  # JSON that Python reads
SLOW = 10.0


def lines_of(folder: Path) -> list[str]:
    return (folder / "events.jsonl").read_text(encoding="utf-8").splitlines()


def write(folder: Path, lines: list[str], tail: bytes = b"") -> None:
    (folder / "events.jsonl").write_bytes("".join(f"{line}\n" for line in lines).encode() + tail)


def exercise(folder: Path, capsys) -> None:
    """Everything a person runs on a record, timed; no exception may escape. Timed in this
    process's CPU seconds: a runaway loop shows there, the other work on the machine does not."""
    started = time.process_time()
    assert main(["records", "--record-dir", str(folder.parent)]) == 0
    capsys.readouterr()
    assert main(["records", "--record-dir", str(folder.parent), "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 1
    for fmt in FORMATS:
        code = main(
            ["report", str(folder), "--format", fmt, "--out", str(folder.parent / f"r.{fmt}")]
        )
        assert code in (0, 1)
        if code == 0:
            assert (folder.parent / f"r.{fmt}").stat().st_size < 20_000_000
    try:
        record = load_record(folder)
    except RecordError as exc:  # only the clear refusal of a later format is allowed
        assert "record format" in str(exc), exc
        return
    point = resume_point(record)
    if point.resumable:
        loaded = load_script(folder / "script.yaml")
        engine = Engine(loaded.script, VirtualClock())
        writer = RecordWriter.resume(folder, sync_interval=None)
        for name, args in point.commands():
            if name == "start_grounded":
                engine.start_grounded(**args)
            else:
                engine.command(name, source="resume", **args)
        offset = writer.session_offset
        engine.restore_dose_clock(
            [{**d, "session_time": d["session_time"] - offset} for d in point.doses],
            point.vitals_checks,
            point.vitals_due - offset if point.vitals_due is not None else None,
        )
        writer.write_events(engine.take_events())
        writer.close("quit")
        again = load_record(folder)
        assert again.of_kind("run_end"), "the resumed run closed its record"
    assert time.process_time() - started < SLOW
    capsys.readouterr()


def mutations(base: list[str], rng: random.Random):
    """(name, lines, tail): each damages one field of one event kind, or the lines."""
    events = [json.loads(line) for line in base]
    fields: dict[tuple[str, str], list[int]] = {}
    for index, event in enumerate(events):
        for key in event:
            fields.setdefault((event["event"], key), []).append(index)
    for (kind, key), indexes in sorted(fields.items()):
        value = rng.choice(BAD_VALUES)
        out = list(base)
        for index in indexes:
            changed = dict(events[index])
            changed[key] = value
            out[index] = json.dumps(changed)
        yield f"{kind}.{key}={str(value)[:20]}", out, b""
    for special in RAW_SPECIALS:  # values json.dumps would never write: edit the text itself
        out = [
            re.sub(r'"session_time":[0-9.]+', f'"session_time":{special}', line, count=1)
            if rng.random() < 0.3
            else line
            for line in base
        ]
        yield f"session_time={special}", out, b""
    yield "step three", [line.replace('"step":', '"step":"three","x":', 1) for line in base], b""
    yield "duplicated lines", [line for line in base for _ in (0, 1)], b""
    shuffled = list(base)
    rng.shuffle(shuffled)
    yield "reordered", shuffled, b""
    cut = "\n".join(base).encode()
    yield "cut", [], cut[: rng.randrange(len(cut))]
    yield (
        "reset sequence",
        base + [json.dumps({**e, "seq": i}) for i, e in enumerate(events[:20])],
        b"",
    )
    yield "not json", base[:5] + ['{"event": ', "[1,2]", '"text"', "\x00\xff"] + base[5:], b""
    yield "later format", [json.dumps({**events[0], "record_format": 99})] + base[1:], b""
    deep = "[" * 100_000 + "]" * 100_000
    yield "deep nesting", base + [f'{{"event":"note","text":{deep}}}'], b""
    yield "endless line", base, b'{"event":"note","text":"' + b"y" * (5 * 1024 * 1024)


def test_damaged_records_never_end_in_a_traceback_or_a_hang(
    quit_session: Session, tmp_path: Path, capsys
) -> None:
    source = quit_session.writer.folder
    base = lines_of(source)
    rng = random.Random(15)
    names = []
    for number, (name, lines, tail) in enumerate(mutations(base, rng)):
        folder = tmp_path / f"fuzz-{number}" / source.name
        folder.mkdir(parents=True)
        for item in source.iterdir():
            if item.name != "events.jsonl":
                (folder / item.name).write_bytes(item.read_bytes())
        write(folder, lines, tail)
        try:
            exercise(folder, capsys)
        except Exception as exc:
            raise AssertionError(f"mutation {name!r}: {exc!r}") from exc
        names.append(name)
    assert len(names) > 80


def test_damage_is_named_with_its_line(quit_session: Session) -> None:
    folder = quit_session.writer.folder
    lines = lines_of(folder)
    step = next(i for i, line in enumerate(lines) if '"event":"step_start"' in line)
    medicine = next(i for i, line in enumerate(lines) if '"event":"medicine"' in line)
    lines[step] = lines[step].replace('"step":', '"step":"three","was":', 1)
    lines[medicine] = re.sub(r'"session_time":[0-9.]+', '"session_time":null', lines[medicine])
    lines.append(lines[-1])  # a duplicated line
    write(folder, lines)
    record = load_record(folder)
    text = [str(p) for p in record.problems]
    assert any(t.startswith(f"line {step + 1}: step_start: step 'three'") for t in text), text
    assert any(t.startswith(f"line {medicine + 1}: medicine: session_time None") for t in text)
    assert any("appear more than once" in t for t in text) and any("go back" in t for t in text)
    assert not any("missing" in t for t in text), text
    assert resume_point(record).doses[0]["session_time"] >= 0


def test_a_later_record_format_is_refused_naming_its_version(quit_session: Session, capsys) -> None:
    folder = quit_session.writer.folder
    lines = lines_of(folder)
    first = json.loads(lines[0])
    first.update(record_format=99, versions={**first["versions"], "companion": "9.1"})
    write(folder, [json.dumps(first)] + lines[1:])
    assert main(["report", str(folder)]) == 1
    err = capsys.readouterr().err
    assert "written by Companion 9.1 in record format 99" in err and "reads record format 1" in err


@pytest.mark.parametrize("value", ["1e308", "NaN", "-5"])
def test_a_huge_or_strange_time_cannot_run_an_axis_away(quit_session: Session, value: str) -> None:
    folder = quit_session.writer.folder
    lines = lines_of(folder)
    lines[5] = re.sub(r'"session_time":[0-9.]+', f'"session_time":{value}', lines[5])
    write(folder, lines)
    started = time.process_time()  # CPU seconds: what the report costs, whatever else runs
    html = render_report(load_record(folder), "html")
    assert time.process_time() - started < 2 and len(html) < 1_000_000
