"""The composer streamed into the real mixer (SDL's disk driver): chunks queued on a channel
play without a gap or a click, pause reaches silence within 0.6 s and resumes, a piece
crossfades into another and glides to a new energy, and a worker that dies is said in words
while the music fades and the ambience plays on."""

import os
import signal
import time

import numpy as np
import pytest

from companion.audio.streams import ComposedStream, energy_for, seed_for
from companion.session import actions as act
from tests.audio.analysis import band_db, clicks, frames_db, rms_db
from tests.audio.capture import outside

RATE = 44100

FRAGMENT = """companion: 1
title: t
mix: {music: 1.0, ambience: %s}
scenes:
  - id: a
    environment: meadow
%s    steps:
      - pause: 60s
"""


def seconds(frames: float) -> float:
    return frames / RATE


def onset(audio: np.ndarray, after: float = 0.0) -> float:
    """When the music is first heard (s): 50 ms windows above -60 dBFS."""
    levels = frames_db(audio[int(after * RATE) :], 2205)
    loud = np.flatnonzero(levels > -60)
    assert loud.size, "the music never started"
    return after + loud[0] * 0.05


def test_intensity_moves_the_scenes_energy_and_seeds_are_the_sessions() -> None:
    assert energy_for(0.3, 0.6) == pytest.approx(0.3)  # the default plays the scene as written
    assert energy_for(0.3, 0.0) == 0.0 and energy_for(0.3, 1.0) == 1.0
    assert energy_for(0.3, 0.3) == pytest.approx(0.15)
    assert energy_for(0.3, 0.8) == pytest.approx(0.65)
    assert seed_for(7, "drift", 0) == seed_for(7, "drift", 0)
    assert len({seed_for(7, "drift", 0), seed_for(7, "drift", 1), seed_for(8, "drift", 0)}) == 3


def test_streamed_music_plays_pauses_and_resumes_without_gap_or_click(play) -> None:
    played = play(  # the script's first piece is warmed: ready before the session starts
        FRAGMENT % ("0.0", "    music: {piece: drift, energy: 0.5, fade: 0.5s}\n"),
        seconds=14.0,
        watch=lambda mixer: (
            mixer.music_streams(),
            mixer._pool.voices[:],
            sum(s.underruns for s in mixer._tracks.streams),
        ),
        commands={9.0: ("pause", {}), 10.5: ("resume", {})},
    )
    audio = played.audio
    begin = onset(audio)
    pause, resume = seconds(played.commands["pause"]), seconds(played.commands["resume"])
    assert begin < pause - 3, f"the first chunk came {begin:.1f} s in: too late to measure"
    steady = audio[int((begin + 0.6) * RATE) : int((pause - 0.05) * RATE)]
    windows = frames_db(steady, 2205)
    # (what to look at when it fails: did the channel run dry, was SDL's thread held up)
    underruns = max(n for _, (_, _, n) in played.watched)
    late = [(a / RATE, b / RATE) for a, b in played.capture.held_up()]
    assert windows.min() > -50, (
        f"a gap in the stream: a 50 ms window at {windows.min():.0f} dB, at "
        f"{begin + 0.6 + np.argmin(windows) * 0.05:.2f} s; pause at {pause:.2f} s; "
        f"{underruns} underrun(s); late blocks {late}"
    )
    assert -30 < rms_db(steady) < -12, "the composer plays near its level"
    assert not clicks(steady), "chunk joins are seamless"
    quiet = audio[int((pause + 0.6) * RATE) : int(resume * RATE)]
    assert np.max(np.abs(quiet)) < 2 / 32768, "silent from 0.6 s after pause"
    back = audio[int((resume + 0.7) * RATE) : int((resume + 3.0) * RATE)]
    assert frames_db(back, 2205).min() > -50, "it plays on after resume, without a gap"
    # The resume fade itself (60 dB in 0.6 s: about 1.2 dB a 512-frame buffer) is flagged by
    # the click finder on this low, smooth music, as a staircase it cannot tell from a click;
    # the chunk joins after it must be clean.
    assert not clicks(audio[int((resume + 0.8) * RATE) : int((resume + 3.0) * RATE)])
    streams = [s for _, (s, _, _) in played.watched if s]
    assert streams and streams[-1][0]["piece"] == "drift"
    voices = {len(v) for _, (_, v, _) in played.watched if v}
    assert voices == {1}, "one channel carries the stream"


