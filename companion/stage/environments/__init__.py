"""The built-in environments, one module each. `sceneries()` finds every `Scenery`
subclass in this folder, so adding an environment is adding a file."""

from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache

from companion.stage.environments.base import Kit, Scenery

__all__ = ["Kit", "Scenery", "sceneries"]


@lru_cache(maxsize=1)
def sceneries() -> dict[str, type[Scenery]]:
    found: dict[str, type[Scenery]] = {}
    for module in pkgutil.iter_modules(__path__):
        if module.name == "base":
            continue
        loaded = importlib.import_module(f"{__name__}.{module.name}")
        for value in vars(loaded).values():
            if (
                isinstance(value, type)
                and issubclass(value, Scenery)
                and value is not Scenery
                and getattr(value, "name", None)
                and value.__module__ == loaded.__name__
            ):
                found[value.name] = value
    return found
