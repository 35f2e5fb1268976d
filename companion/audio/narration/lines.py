"""The lines of a script as a voice artist or the renderer sees them."""

from __future__ import annotations

from dataclasses import dataclass

from companion.script.models import SayStep, Script


@dataclass(frozen=True)
class Line:
    id: str  # the step's `id`, or scene id and position ("arrive-2") when it has none
    scene: str
    text: str
    audio: str | None  # a recorded file named in the script
    explicit_id: bool

    @property
    def step_id(self) -> str | None:
        """The id as the engine's Say action carries it (None when the script gave none)."""
        return self.id if self.explicit_id else None


def script_lines(script: Script) -> list[Line]:
    lines: list[Line] = []
    used: set[str] = {
        s.id for sc in script.scenes for s in sc.steps if isinstance(s, SayStep) and s.id
    }
    for scene in script.scenes:
        count = 0
        for step in scene.steps:
            if not isinstance(step, SayStep):
                continue
            count += 1
            line_id = step.id
            if line_id is None:
                line_id = f"{scene.id}-{count}"
                while line_id in used:
                    line_id += "x"
            used.add(line_id)
            lines.append(Line(line_id, scene.id, step.say, step.audio, step.id is not None))
    return lines
