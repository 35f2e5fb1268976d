"""The gain of chunks that join on one channel (the composer's stream, a film's sound), through
the real SDL_mixer into its disk driver: SDL_mixer multiplies the Sound's and the channel's
volumes as whole numbers (steps of 1/128 of full scale) and drops the channel's panning at
every join; `stream_gain` fades in fine steps anyway and holds a steady gain through joins.

The ticks here are counted, not timed: each one moves the gain by a fixed amount, so a slow
machine only puts fewer ticks into a mixer buffer (smaller steps). Where SDL's disk driver
was itself held up (more ticks than real time allows between two of its buffers), the
capture says nothing of the steps: those buffers are left out (Capture.held_up)."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from companion.audio.channels import ChannelPool, panning_lost, stream_gain, whole_volume
from companion.audio.ramps import Param
from companion.audio.streams import Stream
from tests.audio.capture import Capture

RATE = 44100
BUFFER = 512  # frames SDL_mixer mixes at one gain
TONE = 882.0  # Hz: whole cycles in a 0.5-s chunk, so chunks join without a seam
FULL = 1 / 128  # one step of a whole Sound volume


class ToneStream(Stream):
    """Endless 0.5-s chunks of a steady tone at half scale."""

    def __init__(self) -> None:
        t = np.arange(RATE // 2) / RATE
        wave = np.round(0.5 * 32767 * np.sin(2 * np.pi * TONE * t)).astype("<i2")
        self.chunk = np.stack([wave, wave], 1).tobytes()

    def ready(self) -> bool:
        return True

    def take(self, now: float) -> bytes | None:
        return self.chunk


def buffer_gains(path: Path) -> np.ndarray:
    """The tone's gain in every mixer buffer of the capture (least squares on sine and
    cosine: a buffer holds no whole number of cycles)."""
    left = np.fromfile(path, dtype="<i2").reshape(-1, 2)[:, 0] / 32768
    count = left.size // BUFFER
    blocks = left[: count * BUFFER].reshape(count, BUFFER)
    phase = 2 * np.pi * TONE * np.arange(count * BUFFER).reshape(count, BUFFER) / RATE
    s, c = np.sin(phase), np.cos(phase)
    ss, cc, sc = (s * s).sum(1), (c * c).sum(1), (s * c).sum(1)
    ps, pc = (blocks * s).sum(1), (blocks * c).sum(1)
    det = ss * cc - sc * sc
    a, b = (ps * cc - pc * sc) / det, (pc * ss - ps * sc) / det
    return np.hypot(a, b) / 0.5


@pytest.fixture
def pygame_mixer(tmp_path, monkeypatch):
    capture = tmp_path / "capture.raw"
    monkeypatch.setenv("SDL_AUDIODRIVER", "disk")
    monkeypatch.setenv("SDL_DISKAUDIOFILE", str(capture))
    import pygame

    pygame.mixer.init(RATE, -16, 2, BUFFER)
    try:
        yield pygame, Capture(capture)
    finally:
        pygame.mixer.quit()


def test_a_streamed_fade_moves_in_fine_steps_and_a_steady_gain_holds_through_joins(
    pygame_mixer,
) -> None:
    pygame, capture = pygame_mixer
    pool = ChannelPool(pygame, 2, lambda: None)
    voice = pool.start_stream(ToneStream(), "music", Param(1.0), time.monotonic())
    assert voice is not None
    steady, low, step = 47.4 * FULL, 22.4 * FULL, 0.05 * FULL  # between whole volumes

    def tick(gain: float) -> None:
        pool.feed(voice, time.monotonic())
        pool.set_gain(voice, gain)
        time.sleep(0.005)

    while capture.written() < 180 * BUFFER:  # about 2 s held (four joins or more)
        tick(steady)
    for gain in np.arange(steady, low, -step):  # 500 ticks of fade (about 2.6 s)
        tick(float(gain))
    for _ in range(200):
        tick(low)
    capture.stop()
    heard = buffer_gains(capture.path)
    start = int(np.flatnonzero(heard > 0.1)[0])
    held = heard[start + 5 : start + 150]  # after the first set_gain, before the fade
    assert np.ptp(held) < 0.02 * FULL, "a steady gain holds through every join"
    assert abs(held.mean() - steady) < 0.5 * FULL
    late = capture.held_up()
    fading = [
        i
        for i in range(start, heard.size - 1)
        if low + 0.6 * FULL < min(heard[i], heard[i + 1])
        and max(heard[i], heard[i + 1]) < steady - 0.6 * FULL
        and not any(a < (i + 2) * BUFFER and i * BUFFER < b for a, b in late)
    ]
    assert len(fading) > 60, f"{len(fading)} pairs of buffers mixed in time ({late})"
    steps = np.diff(heard)[fading] / FULL
    # whole volumes alone stepped by 1/128 every 20 ticks; now a tick moves the gain by
    # 1/2560 and a join (a chunk without its panning for a tick) by at most 1/256
    assert np.abs(steps).max() < 0.9, f"largest step {np.abs(steps).max():.2f}/128"
    assert steps.max() < 0.55, "no join lifts the gain"


def queue_chunks(pygame, pool: ChannelPool, joins: bool, after_join: bool) -> None:
    """Play a tone in 0.5-s chunks at a gain of 0.5 for about 2 s, queued as film_sound.py
    queues a film's sound; `after_join`: tell the pool when the queued chunk began."""
    chunk = ToneStream().chunk
    voice = pool.start(
        pygame.mixer.Sound(buffer=chunk), "ambience", Param(1.0), loops=0, joins=joins
    )
    assert voice is not None
    channel = pygame.mixer.Channel(voice.channel)
    for _ in range(400):
        pool.set_gain(voice, 0.5)
        if channel.get_queue() is None:
            sound = pygame.mixer.Sound(buffer=chunk)
            sound.set_volume((voice.level[0] + 0.5) / 128)
            voice.sound = sound
            if after_join:
                panning_lost(voice)
            channel.queue(sound)
        time.sleep(0.005)
    pool.release(voice)


