"""What `companion run` calls before a session starts: the library (made if missing), every
narration line rendered or found, and the engine's Timing from the real sounds.

    audio = prepare_audio(script, script_path, progress=print)
    engine = Engine(script, clock, timing=audio.timing)
    mixer = Mixer(script, script_path.parent, audio.narration, health.report,
                  library=audio.library)

Never raises for a missing speech engine or voice: `audio.narration.problem` says why the
narration is captions only, and the mixer reports it as the "narration" part's health."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from companion.audio.custom import level_script
from companion.audio.library import ROOT, Library, ensure_library
from companion.audio.narration.cache import NarrationCache
from companion.audio.narration.prepare import Narration, prepare_narration
from companion.audio.narration.render import Progress
from companion.audio.narration.timing import SoundTiming
from companion.script.models import Script


@dataclass
class SessionAudio:
    library: Library
    narration: Narration
    timing: SoundTiming


def prepare_audio(
    script: Script,
    script_path: Path | str,
    *,
    progress: Callable[[str], None] | None = None,
    narration_progress: Progress | None = None,
    cache: NarrationCache | None = None,
    library_root: Path = ROOT,
) -> SessionAudio:
    """`progress` hears each stage in a line; `narration_progress` (done, total) follows the
    lines being rendered (by default as lines to `progress`)."""
    say = progress or (lambda _line: None)
    library = Library(library_root)
    if problem := library.problem():
        say(f"sound library: {problem}; making it now (about two minutes, once)")
        library = ensure_library(library_root, progress=say)
    narration = prepare_narration(
        script,
        script_path,
        cache=cache,
        progress=narration_progress or (lambda done, total: say(f"narration {done}/{total}")),
    )
    say(
        f"narration: {narration.rendered} rendered, {narration.reused} reused"
        + (f", {narration.recorded} recorded" if narration.recorded else "")
    )
    # the clinic's own music and ambience, brought to their buses' loudness (cached); a file
    # that cannot be is played as it is by the mixer, which reports it if it cannot play it
    for name, why in level_script(script, Path(script_path).parent, progress=say).items():
        say(f"{name}: not levelled: {why}")
    return SessionAudio(library, narration, SoundTiming(narration, library))
