"""With no sound card, the therapist's terminal shows our one clear message, not libasound's
dozen "ALSA lib ..." lines (companion/audio/device.py hushes its error handler). A bogus
ALSA_CARD makes any machine's ALSA fail the same way; the control run opens pygame's mixer
without the hush and must show the lines, so the test can fail."""

import subprocess
import sys

OPEN = """
from companion.audio.device import NoDevice, open_device
try:
    open_device()
    print("opened")
except NoDevice as error:
    print(error)
"""

CONTROL = """
import pygame
try:
    pygame.mixer.init()
    print("opened")
except pygame.error as error:
    print("no sound device", error)
"""


def _run(code: str) -> subprocess.CompletedProcess[str]:
    env = {"SDL_AUDIODRIVER": "alsa", "ALSA_CARD": "no-such-card", "PATH": "/usr/bin:/bin"}
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60
    )


def test_no_card_says_one_clear_message_and_nothing_from_libasound() -> None:
    control = _run(CONTROL)
    assert "ALSA lib" in control.stderr, "the control should show libasound's own lines"
    hushed = _run(OPEN)
    assert hushed.stdout.startswith("no sound device (")
    assert "ALSA lib" not in hushed.stderr, hushed.stderr
