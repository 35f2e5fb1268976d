"""The composer's worker process and `companion music`: chunks in order and the same as the
composer renders in-process, steering reaching the worker, a killed worker reported in plain
words, and the command line's render and list (bad input: a message, never a traceback)."""

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import soundfile

from companion.audio.composer import Composer
from companion.audio.composer.worker import ComposerStopped, ComposerWorker
from tests.audio.analysis import band_db

RATE = 44100


@pytest.fixture
def worker():
    made = []

    def start(*args, **kwargs):
        w = ComposerWorker(*args, **kwargs).start()
        made.append(w)
        return w

    yield start
    for w in made:
        w.close()


def test_chunks_are_the_composers_own_and_the_queue_is_bounded(worker):
    w = worker("hearth", seed=3, chunk_seconds=0.5, depth=2)
    chunks = [w.get(timeout=30) for _ in range(6)]
    assert all(len(c) == w.chunk_frames * 4 for c in chunks)
    assert b"".join(chunks) == Composer("hearth", seed=3).render_int16(6 * w.chunk_frames)
    time.sleep(1.0)  # the worker fills its queue, then waits: it renders at most `depth` ahead
    assert w._chunks.qsize() <= w.depth
    w.close()
    w.close()  # twice is safe
    assert not w.alive()


def test_steering_reaches_the_worker_within_the_queue_depth(worker):
    w = worker("drift", seed=4, tone=-1.0, chunk_seconds=0.5, depth=2)
    for _ in range(30):
        w.get(timeout=30)
    before = np.frombuffer(b"".join(w.get() for _ in range(2)), "<i2").reshape(-1, 2) / 32767
    w.set_tone(1.0)
    after = [np.frombuffer(w.get(), "<i2").reshape(-1, 2) / 32767 for _ in range(6)]
    # the chunks already rendered (at most depth, and the one being rendered when the message
    # came; one more if the message was still on its way) keep the old tone: within 2 s of
    # audio (4 chunks) it has moved
    late = np.concatenate(after[4:])
    assert band_db(late, 2000, 6000) - band_db(before, 2000, 6000) > 4


def test_a_killed_worker_is_a_clear_message(worker):
    w = worker("still-water", seed=1)
    w.get(timeout=30)
    os.kill(w.pid, signal.SIGKILL)
    with pytest.raises(
        ComposerStopped, match=r"still-water\) was killed \(signal 9\): music stops"
    ):
        for _ in range(10):  # what was queued before the kill may still come out
            w.get(timeout=5)
    w.close()


def test_an_unknown_piece_is_an_error_from_the_worker(worker):
    w = worker("no-such-piece")
    with pytest.raises(ComposerStopped, match="failed: KeyError"):
        w.get(timeout=30)


def _companion(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "companion", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
    )


def test_music_render_writes_the_piece(tmp_path):
    out = tmp_path / "take-home.wav"
    done = _companion(
        "music",
        "render",
        "daybreak",
        "--minutes",
        "0.25",
        "--seed",
        "2",
        "--energy",
        "0.7",
        "--out",
        str(out),
    )
    assert done.returncode == 0, done.stderr
    audio, rate = soundfile.read(out)
    assert rate == RATE and audio.shape == (15 * RATE, 2)
    assert np.max(np.abs(audio[-100:])) < 1e-3, "the end fades out"
    expected = Composer("daybreak", seed=2, energy=0.7).render(5 * RATE)
    assert np.max(np.abs(audio[: 5 * RATE] - expected)) < 1.5 / 32767


def test_music_list_and_bad_input(tmp_path):
    listed = _companion("music", "list")
    assert (
        listed.returncode == 0
        and len(listed.stdout.splitlines()) == 6
        and "deep-field" in listed.stdout
    )
    cases = [
        (["render", "drfit", "--minutes", "1", "--out", "a.ogg"], "did you mean drift"),
        (["render", "drift", "--minutes", "0", "--out", "a.ogg"], "--minutes must be"),
        (
            ["render", "drift", "--minutes", "1", "--energy", "2", "--out", "a.ogg"],
            "--energy must be",
        ),
        (["render", "drift", "--minutes", "1", "--out", "a.mp3"], "--out must end in"),
        (["render", "drift", "--minutes", "1", "--out", "missing/a.ogg"], "no folder"),
    ]
    for args, message in cases:
        done = _companion("music", *args, cwd=tmp_path)
        assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr, (
            done.stderr
        )
    assert not list(tmp_path.iterdir())
