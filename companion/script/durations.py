"""Durations as authors write them: 20, 20s, 5m, 1h, 1m30s, 1h5m, 1:30, 1:02:03."""

from __future__ import annotations

import re

_UNITS = re.compile(
    r"^(?:(?P<h>\d+(?:\.\d+)?)h)?(?:(?P<m>\d+(?:\.\d+)?)m)?(?:(?P<s>\d+(?:\.\d+)?)s)?$"
)
_CLOCK = re.compile(r"^(?:(?P<h>\d+):)?(?P<m>\d+):(?P<s>\d{1,2}(?:\.\d+)?)$")
_NUMBER = re.compile(r"^\d+(?:\.\d+)?$")

# A JSON Schema pattern for editors; the parser below is the authority.
PATTERN = (
    r"^\s*(\d+(\.\d+)?"  # seconds
    r"|(\d+(\.\d+)?h)?(\d+(\.\d+)?m)?(\d+(\.\d+)?s)?"  # 1h2m3s
    r"|(\d+:)?\d+:\d{1,2}(\.\d+)?)\s*$"  # 1:02:03
)
EXAMPLES = "20s, 5m, 1m30s, 1:30 or a number of seconds"


class DurationError(ValueError):
    pass


def parse_duration(value: object) -> float:
    """Seconds from a number or a duration string; DurationError says what is wrong."""
    if isinstance(value, bool) or value is None:
        raise DurationError(f"expected a duration such as {EXAMPLES}")
    if isinstance(value, (int, float)):
        seconds = float(value)
    elif isinstance(value, str):
        seconds = _parse_text(value.strip())
    else:
        raise DurationError(f"expected a duration such as {EXAMPLES}")
    if seconds != seconds or seconds in (float("inf"), float("-inf")):
        raise DurationError("a duration must be a finite number of seconds")
    if seconds <= 0:
        raise DurationError("a duration must be longer than zero")
    return seconds


def _parse_text(text: str) -> float:
    if _NUMBER.match(text):
        return float(text)
    if text.startswith("-"):
        raise DurationError("a duration must be longer than zero")
    clock = _CLOCK.match(text)
    if clock:
        if float(clock["s"]) >= 60 or (clock["h"] is not None and int(clock["m"]) >= 60):
            raise DurationError(f"'{text}' is not a valid time; minutes and seconds go up to 59")
        return int(clock["h"] or 0) * 3600 + int(clock["m"]) * 60 + float(clock["s"])
    units = _UNITS.match(text)
    if text and units:
        return float(units["h"] or 0) * 3600 + float(units["m"] or 0) * 60 + float(units["s"] or 0)
    raise DurationError(f"'{text}' is not a duration; write it like {EXAMPLES}")


def format_clock(seconds: float) -> str:
    """H:MM:SS for timelines and the panel."""
    whole = int(round(max(seconds, 0.0)))
    return f"{whole // 3600}:{whole // 60 % 60:02d}:{whole % 60:02d}"


def format_short(seconds: float) -> str:
    """A compact human form: 45s, 5m, 1m30s, 1h5m."""
    whole = int(round(seconds))
    h, rest = divmod(whole, 3600)
    m, s = divmod(rest, 60)
    parts = [f"{h}h" if h else "", f"{m}m" if m else "", f"{s}s" if s or not whole else ""]
    return "".join(parts)
