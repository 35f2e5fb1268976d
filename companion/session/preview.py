"""`companion preview`: a script's timeline as text, played on a virtual clock with every
hold released at once."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from companion.script import models
from companion.script.durations import format_clock, format_short
from companion.script.timing import Timing, step_seconds
from companion.session import actions as act
from companion.session.clock import VirtualClock
from companion.session.engine import Engine, State
from companion.session.snapshot import describe_step

MAX_STEPS = 1_000_000  # a script that loops with no hold would otherwise never end


def run_released(engine: Engine, clock: VirtualClock, until: float | None = None) -> Iterator[None]:
    """Drive `engine` to its end (or to play time `until`), releasing holds at once.
    Yields after each batch so the caller can read events as they come."""
    engine.command("start", source="preview")
    for _ in range(MAX_STEPS):
        engine.tick()
        yield
        if engine.state is State.ENDED:
            return
        if engine.state is State.HOLDING:
            if until is not None and engine.play_time >= until:
                return
            engine.command("continue", source="preview")
            continue
        wait = engine.time_to_next()
        assert wait is not None
        if until is not None and engine.play_time + wait > until:
            clock.advance(until - engine.play_time)
            engine.tick()
            return
        clock.advance(wait)
    raise RuntimeError("the script did not end: it loops without a hold")


def timeline(script: models.Script, timing: Timing | None = None) -> list[str]:
    clock = VirtualClock()
    engine = Engine(script, clock, timing)
    lines = [f"{script.title} — {len(script.scenes)} scene{'s' * (len(script.scenes) != 1)}"]
    try:
        for _ in run_released(engine, clock):
            for event in engine.take_events():
                line = _line(engine, event.kind, event.play_time, event.data)
                if line:
                    lines.append(line)
    except RuntimeError as exc:
        lines.append(f"stopped: {exc}")
    lines.append(f"total {format_clock(engine.play_time)}")
    return lines


def _line(engine: Engine, kind: str, at: float, data: dict[str, Any]) -> str | None:
    stamp = format_clock(at)
    script = engine.script
    if kind == "scene_start":
        index = data["index"]
        scene = script.scenes[index]
        parts = [
            f"scene {scene.id}",
            scene.title,
            scene.environment + _look(scene),
            script.scene_phase(scene),
            _sound("music", scene.music),
            _sound("ambience", scene.ambience),
            f"then {scene.then}" if scene.then != "next" else None,
        ]
        return f"{stamp}  " + " · ".join(p for p in parts if p)
    if kind == "step_start":
        step = script.scenes[script.scene_index(data["scene"])].steps[data["step"]]  # type: ignore[index]
        text = describe_step(step)
        seconds = step_seconds(step, script, engine.timing)
        if isinstance(step, models.WaitStep):
            return f"{stamp}    hold: wait for the therapist"
        length = (
            f" ({format_short(seconds)})"
            if seconds and not isinstance(step, models.PauseStep)
            else ""
        )
        return f"{stamp}    {text}{length}"
    if kind == "hold" and data["reason"] == "scene":
        return f"{stamp}    hold: end of scene, until the therapist continues"
    if kind == "end":
        return f"{stamp}  end"
    return None


def _look(scene: models.Scene) -> str:
    settings = scene.look.settings() if scene.look else {}
    return f" ({', '.join(f'{k} {v}' for k, v in settings.items())})" if settings else ""


def _sound(bus: str, spec: models.SoundSpec | None) -> str | None:
    if spec is None:
        return None
    piece = spec.piece if isinstance(spec, models.MusicSpec) else None
    energy = spec.energy if isinstance(spec, models.MusicSpec) else None
    return f"{bus} " + _playing(spec.track, piece, energy, spec.shuffle)


def _playing(
    tracks: tuple[str, ...], piece: str | None, energy: float | None, shuffle: bool
) -> str:
    """What a bus plays, as authors wrote it: a composed piece says so with its energy (the
    composer's default when not given), a shuffled playlist says it is shuffled."""
    if piece is not None:
        return f"{piece} (composed, energy {models.DEFAULT_ENERGY if energy is None else energy:g})"
    if not tracks:
        return "none"
    return " → ".join(tracks) + (" (shuffled)" if shuffle else "")


def at_moment(script: models.Script, seconds: float, timing: Timing | None = None) -> list[str]:
    """What is playing `seconds` into the session (holds released at once)."""
    clock = VirtualClock()
    engine = Engine(script, clock, timing)
    for _ in run_released(engine, clock, until=seconds):
        engine.take_events()
    if engine.state is State.ENDED:
        return [
            f"at {format_clock(seconds)}: the session has ended "
            f"(at {format_clock(engine.play_time)})"
        ]
    snap = engine.snapshot()
    scene, step = snap["scene"], snap["step"]
    lines = [
        f"at {format_clock(seconds)}",
        f"scene: {scene['id']} · {scene['title']} · {scene['environment']} · {snap['phase']}"
        f" · {format_short(snap['scene_time'])} in",
        f"step {step['index'] + 1} of {scene['steps']}: {step['text']}"
        + (f" ({format_short(step['remaining'])} left)" if step["remaining"] else ""),
        "music: " + _now_playing(engine.presentation.music if engine.presentation else None),
        "ambience: " + _now_playing(engine.presentation.ambience if engine.presentation else None),
        "look: "
        + (", ".join(f"{k} {v}" for k, v in snap["look"].items()) or "the environment's own"),
    ]
    if snap["breath"]:
        b = snap["breath"]
        lines.append(
            f"breath: {b['phase']} ({b['progress']:.0%}), cycle {b['cycle']} of {b['cycles']}"
        )
    if snap["state"] == "holding":
        lines.append("holding: waits for the therapist")
    coming = snap["next"]
    lines.append("next: " + (coming["step"] or f"scene {coming['scene'] or '(end)'}"))
    return lines


def _now_playing(change: act.SoundChange | None) -> str:
    if change is None:
        return "none"
    return _playing(change.tracks, change.piece, change.energy, change.shuffle)
