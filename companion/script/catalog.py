"""The one place that names what scripts may refer to: environments and their settings,
and the bundled sound library. The stage and the sound library are tested against it."""

from __future__ import annotations

from dataclasses import dataclass

PHASES = ("preparation", "journey", "integration")
TIMES_OF_DAY = ("dawn", "day", "dusk", "night")
BREATH_SOUNDS = ("tone", "none")


@dataclass(frozen=True)
class Setting:
    """An environment's own `look` setting: a number in [low, high] or one of `choices`."""

    name: str
    description: str
    low: float = 0.0
    high: float = 1.0
    choices: tuple[str, ...] = ()

    def problem(self, value: object) -> str | None:
        """Why `value` is not acceptable, or None."""
        if self.choices:
            if value in self.choices:
                return None
            return f"must be one of {', '.join(self.choices)}"
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return f"must be a number from {self.low:g} to {self.high:g}"
        if not self.low <= value <= self.high:
            return f"must be from {self.low:g} to {self.high:g} (got {value:g})"
        return None


# What an environment shows that a patient may need to avoid (a profile's `avoid: tags`).
TAGS = ("water", "heights", "darkness", "enclosed")


@dataclass(frozen=True)
class Environment:
    name: str
    description: str
    settings: tuple[Setting, ...] = ()
    tags: tuple[str, ...] = ()  # from TAGS

    def setting(self, name: str) -> Setting | None:
        return next((s for s in self.settings if s.name == name), None)


ENVIRONMENTS: dict[str, Environment] = {
    env.name: env
    for env in (
        Environment(
            "shoreline",
            "a calm sea meeting a sandy shore",
            (Setting("waves", "height of the swell, 0 flat to 1 rolling"),),
            tags=("water",),
        ),
        Environment(
            "forest",
            "tall trees in soft light",
            (Setting("mist", "haze between the trees, 0 clear to 1 misty"),),
        ),
        Environment(
            "meadow",
            "open grass under a wide sky",
            (Setting("flowers", "how many flowers dot the grass"),),
        ),
        Environment(
            "night-sky",
            "a field of slow stars above a dark horizon",
            (Setting("stars", "how many stars, 0 few to 1 many"),),
            tags=("darkness",),
        ),
        Environment(
            "aurora",
            "ribbons of light over a snowy plain",
            (
                Setting(
                    "hue", "the colour of the ribbons", choices=("green", "teal", "violet", "rose")
                ),
            ),
            tags=("darkness",),
        ),
        Environment(
            "haven",
            "a quiet, neutral, softly lit room for grounding",
            (Setting("warmth", "colour of the light, 0 cool to 1 warm"),),
            tags=("enclosed",),
        ),
    )
}

# Names of the bundled sound library (audio/). The sound library is generated to match.
MUSIC = ("drift", "still-water", "open-sky")
# Pieces the composer makes while they play (`music: {piece: drift, energy: 0.3}`): the names
# of companion/audio/composer/recipes.py (a test keeps the two alike).
PIECES = ("drift", "still-water", "open-sky", "hearth", "deep-field", "daybreak")
AMBIENCE = ("waves", "forest", "rain", "night", "wind", "stream")
CHIMES = ("soft", "bright", "low")

# Sound buses the therapist can set, and what a script's `mix` sets.
BUSES = ("master", "music", "ambience", "narration", "effects")
SILENCE = "none"


def look_setting_names() -> tuple[str, ...]:
    """Every environment-specific look setting, for the schema and suggestions."""
    return tuple(sorted({s.name for env in ENVIRONMENTS.values() for s in env.settings}))
