"""Runs inside a private mount namespace with a tiny tmpfs at argv[1] (see test_full_disk.py):
starts a real `companion run` keeping its record there, fills the disk mid-session, then makes
room again, and writes what the panel's API said at each point to argv[2] as JSON."""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.app.run_process import start  # noqa: E402

SCRIPT = """\
companion: 1
title: Full disk
scenes:
  - id: long
    environment: meadow
    music: drift
    then: hold
    steps:
      - pause: 2m
"""


def main() -> None:
    disk, out = Path(sys.argv[1]), Path(sys.argv[2])
    work = out / "work"
    work.mkdir()
    (work / "s.yaml").write_text(SCRIPT)
    session = start(
        [str(work / "s.yaml"), "--display", "none", "--autostart"], work, record_dir=disk
    )
    session.wait_for_panel()
    steps = {}
    assert session.command("note", text="before the disk filled")["ok"]
    filler = disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:  # fill every byte that is left
        while os.write(fd, b"\0" * 4096):
            pass
    except OSError:
        pass
    finally:
        os.close(fd)
    for index in range(30):
        session.command("note", text=f"while full {index}")
        time.sleep(0.1)
    state = session.wait_for(
        lambda s: not s["health"].get("record", {}).get("ok", True), what="record fault"
    )
    steps["full"] = {"state": state["state"], "record": state["health"]["record"]}
    os.remove(filler)
    assert session.command("note", text="after room again")["ok"]
    state = session.wait_for(
        lambda s: s["health"].get("record", {}).get("ok", False),
        timeout=20,
        what="record recovered",
    )
    steps["room"] = {"state": state["state"], "record": state["health"]["record"]}
    session.command("end")
    steps["exit"] = session.finish()
    shutil.copytree(
        next(p for p in disk.iterdir() if p.is_dir()), out / "record"
    )  # the tmpfs goes with us
    (out / "result.json").write_text(json.dumps(steps))


if __name__ == "__main__":
    main()
