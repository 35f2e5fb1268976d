"""What `companion run` and the authors' preview window share: the sound prepared before
anything plays, the stage opened for a display mode, and a frame loop that keeps its pace."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Protocol

from companion.script.models import Script

FRAME_RATE = 60.0
Report = Callable[[str, bool, str], None]


class StartupError(Exception):
    """A session cannot start; the message says why and what to do (exit status 2)."""


class Progress(Protocol):
    """A progress bar for the narration render (commands/progress.py's ProgressBar)."""

    def __call__(self, done: int, total: int) -> None: ...
    def close(self) -> None: ...


def prepare_audio(
    script: Script,
    script_path: Path,
    out: Callable[[str], None],
    report: Report,
    bar: Progress | None = None,
) -> Any:
    """The library (made once if missing) and every narration line, before anything plays:
    nothing is synthesised during a session. `bar`: shows the render's progress (the command
    line gives one on a terminal). Returns companion.audio.prepare.SessionAudio."""
    from companion.audio import prepare

    try:
        audio = prepare.prepare_audio(
            script, script_path, progress=out, narration_progress=bar or (lambda done, total: None)
        )
    finally:
        if bar is not None:
            bar.close()
    report_narration(audio.narration, report, out)
    return audio


def report_narration(
    narration: Any, report: Report, out: Callable[[str], None] | None = None
) -> None:
    if narration.problem:
        if out:
            out(f"speech: {narration.problem}; the session runs with captions only")
        report("speech", False, narration.problem)
    elif narration.missing:
        report("speech", False, f"{len(narration.missing)} line(s) have no sound: captions only")
    else:
        speaker = getattr(narration, "speaker", None)
        said = f": {speaker.label}" if speaker is not None and narration.lines else ""
        note = f" ({speaker.note})" if speaker is not None and speaker.note else ""
        report("speech", True, f"narration ready{said}{note}")


def open_stage(
    display: str,
    size: tuple[int, int],
    *,
    monitor: int | None,
    offscreen: bool,
    report: Report,
    title: str,
    environments: Iterable[str],
) -> Any:
    """The patient's view (a Stage, or a headset's); StartupError says what is missing."""
    from companion.stage.host import StageError

    stage: Any

    try:
        if display == "vr":
            from companion.xr import open_headset_stage

            stage = open_headset_stage(size, report=report)
        else:
            from companion.stage.stage import Stage

            stage = Stage(
                display, size, monitor=monitor, headless=offscreen, report=report, title=title
            )
    except StageError as exc:  # the headset's HeadsetUnavailable is one too
        raise StartupError(str(exc)) from None
    stage.prepare(set(environments) | {"haven"})  # built now, so no scene change stalls a frame
    return stage


def capped(display: str) -> bool:
    """Whether the loop is held to FRAME_RATE: on a screen, yes (a laptop stays cool); with a
    headset, no: its runtime paces every frame (xrWaitFrame), at 72 to 120 Hz."""
    return display != "vr"


def run_frames(step: Callable[[], bool], *, capped: bool, rate: float = FRAME_RATE) -> None:
    """Call `step` once a frame until it returns False; at most `rate` frames a second when
    `capped` (a desktop screen: a laptop stays cool), else as often as the output paces it."""
    period = 1.0 / rate
    next_frame = time.monotonic()
    while step():
        if not capped:
            continue
        next_frame += period
        delay = next_frame - time.monotonic()
        if delay > 0:
            time.sleep(min(delay, period))  # never more than a frame, whatever came before
        else:
            next_frame = time.monotonic()
