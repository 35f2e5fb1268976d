"""Light for each time of day: sky, sun, key light, fill and haze, as shader uniforms.

Colours are display values (0..1), chosen by eye to be soft: no pure white, no pure black.
Environments start from these and may shift them (a snowy plain at night is bluer).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace

Vec3 = tuple[float, float, float]


def sun_direction(elevation_deg: float, azimuth_deg: float) -> Vec3:
    """A unit vector (Panda3D axes: +Y ahead, +Z up) from elevation and azimuth
    (0 = straight ahead, positive to the right)."""
    e, a = math.radians(elevation_deg), math.radians(azimuth_deg)
    return (math.cos(e) * math.sin(a), math.cos(e) * math.cos(a), math.sin(e))


@dataclass(frozen=True)
class Palette:
    zenith: Vec3  # sky straight up
    horizon: Vec3  # sky at the horizon, and the colour distance fades into
    sun_dir: Vec3  # towards the sun (or the moon at night)
    sun_color: Vec3  # the disc and its glow
    sun_glow: float  # how strongly the sun's glow shows in the sky
    light: Vec3  # key light on the ground and things
    ambient: Vec3  # fill light from the sky
    stars: float  # how visible stars are (0 by day)
    haze: float  # how thick the air is, a multiplier on distance fog

    def uniforms(self) -> dict[str, tuple[float, ...]]:
        return {
            "u_" + k: (tuple(v) if isinstance(v, tuple) else (float(v),))
            for k, v in asdict(self).items()
        }

    def shifted(self, **changes: object) -> Palette:
        return replace(self, **changes)  # type: ignore[arg-type]


PALETTES: dict[str, Palette] = {
    "dawn": Palette(
        zenith=(0.34, 0.44, 0.63),
        horizon=(0.97, 0.78, 0.68),
        sun_dir=sun_direction(5.0, -30.0),
        sun_color=(1.0, 0.80, 0.62),
        sun_glow=0.9,
        light=(0.95, 0.80, 0.68),
        ambient=(0.46, 0.49, 0.60),
        stars=0.12,
        haze=1.3,
    ),
    "day": Palette(
        zenith=(0.36, 0.58, 0.84),
        horizon=(0.80, 0.87, 0.93),
        sun_dir=sun_direction(48.0, 35.0),
        sun_color=(1.0, 0.97, 0.90),
        sun_glow=0.55,
        light=(1.0, 0.96, 0.88),
        ambient=(0.56, 0.63, 0.74),
        stars=0.0,
        haze=0.8,
    ),
    "dusk": Palette(
        zenith=(0.22, 0.25, 0.46),
        horizon=(0.95, 0.62, 0.46),
        sun_dir=sun_direction(3.0, 25.0),
        sun_color=(1.0, 0.62, 0.38),
        sun_glow=1.0,
        light=(0.92, 0.62, 0.46),
        ambient=(0.36, 0.34, 0.48),
        stars=0.3,
        haze=1.2,
    ),
    "night": Palette(
        zenith=(0.018, 0.028, 0.065),
        horizon=(0.07, 0.09, 0.15),
        sun_dir=sun_direction(21.0, 14.0),
        sun_color=(0.66, 0.71, 0.84),
        sun_glow=0.25,
        light=(0.24, 0.28, 0.38),
        ambient=(0.07, 0.09, 0.14),
        stars=1.0,
        haze=0.7,
    ),
}
