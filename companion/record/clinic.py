"""The clinic's own facts for the record and the report: its name (the header of every
printed page) and its time zone (clock times in the clinic's local time, with the offset).

They come from a small TOML file, `config.toml` in the user's config folder
(~/.config/companion on Linux; `$COMPANION_CONFIG` names another file):

    [clinic]
    name = "Harbour Street Clinic"
    timezone = "Europe/Berlin"      # optional: this computer's zone when not given

A missing file is no clinic name and this computer's zone; a damaged one is a warning.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

CONFIG_VARIABLE = "COMPANION_CONFIG"
MAX_NAME = 120


@dataclass(frozen=True)
class Clinic:
    name: str | None = None
    timezone: str | None = None  # an IANA name, e.g. Europe/Berlin
    warning: str | None = None  # what was wrong with the config file, if anything

    def zone(self) -> tzinfo | None:
        return zone_named(self.timezone)


def config_path() -> Path:
    override = os.environ.get(CONFIG_VARIABLE)
    if override:
        return Path(override).expanduser()
    from platformdirs import user_config_dir

    return Path(user_config_dir("companion", appauthor=False)) / "config.toml"


def load_clinic(path: Path | None = None) -> Clinic:
    path = path or config_path()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Clinic()
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return Clinic(warning=f"{path}: cannot be read ({exc}); no clinic name or time zone")
    section = data.get("clinic")
    if not isinstance(section, dict):
        return Clinic(warning=None if section is None else f"{path}: [clinic] is not a table")
    name, zone = section.get("name"), section.get("timezone")
    problems = []
    if name is not None and not (isinstance(name, str) and 0 < len(name.strip()) <= MAX_NAME):
        problems.append(f"clinic.name should be text of up to {MAX_NAME} characters")
        name = None
    if zone is not None and (not isinstance(zone, str) or zone_named(zone) is None):
        problems.append(f"clinic.timezone {zone!r} is not a time zone such as Europe/Berlin")
        zone = None
    return Clinic(
        name.strip() if isinstance(name, str) else None,
        zone,
        f"{path}: " + "; ".join(problems) if problems else None,
    )


def zone_named(name: object) -> tzinfo | None:
    if not isinstance(name, str) or not name or len(name) > 64:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def local_zone_name() -> str | None:
    """This computer's IANA zone name when it can be found (TZ, /etc/timezone, /etc/localtime)."""
    candidates = [os.environ.get("TZ", "").lstrip(":")]
    try:
        candidates.append(Path("/etc/timezone").read_text(encoding="utf-8").strip())
    except OSError:
        pass
    try:
        target = os.readlink("/etc/localtime")
        candidates.append(target.split("zoneinfo/", 1)[1] if "zoneinfo/" in target else "")
    except OSError:
        pass
    return next((name for name in candidates if zone_named(name) is not None), None)


def offset_text(moment: datetime) -> str:
    """'UTC+01:00' for a time-zone-aware moment."""
    offset = moment.utcoffset()
    if offset is None:
        return "UTC"
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


__all__ = ["Clinic", "config_path", "load_clinic", "local_zone_name", "offset_text", "zone_named"]
