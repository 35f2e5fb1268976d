"""Run by test_record_real_disk.py inside a private mount namespace, where MOUNT is a tiny
tmpfs of its own: a session is recorded onto it while it is read-only, then writable, then
full, then has room again. The kernel produces every failure (EROFS, ENOSPC); nothing here is
simulated. At the end the record is copied to OUT (outside the tmpfs, which vanishes with the
namespace) with what the test needs to check it.

    python record_disk_child.py MOUNT OUT
"""

from __future__ import annotations

import errno
import json
import shutil
import subprocess
import sys
from pathlib import Path

from record_sessions import NOTES, open_session, write_script


def remount(mount: Path, mode: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{mode}", str(mount)], check=True)


def fill(mount: Path) -> Path:
    """Take every free byte of the tmpfs with one file."""
    filler = mount / "filler"
    with open(filler, "wb", buffering=0) as file:
        block = b"\0" * 4096
        while True:
            try:
                file.write(block)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC, exc
                return filler


def main(mount: Path, out: Path) -> None:
    script = write_script(out / "scripts")
    reports: list[tuple[str, bool, str]] = []
    steps: list[str] = []
    remount(mount, "ro")
    session = open_session(script, mount / "records", reports=reports, retry_interval=0.0)
    session.command("start")
    session.command("note", text=NOTES[0])
    session.advance(20)
    steps.append(f"read-only: ok={session.writer.ok} pending={session.writer.pending_events}")
    remount(mount, "rw")
    session.advance(10)
    steps.append(f"writable: ok={session.writer.ok} pending={session.writer.pending_events}")
    filler = fill(mount)
    session.command("note", text=NOTES[1])
    # The file's last page still has room (tmpfs allocates by page): talk until it is gone.
    for number in range(200):
        if not session.writer.ok:
            break
        session.command("volume", bus="music", level=round(0.2 + number / 1000, 3))
    session.command("pause")
    session.advance(30)
    session.command("resume")
    steps.append(f"full: ok={session.writer.ok} pending={session.writer.pending_events}")
    filler.unlink()
    session.advance(10)
    session.command("note", text=NOTES[2])
    steps.append(f"room again: ok={session.writer.ok} pending={session.writer.pending_events}")
    session.writer.close()
    shutil.copytree(session.writer.folder, out / "record")
    (out / "result.json").write_text(
        json.dumps(
            {
                "reports": reports,
                "steps": steps,
                "written": session.written,
                "state": session.engine.state.value,
            }
        ),
        encoding="utf-8",
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
