"""What the music and ambience buses play, by name: the library's layered pieces and
ambiences, a file the script names (a long one read as it plays), or a composer piece
streamed from a worker; and a playlist's order.

The buses' TrackSource (buses.py): moved out of mixer.py (issue 17) beside streams.py,
film_sound.py and custom.py. The tracks own the streams' bookkeeping (waiting, playing,
each piece's starts and seeds); the mixer's load queue (loads.py) decodes the files.
"""

from __future__ import annotations

import logging
import math
import random
from pathlib import Path
from typing import TYPE_CHECKING, Any

from companion.audio.custom import levelled_path
from companion.audio.faults import fault_message
from companion.audio.library import Library
from companion.audio.streams import (
    DEFAULT_ENERGY,
    STREAM_FILES_OVER,
    ComposedStream,
    FileStream,
    Stream,
    is_composed,
    piece_of,
    seed_for,
)
from companion.script import models
from companion.script.models import is_file_reference

if TYPE_CHECKING:
    from companion.audio.mixer import Mixer

log = logging.getLogger("companion.audio")


def sources(library: Library, folder: Path, bus: str, name: str) -> list[tuple[str, Path]]:
    """(layer role, file) for a track name or a file path relative to the script."""
    if is_file_reference(name):  # a clinic's file: its levelled copy, if prepared
        return [("", levelled_path((folder / name).resolve(), bus))]
    if bus == "music":
        return library.music_layers(name)
    return [("", library.ambience(name))]


def playlist(
    folder: Path, music_seed: int, tracks: tuple[str, ...], shuffle: bool
) -> tuple[str, ...]:
    """Folders (`calm/`) become their sound files in name order; `shuffle` orders the
    whole list by a seed from the session's (the same session seed, the same order)."""
    names: list[str] = []
    for name in tracks:
        named = folder / name
        if name.endswith(("/", "\\")) and named.is_dir():
            names += [str(Path(name) / p.name) for p in models.folder_tracks(named)]
        else:
            names.append(name)
    if shuffle:
        random.Random(seed_for(music_seed, "|".join(names), 0)).shuffle(names)
    return tuple(names)


class FileTracks:
    """The buses' TrackSource for files: the library's layered pieces and ambiences, or a file
    the script names, decoded by the mixer's loader."""

    def __init__(self, mixer: Mixer) -> None:
        self._mixer = mixer

    def layers(self, bus: str, name: str) -> list[tuple[str, Any]]:
        mixer = self._mixer
        return [
            (role, mixer.loads.request(path, bus, urgent=True))
            for role, path in sources(mixer.library, mixer.folder, bus, name)
        ]

    def decoded(self, request: Any) -> tuple[Any, float] | None:
        got: tuple[Any, float] | None = self._mixer.loader.get(request)
        return got

    def failed(self, request: Any) -> bool:
        return bool(self._mixer.loader.failure(request))


class Tracks(FileTracks):
    """Files, long files read as they play, and composer pieces (`composer:<piece>`): a piece
    asked for gets a stream whose worker starts at once; the bus starts it once its first
    chunk is here, as it starts a file once it is decoded. Each start of a piece has its own
    seed, from the session's."""

    def __init__(self, mixer: Mixer) -> None:
        super().__init__(mixer)
        self.waiting: dict[str, ComposedStream] = {}  # bus -> asked for, not yet playing
        self.waiting_files: dict[tuple[str, str], FileStream] = {}  # (bus, path) -> not playing
        self.streams: list[Stream] = []  # every stream not yet closed
        self.energy = DEFAULT_ENERGY  # the energy a new stream starts at
        self.starts: dict[str, int] = {}  # piece -> streams made
        self._long: dict[Path, bool] = {}

    def is_long(self, path: Path) -> bool:
        """A file to read as it plays (over STREAM_FILES_OVER); asked of its header once."""
        if path not in self._long:
            import soundfile

            try:
                info = soundfile.info(str(path))
                self._long[path] = info.frames / info.samplerate > STREAM_FILES_OVER
            except Exception:  # noqa: BLE001 - decoded as before, and reported from there
                self._long[path] = False
        return self._long[path]

    def layers(self, bus: str, name: str) -> list[tuple[str, Any]]:
        if not is_composed(name):
            found = sources(self._mixer.library, self._mixer.folder, bus, name)
            if len(found) == 1 and is_file_reference(name) and self.is_long(found[0][1]):
                return [("", self._file(bus, found[0][1]))]
            return super().layers(bus, name)
        piece = piece_of(name)
        stream = self.waiting.get(bus)
        if stream is not None and (stream.piece != piece or stream.closed or stream.playing):
            if not stream.playing:
                stream.close()
            stream = None
        if stream is None:
            stream = self._new(bus, piece)
        return [("", stream)]

    def _file(self, bus: str, path: Path) -> FileStream:
        key = (bus, str(path))
        stream = self.waiting_files.get(key)
        if stream is None or stream.playing or stream.closed:
            device = self._mixer.device
            stream = FileStream(path, device.frequency if device is not None else 44100)
            self.waiting_files[key] = stream
            self.streams.append(stream)
        return stream

    def _new(self, bus: str, piece: str) -> ComposedStream:
        mixer = self._mixer
        count = self.starts.get(piece, 0)
        self.starts[piece] = count + 1
        stream = ComposedStream(
            piece,
            seed_for(mixer.music_seed, piece, count),
            self.energy,
            tone=mixer.music_tone,
            steady=mixer.music_steady,
            intensity=mixer.intensity.target,
        )
        self.waiting[bus] = stream
        self.streams.append(stream)
        mixer._music_started.append({**stream.describe(), "music_seed": mixer.music_seed})
        return stream

    def decoded(self, request: Any) -> tuple[Any, float] | None:
        if isinstance(request, Stream):
            if not request.ready():
                return None
            return request, request.seconds if isinstance(request, FileStream) else math.inf
        return super().decoded(request)

    def failed(self, request: Any) -> bool:
        if isinstance(request, Stream):
            return request.failed is not None
        return super().failed(request)

    def tidy(self) -> list[Stream]:
        """Forget closed streams; the failed ones not yet told to the panel."""
        self.streams = [s for s in self.streams if not s.closed or s.failed and not s.reported]
        return [s for s in self.streams if s.failed is not None and not s.reported]

    def close(self) -> None:
        for stream in self.streams:
            stream.close()
        self.streams, self.waiting, self.waiting_files = [], {}, {}

    def note_failures(self) -> None:
        """A composer that died or stopped: said once, in words; its bus fades it out (the
        ambience plays on). A piece that plays again later clears the message."""
        mixer = self._mixer
        for stream in self.tidy():
            stream.reported = True
            stream.close()
            if isinstance(stream, FileStream):
                why = f"{stream.failed}: the music is silent"
                mixer._faults["sound"][stream.path.name] = why
                mixer._health_later("sound", False, fault_message(mixer._faults["sound"]))
                log.warning("%s", why)
                continue
            mixer._faults["sound"]["composer"] = stream.failed or ""
            mixer._health_later("sound", False, fault_message(mixer._faults["sound"]))
            log.warning("%s", stream.failed)
        if "composer" in mixer._faults["sound"] and any(
            isinstance(s, ComposedStream) and s.playing and s.failed is None and s.chunks > 4
            for s in self.streams
        ):
            del mixer._faults["sound"]["composer"]
            if mixer._faults["sound"]:
                mixer._health_later("sound", False, fault_message(mixer._faults["sound"]))
            else:
                mixer._health_later("sound", True, "the music composer plays again")
