"""The panel's port and sign-in, kept in the session's record folder, so `companion resume`
serves the panel where the open page already looks: same address, same token, no new link.

The file (`panel.json`) holds the token: whoever reads it can steer the session. It is written
readable by the user only (0600, from its first byte), beside a record that is the user's
alone anyway, and it is removed when the session ends (nothing is left to resume).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

FILE = "panel.json"


@dataclass(frozen=True)
class KeptPanel:
    port: int
    token: str
    # How the panel was served, so a resume serves it the same way for an open tablet:
    host: str | None = None
    url_host: str | None = None
    tls: str | None = None  # None, "self-signed", or "files"
    cert: str | None = None
    key: str | None = None


def save(folder: Path, port: int, token: str, **serving: str | None) -> Path:
    """Keep `port`, `token` and how the panel is served (KeptPanel's other fields)."""
    path = folder / FILE
    temporary = folder / (FILE + ".new")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        json.dump({"port": port, "token": token, **serving}, out)
        out.flush()
        os.fsync(out.fileno())
    os.chmod(temporary, 0o600)  # (a file left over from before keeps its old mode otherwise)
    os.replace(temporary, path)
    return path


def load(folder: Path) -> KeptPanel | None:
    """What a run kept, or None when nothing (or nothing usable) was kept. A file others may
    read is not trusted: anyone could have seen the token, so a new one is made."""
    path = folder / FILE
    try:
        if path.stat().st_mode & 0o077:
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    port, token = data.get("port") if isinstance(data, dict) else None, data.get("token")
    if not (
        isinstance(port, int)
        and 0 < port < 65536
        and isinstance(token, str)
        and 16 <= len(token) <= 200
    ):
        return None
    serving = {
        key: data.get(key) if isinstance(data.get(key), str) else None
        for key in ("host", "url_host", "tls", "cert", "key")
    }
    return KeptPanel(port, token, **serving)


def forget(folder: Path) -> None:
    (folder / FILE).unlink(missing_ok=True)
