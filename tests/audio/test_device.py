"""A machine with no sound card and no sound server is told apart before SDL is asked, so the
therapist's terminal shows one sentence, not libasound's eight lines about card '0'."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from companion.audio.device import NO_SOUND_HERE, nothing_to_open

NO_CARDS = " --- no soundcards ---\n"
ONE_CARD = " 0 [PCH            ]: HDA-Intel - HDA Intel PCH\n"


@pytest.mark.parametrize(
    ("cards", "environ", "socket", "expected"),
    [
        (None, {}, None, True),  # no ALSA in the kernel at all
        (NO_CARDS, {}, None, True),
        (ONE_CARD, {}, None, False),
        (NO_CARDS, {"PULSE_SERVER": "tcp:studio"}, None, False),
        (NO_CARDS, {}, "pulse/native", False),
        (NO_CARDS, {}, "pipewire-0", False),
        (NO_CARDS, {"SDL_AUDIODRIVER": "disk"}, None, False),  # chosen by hand: SDL is asked
    ],
)
def test_nothing_to_open_only_without_a_card_a_server_or_a_chosen_driver(
    tmp_path: Path, cards: str | None, environ: dict[str, str], socket: str | None, expected: bool
) -> None:
    listing = tmp_path / "cards"
    if cards is not None:
        listing.write_text(cards)
    runtime = tmp_path / "run"
    if socket is not None:
        (runtime / socket).parent.mkdir(parents=True, exist_ok=True)
        (runtime / socket).touch()
    assert nothing_to_open(listing, {**environ, "XDG_RUNTIME_DIR": str(runtime)}) is expected


OPEN = """
import sys
from pathlib import Path
import companion.audio.device as device
device.CARDS = Path(sys.argv[1])
device.SYSTEM_SERVER = Path(sys.argv[2])
try:
    device.open_device()
except device.NoDevice as exc:
    print(exc)
"""


def test_opening_with_nothing_to_open_says_one_sentence_and_nothing_from_libasound(
    tmp_path: Path,
) -> None:
    """The real pygame in a fresh process, with the kernel's list saying there is no card."""
    (tmp_path / "cards").write_text(NO_CARDS)
    env = {k: v for k, v in os.environ.items() if k not in ("SDL_AUDIODRIVER", "PULSE_SERVER")}
    env["XDG_RUNTIME_DIR"] = str(tmp_path)
    done = subprocess.run(
        [sys.executable, "-c", OPEN, str(tmp_path / "cards"), str(tmp_path / "no-server")],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.stdout.strip() == NO_SOUND_HERE
    assert done.stderr == "", done.stderr
