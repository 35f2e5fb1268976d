"""Run by test_record_sigkill.py: plays a session and writes its record, printing the number
of each note on stdout once `write_events` has returned for it (the acknowledgement), until
the test kills this process with SIGKILL.

    python record_killed_child.py SCRIPT RECORD_DIR
"""

from __future__ import annotations

import sys
from pathlib import Path

from record_sessions import open_session

LIMIT = 1_000_000  # a test that never kills us should not run forever


def main(script: Path, record_dir: Path) -> None:
    session = open_session(script, record_dir, patient="P-099")
    session.command("start")
    print(f"record {session.writer.folder}", flush=True)
    for number in range(LIMIT):
        session.command("note", text=f"note {number}")
        if number % 7 == 3:
            session.command("intensity", level=round((number % 10) / 10, 1))
        session.advance(1.0, frame_every=1.0)
        print(number, flush=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
