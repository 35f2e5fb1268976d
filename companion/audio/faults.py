"""How the mixer's faults read on the panel: a line that is captions only, several faults
of one part in one line. Shared by the mixer, its load queue and its narrator."""

from __future__ import annotations


def short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def captions_only(text: str, why: str) -> str:
    return f"'{short(text)}' is captions only: {why}"


def fault_message(faults: dict[str, str], shown: int = 3) -> str:
    """Several faults of one part in one line for the panel."""
    items = list(faults.values())
    more = f"; and {len(items) - shown} more" if len(items) > shown else ""
    return "; ".join(items[:shown]) + more