def test_a_killed_composer_is_said_and_fades_to_the_ambience(play) -> None:
    killed: dict[str, float] = {}

    def kill_once(mixer):
        streams = mixer._tracks.streams
        if not killed and streams and streams[0].chunks > 8:
            os.kill(streams[0].worker.pid, signal.SIGKILL)
            killed["at"] = time.monotonic()
        return None

    played = play(
        FRAGMENT
        % ("1.0", "    ambience: {track: waves, fade: 0.2s}\n    music: {piece: still-water}\n"),
        seconds=12.0,
        watch=kill_once,
    )
    assert killed, "the worker never played 8 chunks"
    messages = [m for part, ok, m in played.health if part == "sound" and not ok]
    assert any("music composer (still-water) was killed" in m for m in messages), messages
    assert any("the ambience plays on" in m for m in messages)
    audio = played.audio
    at = seconds(played.capture.frame_at(killed["at"]))
    # the queued chunks play out, fading; the ambience goes on under it all
    after = audio[int((at + 3.0) * RATE) :]
    assert after.shape[0] > 2 * RATE
    assert frames_db(after, 4410).min() > -45, "the ambience plays on"
    # The failure's fade steps 0.7 dB a buffer over this noise-like mix, and the click finder
    # took a step for a click now and then (1 run in 18 beside two busy loops): the music
    # running out mid-wave, which this looks for, stops inside a buffer.
    start = int((at - 0.5) * RATE)
    assert not clicks(audio[start : int((at + 3.0) * RATE)], mid_buffer_from=start)


def test_a_killed_worker_leaves_a_last_chunk_that_fades_to_silence() -> None:
    """The stream keeps one chunk in reserve while the worker is ahead, so when the worker
    dies the channel's last chunk ends at zero in its own samples: the music never stops
    mid-wave, however late the bus's fade is (the killed-composer click at 1.55 s)."""
    stream = ComposedStream("still-water", seed=1, energy=0.5)
    try:
        deadline = time.monotonic() + 30
        given: list[bytes] = []
        while len(given) < 4 and time.monotonic() < deadline:  # past the piece's fade-in
            while len(stream._ahead) < 2 and time.monotonic() < deadline:
                stream.ready()
                time.sleep(0.05)
            given.append(stream.take(time.monotonic()) or b"")  # one goes, one stays
        assert len(given) == 4 and len(stream._ahead) == 1, "the worker never got ahead"
        os.kill(stream.worker.pid, signal.SIGKILL)
        stream.worker._process.join(5)
        while (chunk := stream.take(time.monotonic())) is not None:
            given.append(chunk)
        assert stream.failed is not None and "was killed" in stream.failed
        assert len(given) >= 5, "the reserve was given after the death was known"
        before = np.frombuffer(given[-2], np.int16).reshape(-1, 2)
        last = np.frombuffer(given[-1], np.int16).reshape(-1, 2)
        assert rms_db(last[:2205] / 32768) > rms_db(before[-2205:] / 32768) - 3, "no step"
        assert np.abs(last[-64:]).max() <= 2, "the last chunk ends in silence"
    finally:
        stream.close()


def test_a_piece_glides_to_a_new_energy_and_crossfades_into_another(play) -> None:
    played = play(
        FRAGMENT % ("0.0", ""),
        seconds=17.0,  # daybreak starts when its worker is ready (seconds under load)
        direct={
            0.05: act.SoundChange("music", ("hearth",), 1.0, 0.3, piece="hearth", energy=0.2),
            4.0: act.SoundChange("music", ("hearth",), 1.0, 4.0, piece="hearth", energy=0.8),
            9.0: act.SoundChange("music", ("daybreak",), 1.0, 3.0, piece="daybreak", energy=0.5),
        },
        watch=lambda mixer: mixer.music_streams(),
    )
    energies = [(t, s[0]["energy"]) for t, s in played.watched if s and s[0]["piece"] == "hearth"]
    gliding = [e for t, e in energies if 5.0 < t < 7.0]  # the middle of the 4-s glide
    assert gliding and 0.25 < min(gliding) and max(gliding) < 0.75, "glides, not a cut"
    assert any(0.4 < e < 0.6 for e in gliding)
    assert np.all(np.diff([e for t, e in energies if 4.0 < t < 8.5]) >= -1e-9)
    assert energies[-1][1] == pytest.approx(0.8, abs=0.01)
    pieces = {s["piece"] for _, w in played.watched for s in w}
    assert pieces == {"hearth", "daybreak"}
    last = played.watched[-1][1]
    assert [s["piece"] for s in last] == ["daybreak"], "hearth's worker is let go after the fade"
    audio = played.audio
    switch = seconds(played.frames_of("sound")[-1])
    around = audio[int((switch - 1.0) * RATE) : int((switch + 3.5) * RATE)]
    assert frames_db(around, 2205).min() > -45, "no hole in the crossfade"
    # where SDL's disk driver was held up (a busy machine) a fade leaps between two of its
    # buffers by what moved meanwhile: a sound card would have played a gap there instead
    late = played.capture.held_up()
    assert not outside(clicks(around), late, int((switch - 1.0) * RATE))


