"""Opening the sound device through pygame.mixer. With Panda3D in the same process the app
sets Panda's audio-library-name to null first, so SDL owns the device.

On a Linux machine with no sound card and no sound server, SDL's ALSA back end made libasound
print eight "ALSA lib ... cannot find card '0'" lines into the therapist's terminal before the
one sentence that matters. Such a machine is told apart first (the kernel's card list, the
sound servers' sockets) and SDL is not asked at all. A Python error handler for libasound is
not the way: SDL's threads can call it while another thread holds the interpreter's lock."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

FREQUENCY, SIZE, CHANNELS, BUFFER = 44100, -16, 2, 512
VOICES = 32  # mixer channels; the mixer allocates them itself


@dataclass(frozen=True)
class Device:
    frequency: int
    size: int  # bits; negative is signed, 32 is float
    channels: int
    buffer: int
    driver: str

    def describe(self) -> str:
        return (
            f"{self.driver}, {self.frequency} Hz, {self.channels} channels, "
            f"{self.buffer}-frame buffer"
        )


class NoDevice(Exception):
    pass


CARDS = Path("/proc/asound/cards")  # the kernel's sound cards (absent without ALSA)
SYSTEM_SERVER = Path("/run/pulse/native")  # a system-wide PulseAudio
NO_SOUND_HERE = "no sound device: this machine has no sound card and no sound server"


def nothing_to_open(cards: Path | None = None, environ: Mapping[str, str] = os.environ) -> bool:
    """True on a Linux machine where SDL can find no device to open: no card in the kernel's
    list, no PulseAudio or PipeWire server to reach (which may play through the network or
    Bluetooth without a card here), and no driver chosen by hand (SDL_AUDIODRIVER)."""
    if not sys.platform.startswith("linux") or environ.get("SDL_AUDIODRIVER"):
        return False
    try:
        listed = (cards or CARDS).read_text(encoding="utf-8", errors="replace")
    except OSError:
        listed = ""
    if listed.strip() and "no soundcards" not in listed:
        return False
    if environ.get("PULSE_SERVER"):
        return False
    runtime = environ.get("XDG_RUNTIME_DIR")
    sockets = [SYSTEM_SERVER]
    if runtime:
        sockets += [Path(runtime) / "pulse" / "native", Path(runtime) / "pipewire-0"]
    return not any(socket.exists() for socket in sockets)


def open_device() -> Device:
    """Initialise pygame.mixer (if not already) and return what was obtained."""
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    if nothing_to_open():
        raise NoDevice(NO_SOUND_HERE)
    try:
        import pygame
    except ImportError:
        raise NoDevice("pygame is not installed (pip install pygame-ce)") from None
    try:
        if pygame.mixer.get_init() is None:
            pygame.mixer.pre_init(FREQUENCY, SIZE, CHANNELS, BUFFER)
            pygame.mixer.init()
        obtained = pygame.mixer.get_init()
        if obtained is None:
            raise NoDevice("no sound device (the mixer did not start)")
        frequency, size, channels = obtained
        pygame.mixer.set_num_channels(VOICES)
        pygame.mixer.set_reserved(VOICES)  # nothing but this mixer picks channels
    except pygame.error as exc:
        raise NoDevice(f"no sound device ({exc})") from None
    return Device(frequency, size, channels, BUFFER, _driver_name())


def _driver_name() -> str:
    """The driver SDL picked, when this pygame can say (the name is only for the health
    message); else the one asked for."""
    import pygame

    asked = os.environ.get("SDL_AUDIODRIVER") or "default"
    try:
        import pygame._sdl2.audio as sdl_audio
    except ImportError:
        return asked
    # not in every pygame-ce (nor in its stubs)
    driver_name = getattr(sdl_audio, "get_audio_driver_name", None)
    if driver_name is None:
        return asked
    try:
        return str(driver_name())
    except pygame.error:
        return asked


def close_device() -> None:
    import pygame

    if pygame.mixer.get_init() is not None:
        pygame.mixer.quit()
