"""Work the command line does with the store, kept here so that companion/commands/ holds
only argument parsing and printing."""

from __future__ import annotations

import sys
from pathlib import Path

from companion.commands import EXIT_FINDINGS, EXIT_OK


def reindex_command(record_dir: Path | None, *, check: bool = False) -> int:
    """`companion records reindex [--check]`."""
    from companion.patients import open_store
    from companion.patients.index import check_index, reindex
    from companion.patients.store import StoreError

    try:
        store = open_store(record_dir)
    except StoreError as exc:
        print(f"companion records reindex: {exc}", file=sys.stderr)
        return EXIT_FINDINGS
    try:
        done = check_index(store, record_dir) if check else reindex(store, record_dir)
    finally:
        store.close()
    for name in done.unreadable:
        print(f"{name}: cannot be read as a record; not indexed", file=sys.stderr)
    if check:
        print(
            f"index checked: {len(done.added)} new, {len(done.updated)} changed, "
            f"{len(done.removed)} gone",
            file=sys.stderr,
        )
    else:
        count = len(done.added)
        print(f"indexed {count} record{'s' * (count != 1)}", file=sys.stderr)
    return EXIT_OK