def test_long_files_are_read_as_they_play_loop_and_crossfade(play, monkeypatch, tmp_path) -> None:
    import soundfile

    from companion.audio import tracks as tracks_module
    from companion.audio.streams import FileStream

    monkeypatch.setattr(tracks_module, "STREAM_FILES_OVER", 2.0)  # these 4-s files count as long
    t = np.arange(4 * RATE) / RATE
    first = 0.2 * np.sin(2 * np.pi * 441 * t)  # whole cycles: a seamless loop
    t48 = np.arange(4 * 48000) / 48000
    second = 0.2 * np.sin(2 * np.pi * 661.5 * t48)  # at 48 kHz: resampled as it plays
    soundfile.write(tmp_path / "second.wav", np.stack([second, second], 1), 48000)
    played = play(
        """companion: 1
title: t
mix: {music: 1.0}
scenes:
  - id: a
    environment: meadow
    music: {track: [first.wav, second.wav], fade: 0.3s}
    steps:
      - pause: 30s
""",
        seconds=9.5,
        files={"first.wav": np.stack([first, first], 1)},
        watch=lambda mixer: [type(v.stream).__name__ for v in mixer._pool.voices],
    )
    audio = played.audio
    kinds = {k for _, w in played.watched for k in w}
    assert kinds == {FileStream.__name__}, f"played as streams, not decoded whole: {kinds}"
    begin = onset(audio)
    body = audio[int((begin + 0.5) * RATE) : int((begin + 8.5) * RATE)]
    assert frames_db(body, 2205).min() > -30, "no gap: the loop and the crossfade are whole"
    assert not clicks(body)


def test_tone_is_heard_within_two_seconds_and_steady_reaches_the_piece(play) -> None:
    played = play(
        FRAGMENT % ("0.0", ""),
        seconds=10.5,
        direct={
            0.0: act.SetTone(-1.0),
            0.05: act.SoundChange("music", ("open-sky",), 1.0, 0.3, piece="open-sky"),
            6.0: act.SetTone(1.0),
            6.1: act.SetSteady(True),
        },
        watch=lambda mixer: [(s.tone, s.steady) for s in mixer._tracks.streams],
        # One seed: the notes (and so the level in this band) are the same every run; with a
        # seed of their own a note entering or leaving moved it by up to 10 dB either way.
        music_seed=1,
    )
    audio = played.audio
    changed = seconds(played.frames_of("tone")[-1])
    assert onset(audio) < changed - 2.5, "the piece was playing before the change"
    dark = band_db(audio[int((changed - 2.0) * RATE) : int(changed * RATE)], 2000, 6000)
    bright = band_db(audio[int((changed + 2.0) * RATE) : int((changed + 4.0) * RATE)], 2000, 6000)
    assert bright - dark > 4, f"brighter by {bright - dark:.1f} dB within 2 s"
    assert not clicks(audio[int((changed - 0.5) * RATE) : int((changed + 4.0) * RATE)])
    assert played.watched[-1][1] == [(1.0, True)], "tone and steady reached the piece"


def test_a_scenes_piece_is_ready_at_the_start_and_glides_over_the_transition(play) -> None:
    played = play(
        """companion: 1
title: t
mix: {music: 1.0, ambience: 0.0}
scenes:
  - id: a
    environment: meadow
    music: {piece: hearth, energy: 0.2}
    duration: 3s
  - id: b
    environment: meadow
    music: {piece: hearth, energy: 0.8}
    transition: 4s
    steps:
      - pause: 30s
""",
        seconds=9.0,
        watch=lambda mixer: mixer.music_streams(),
    )
    begin = onset(played.audio)
    start = seconds(played.frames_of("scene")[0])
    assert begin - start < 1.0, f"heard {begin - start:.1f} s after the start: it was warmed"
    energies = [(t, s[0]["energy"]) for t, s in played.watched if s]
    assert {s["piece"] for _, w in played.watched for s in w} == {"hearth"}, "one piece on"
    assert len({s["seed"] for _, w in played.watched for s in w}) == 1, "the same stream"
    middle = [e for t, e in energies if 4.2 < t < 5.8]
    assert middle and all(0.3 < e < 0.7 for e in middle), "mid-transition, mid-energy"
    assert energies[-1][1] == pytest.approx(0.8, abs=0.01)
