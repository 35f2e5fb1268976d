"""The mixer's load queue: every sound the script can play asked of the loader ahead of
time, in the order the session will need them (preload), the first composer piece started
early (warm), a sound asked for now (request), and what waits to start until it is decoded
(within LATE_LIMIT, else it is left out rather than played late).

A part of the mixer that owns what was asked and why (so a file that fails names what falls
silent: a narration line is then captions only) and what waits; it runs under the mixer's
lock. Moved out of mixer.py (issue 17), behaviour and timing unchanged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from companion.audio.faults import captions_only, fault_message
from companion.audio.library import NARRATION_PEAK_DBFS, TARGETS
from companion.audio.streams import COMPOSED, DEFAULT_ENERGY
from companion.audio.tracks import playlist, sources
from companion.script import models

if TYPE_CHECKING:
    from companion.audio.mixer import Mixer

log = logging.getLogger("companion.audio")

LATE_LIMIT = 1.0  # s: a sound still decoding after this is left out rather than played late


class Loads:
    """What the mixer asked of its loader (and for what), and what waits to be decoded."""

    def __init__(self, mixer: Mixer) -> None:
        self._mixer = mixer
        self.uses: dict[tuple[str, float | None], set[str]] = {}  # request key -> what it is for
        self.line_of: dict[tuple[str, float | None], str] = {}  # request key -> a line it speaks
        self.waiting: list[
            tuple[Any, float, Callable[[Any, float], object], Any]
        ] = []  # not yet decoded

    def request(
        self,
        path: Path,
        use: str,
        normalise: float | None = None,
        urgent: bool = False,
        peak_db: float | None = None,
    ) -> Any:
        """Ask the loader for a file; `use` (music, ambience, chime, breathing tone, narration)
        names what falls silent if it cannot be played."""
        from companion.audio.sounds import Request

        seconds, known_peak = self._mixer.library.expected(path)
        request = Request(
            path,
            normalise,
            self._mixer.library.padding(path),
            seconds=seconds,
            peak_db=known_peak if known_peak is not None else peak_db,
            soften=use == "narration" and normalise is not None,
        )
        self.uses.setdefault(request.key, set()).add(use)
        self._mixer.loader.request(request, urgent)
        return request

    def preload(self) -> None:
        """Ask for every sound the script can play, in the order it will need them."""
        if not self._mixer.library.breath_tone().is_file() or self._mixer.library.problem():
            message = self._mixer.library.problem() or "the sound library is missing"
            self._mixer._health_now("library", False, f"{message}: run scripts/make-library")
        for scene in self._mixer.script.scenes:
            specs = [("music", scene.music), ("ambience", scene.ambience)]
            specs += [("music", s.music) for s in scene.steps if isinstance(s, models.MusicStep)]
            specs += [
                ("ambience", s.ambience) for s in scene.steps if isinstance(s, models.AmbienceStep)
            ]
            for bus, spec in specs:
                if isinstance(spec, models.MusicSpec) and spec.piece is not None:
                    self.warm(spec.piece, spec.energy)
                    continue
                for name in (
                    playlist(self._mixer.folder, self._mixer.music_seed, spec.track, False)
                    if spec is not None
                    else ()
                ):
                    for _, path in sources(self._mixer.library, self._mixer.folder, bus, name):
                        if self._mixer._tracks is None or not self._mixer._tracks.is_long(path):
                            self.request(path, bus)
            for step in scene.steps:
                if isinstance(step, models.ChimeStep):
                    self.request(self._mixer.library.chime(step.chime), "chime")
                elif isinstance(step, models.BreatheStep) and step.breathe.sound == "tone":
                    self.request(self._mixer.library.breath_tone(), "breathing tone")
                elif isinstance(step, models.SayStep):
                    self.narration_request(step.say, step.id, step.audio)

    def warm(self, piece: str, energy: float | None) -> None:
        """Start the script's first composer piece now, so it is ready when the scene asks
        (a worker takes a second or more to start); later pieces start when asked for, and
        the music playing then goes on until they are ready."""
        if self._mixer._tracks is None or self._mixer._tracks.streams:
            return
        self._mixer._tracks.energy = DEFAULT_ENERGY if energy is None else energy
        self._mixer._tracks.layers("music", COMPOSED + piece)

    def narration_request(
        self, text: str, line_id: str | None, audio: str | None, urgent: bool = False
    ) -> Any:
        if self._mixer.narration is not None:  # settled before the session: None is captions only
            path = self._mixer.narration.path_for(text, line_id, audio)
        else:
            path = (self._mixer.folder / audio).resolve() if audio else None
        if path is None:
            return None
        if self.in_cache(path):  # levelled when rendered: its peak is known
            request = self.request(path, "narration", None, urgent, peak_db=NARRATION_PEAK_DBFS)
        else:
            request = self.request(path, "narration", TARGETS["narration"], urgent)
        self.line_of.setdefault(request.key, text)
        return request

    def in_cache(self, path: Path) -> bool:
        return (
            self._mixer.narration is not None and self._mixer.narration.cache.root in path.parents
        )

    def sound(self, request: Any) -> tuple[Any, float] | None:
        got: tuple[Any, float] | None = self._mixer.loader.get(request)
        return got

    def note_failures(self) -> None:
        """Report files the loader could not play, as soon as it finds them (often before the
        session reaches them): the sound part for music, ambience and effects, the narration
        part for lines, which are then captions only."""
        for request, why in self._mixer.loader.take_failures():
            for use in sorted(self.uses.get(request.key, {"sound"})):
                if use == "narration":
                    if self.in_cache(request.path):  # its name is a hash: say what it is
                        why = why.replace(request.path.name, "its cached voice", 1)
                    self._mixer._faults["narration"][request.path.name] = captions_only(
                        self.line_of.get(request.key, ""), why
                    )
                    self._mixer._health_later(
                        "narration", False, fault_message(self._mixer._faults["narration"])
                    )
                else:
                    self._mixer._faults["sound"][request.path.name] = f"{why}: the {use} is silent"
                    self._mixer._health_later(
                        "sound", False, fault_message(self._mixer._faults["sound"])
                    )
            log.warning("%s (%s)", why, request.path)

    def when_loaded(
        self,
        request: Any,
        play: float,
        start: Callable[[Any, float], object],  # what it returns is not used
        missed: Callable[[float], None] | None = None,
    ) -> None:
        """Start a sound now if it is decoded, else as soon as it is (within LATE_LIMIT);
        `missed` is called if it never starts (failed or late)."""
        got = self.sound(request)
        if got is not None:
            start(got, play)
        elif not self._mixer.loader.failure(request):
            self.waiting.append((request, play, start, missed))
        elif missed is not None:
            missed(play)

    def start_waiting(self, play: float) -> None:
        for item in list(self.waiting):
            request, asked, start, missed = item
            got = self.sound(request)
            if got is not None or self._mixer.loader.failure(request) or play - asked > LATE_LIMIT:
                self.waiting.remove(item)
                if got is not None and play - asked <= LATE_LIMIT:
                    start(got, play)
                elif missed is not None:
                    missed(play)
