"""A record on a real disk that is read-only, then full: a tiny tmpfs mounted in a private
mount namespace (`unshare --mount`, as root, which is how this project's machines and CI
run), so the kernel itself refuses the writes. Root ignores chmod, so a read-only folder
has to be a read-only mount; a full disk has to be a small file system, filled up."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from companion.record import load_record

HERE = Path(__file__).resolve().parent
MOUNT_AND_RUN = 'mount -t tmpfs -o size=256k,mode=0700 tmpfs "$0" && exec "$1" "$2" "$0" "$3"'


def test_read_only_then_full_disk_reported_and_nothing_lost(tmp_path: Path) -> None:
    mount, out = tmp_path / "mnt", tmp_path / "out"
    mount.mkdir()
    out.mkdir()
    env = dict(
        os.environ, PYTHONPATH=os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")])
    )
    done = subprocess.run(
        [
            "unshare",
            "--mount",
            "--propagation",
            "private",
            "sh",
            "-c",
            MOUNT_AND_RUN,
            str(mount),
            sys.executable,
            str(HERE / "record_disk_child.py"),
            str(out),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 0, (
        f"needs root for a private tmpfs (machines and CI run as root)\n{done.stderr}"
    )
    result = json.loads((out / "result.json").read_text())
    assert result["state"] == "playing"  # the session went on through both faults
    reports = [(ok, message) for part, ok, message in result["reports"] if part == "record"]
    assert [ok for ok, _ in reports] == [False, True, False, True], reports
    assert "Read-only file system" in reports[0][1]
    assert "No space left on device" in reports[2][1]
    read_only, writable, full, room = result["steps"]
    assert read_only.startswith("read-only: ok=False") and not read_only.endswith("pending=0")
    assert writable == "writable: ok=True pending=0"
    assert full.startswith("full: ok=False") and not full.endswith("pending=0")
    assert room == "room again: ok=True pending=0"

    record = load_record(out / "record")
    assert record.problems == []
    engine_events = [
        {k: v for k, v in e.items() if k not in ("seq", "wall")}
        for e in record.events
        if e["event"] not in ("run_start", "run_end")
    ]
    written = result["written"]
    assert engine_events == written  # every event, in order, including those held in memory
    assert len([e for e in record.of_kind("note")]) == 3