def test_chunks_queued_as_a_films_sound_is_keep_their_gain_after_every_join(
    pygame_mixer,
) -> None:
    """SDL_mixer drops the panning at each join: a film's sound at 0.5, split as a file's
    (Sound volume 85, panning 192), played 2.5 dB loud from its first join on, until then."""
    pygame, capture = pygame_mixer
    pool = ChannelPool(pygame, 2, lambda: None)
    queue_chunks(pygame, pool, joins=False, after_join=False)
    time.sleep(0.3)
    queue_chunks(pygame, pool, joins=True, after_join=True)  # film_sound.py now
    capture.stop()
    heard = buffer_gains(capture.path)
    loud = np.flatnonzero(heard > 0.1)
    gaps = np.flatnonzero(np.diff(loud) > 5)
    assert gaps.size == 1, "two stretches of sound: the chunk queued at the release is not heard"
    before, now = heard[loud[10] : loud[gaps[0]]], heard[loud[gaps[0] + 1] + 5 : loud[-1]]
    assert before.size > 100 and now.size > 100
    assert np.median(before[-40:]) == pytest.approx(0.5 * 255 / 192, abs=0.01), "the loss"
    assert np.abs(now - 0.5).max() < 0.5 * FULL, "kept through every join"


@pytest.mark.parametrize("gain", [1.0, 0.73, 0.2, 0.031, 0.004, 0.0])
def test_stream_gain_trims_with_the_panning_only_while_the_gain_moves(gain) -> None:
    volume, pan = stream_gain(gain, steady=False)
    assert abs(volume * pan / 255 / 128 - gain) <= 0.5 * FULL / 255 * max(volume, 1)
    assert volume / 128 - gain < FULL, "without the panning (at a join) under 1/128 over"
    assert stream_gain(gain, steady=True) == (whole_volume(gain), 255), "steady: no panning"
    assert abs(whole_volume(gain) / 128 - gain) <= FULL / 2
