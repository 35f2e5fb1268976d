"""The record's disk fills up in the middle of a real `companion run`: the session goes on,
the panel's state says the record is failing, and when there is room again the record
catches up with nothing lost. The disk is a 512 KiB tmpfs in a private mount namespace
(`unshare --mount`, as root, as on this project's machines and CI), so the kernel itself
refuses the writes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from companion.record import load_record

HERE = Path(__file__).resolve().parent
MOUNT_AND_RUN = 'mount -t tmpfs -o size=512k tmpfs "$0" && exec "$1" "$2" "$0" "$3"'


def test_a_full_disk_mid_session(tmp_path):
    disk, out = tmp_path / "disk", tmp_path / "out"
    disk.mkdir()
    out.mkdir()
    done = subprocess.run(
        [
            "unshare",
            "--mount",
            "--propagation",
            "private",
            "sh",
            "-c",
            MOUNT_AND_RUN,
            str(disk),
            sys.executable,
            str(HERE / "full_disk_driver.py"),
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        env=dict(os.environ),
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    steps = json.loads((out / "result.json").read_text())
    assert steps["full"]["state"] == "playing" and steps["full"]["record"]["ok"] is False
    assert "No space left on device" in steps["full"]["record"]["message"]
    assert steps["room"]["record"]["ok"] is True
    assert steps["exit"] == 0
    record = load_record(out / "record")  # the driver's copy: the tmpfs went with its namespace
    notes = [e["text"] for e in record.events if e.get("event") == "note"]
    assert notes[0] == "before the disk filled" and notes[-1] == "after room again"
    assert [n for n in notes if n.startswith("while full")] == [
        f"while full {i}" for i in range(30)
    ]
    assert record.ended and not record.problems
