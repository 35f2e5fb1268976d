"""Opening the sound device through pygame.mixer. With Panda3D in the same process the app
sets Panda's audio-library-name to null first, so SDL owns the device."""

from __future__ import annotations

import os
from dataclasses import dataclass

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


def open_device() -> Device:
    """Initialise pygame.mixer (if not already) and return what was obtained."""
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
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
