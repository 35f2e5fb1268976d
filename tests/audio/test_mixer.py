"""Script fragments played through the real mixer: pygame.mixer with SDL's disk driver, which
writes what the patient would hear, in real time. Each test analyses that capture."""

import logging

import numpy as np
import pytest

from companion.audio.mixer import DUCK_DOWN, TALK_LEVEL, Mixer
from companion.script import require_script
from companion.session import actions as act
from tests.audio.analysis import band_db, clicks, db, frames_db, rms_db, tone

RATE = 44100
BUFFER = 512
CAPTURE_BLOCK = 8192 // 4  # frames in one stdio block of the disk driver's file


def seconds(frames: float) -> float:
    return frames / RATE


def level(audio, start: float, end: float) -> float:
    return rms_db(audio[int(start * RATE) : int(end * RATE)])


def onset(audio, freq: float, after: int = 0, cycles: int = 3) -> int:
    """The first capture frame (to within `cycles` periods) where a tone of `freq` plays.
    It is read in windows of whole periods of both `freq` and any tone a whole number of
    `cycles` apart, where another steady tone projects to nothing (441 Hz against 661.5 Hz:
    200 frames, 2 and 3 cycles), so the first -60 dB step of a fade-in shows."""
    width = int(round(cycles * RATE / freq))
    mono = audio[after:, 0]
    count = mono.size // width
    t = np.arange(width) / RATE
    basis = np.stack([np.sin(2 * np.pi * freq * t), np.cos(2 * np.pi * freq * t)])
    windows = mono[: count * width].reshape(count, width)
    amplitude = np.hypot(*(windows @ basis.T).T) * 2 / width
    heard = np.flatnonzero(amplitude > 3e-5)  # ten times 16-bit noise; a -60 dB start is 1.6e-4
    assert heard.size, f"no {freq} Hz tone in the capture"
    return after + int(heard[0]) * width


def test_narration_plays_when_the_engine_says_and_ducks_the_music(play):
    # The "music" is a steady 12 kHz tone: speech (rendered at 22 kHz) has nothing up there,
    # so the music's level can be read under the narration.
    played = play(
        """companion: 1
title: t
mix: {music: 0.8, narration: 1.0, duck: 0.3}
scenes:
  - id: a
    environment: shoreline
    music: {track: hum.wav, fade: 0.3s}
    steps:
      - pause: 1.5s
      - say: Let your shoulders soften, and let your breath slow down.
      - pause: 2.2s
""",
        seconds=9.5,
        files={"hum.wav": tone(12000, 2.0, 0.3)},
    )  # the line at 110 words a minute
    audio = played.audio
    say, say_frame = played.first("say")
    _, end_frame = played.first("step_end")
    start, end = seconds(say_frame), seconds(end_frame)
    # On the clock the engine ran on: frames of a capture that fell behind are not seconds.
    assert played.seconds_between("say", "step_end") == pytest.approx(say.seconds, abs=0.1), (
        "the step lasts the real narration length"
    )

    def speech(t0: float, t1: float) -> float:
        return band_db(audio[int(t0 * RATE) : int(t1 * RATE)], 150, 4000)

    def music(t0: float, t1: float) -> float:
        return band_db(audio[int(t0 * RATE) : int(t1 * RATE)], 11800, 12200)

    assert speech(start - 1.0, start) < speech(start + 0.2, end - 0.3) - 40, (
        "silence, then narration"
    )
    onset = next(
        t
        for t in np.arange(start - 0.2, end, 0.01)
        if speech(t, t + 0.05) > speech(start - 1, start) + 30
    )
    assert onset - start < 0.25, f"narration began {onset - start:.3f} s after the engine said"
    assert speech(end + 0.4, end + 1.2) < speech(start + 0.2, end - 0.3) - 40, (
        "and it is over when the step ends"
    )
    before = music(start - 1.0, start - 0.05)
    under = music(start + DUCK_DOWN + 0.1, end - 0.1)
    assert under - before == pytest.approx(db(0.3), abs=2.0), f"ducked by {under - before:.1f} dB"
    after = music(end + 1.8, end + 2.4)
    assert after == pytest.approx(before, abs=1.0), "the music comes back after the narration"
    assert np.max(np.abs(audio)) < 0.99, "clipping"
    assert ("sound", True) in [(part, ok) for part, ok, _ in played.health]


def test_pause_reaches_silence_and_resume_continues_where_it_was(play):
    # A rising sweep: its pitch tells where in the file playback is.
    t = np.arange(8 * RATE) / RATE
    sweep = 0.3 * np.sin(2 * np.pi * (300 * t + 100 * t * t))  # 300 Hz + 200 Hz per second
    played = play(
        """companion: 1
title: t
scenes:
  - id: a
    environment: forest
    music: {track: sweep.wav, fade: 0.2s}
    steps:
      - pause: 10s
""",
        seconds=4.6,
        files={"sweep.wav": np.stack([sweep, sweep], 1)},
        commands={1.8: ("pause", {}), 3.0: ("resume", {})},
    )
    audio = played.audio
    pause, resume = seconds(played.commands["pause"]), seconds(played.commands["resume"])
    steady = level(audio, pause - 0.6, pause - 0.05)
    quiet = np.abs(audio[int((pause + 0.6) * RATE) : int(resume * RATE)])
    assert quiet.size > 0.4 * RATE and np.max(quiet) < 2 / 32768, (
        "silent from 0.6 s after pause to resume"
    )
    fade = frames_db(audio[int(pause * RATE) : int((pause + 0.6) * RATE)], 441)
    assert np.all(np.diff(fade[np.isfinite(fade) & (fade > -100)]) < 1.0), "the fade only goes down"
    assert level(audio, resume + 0.6, resume + 1.2) == pytest.approx(steady, abs=1.0), (
        "back at its level"
    )

    def pitch(at: float) -> float:
        seg = audio[int(at * RATE) : int(at * RATE) + 2048, 0] * np.hanning(2048)
        return float(np.argmax(np.abs(np.fft.rfft(seg, 16384)))) * RATE / 16384

    # The sweep rises 200 Hz per second of the file. Between a moment in the pause fade and a
    # moment just after resume, the file only moved on by the rest of the fade and the start
    # of the resume (about 0.37 s: some 75 Hz); had it run on through the pause, 1.2 s more.
    heard_before, heard_after = pause + 0.3, resume + 0.15
    rise = pitch(heard_after) - pitch(heard_before)
    assert 40 < rise < 120, (
        f"the sweep moved {rise:.0f} Hz across the pause: it did not resume where it was"
    )
    assert not clicks(audio[int((pause - 0.5) * RATE) : int((resume + 1.0) * RATE)])


def test_crossfade_keeps_power_and_has_no_click(play):
    played = play(
        """companion: 1
title: t
mix: {music: 1.0}
scenes:
  - id: a
    environment: meadow
    music: {track: first.wav, fade: 0.2s}
    steps:
      - pause: 1.2s
      - music: {track: second.wav, fade: 2s}
      - pause: 3s
""",
        seconds=4.8,
        # Whole cycles in each file (1323 and 2646), so their loops join: with 661.5 Hz in 3 s
        # (1984.5 cycles) the second track's own seam fell at switch + 3.0 s, on the edge of
        # the click window, and a switch frame mapped a few milliseconds late put it inside.
        files={"first.wav": tone(441, 3.0, 0.25), "second.wav": tone(661.5, 4.0, 0.16)},
    )
    audio = played.audio
    # The switch as heard: the first moment the second tone is in the capture. (The frame the
    # wall clock maps to is off by tens of milliseconds, and by far more when the machine is
    # so busy that the disk driver falls behind: it once put the click window before the
    # start of the capture.)
    switch = seconds(onset(audio, 661.5, after=played.frames_of("sound")[0] + int(0.6 * RATE)))
    first = level(audio, switch - 0.8, switch - 0.05)
    # 0.5 s past the 2-s fade's end: the disk driver writes up to 5 % faster than the wall
    # clock, and the mixer's ramps may trail it by a few buffers after a held-up tick.
    second = level(audio, switch + 2.5, switch + 3.0)
    quieter = min(first, second)
    windows = frames_db(audio[int(switch * RATE) : int((switch + 2.2) * RATE)], 2205, 441)
    assert windows.min() >= quieter - 3.0, (
        f"dips {quieter - windows.min():.1f} dB below the quieter track"
    )
    assert (
        band_db(audio[int((switch + 2.5) * RATE) : int((switch + 3) * RATE)], 400, 480)
        < second - 40
    ), "the first track is gone after the fade"
    # From 0.5 s before the switch, but not inside the first track's own 0.2-s fade-in: when
    # the disk driver fell behind, the capture held 0.5 s where the wall clock had 1.2 s, and
    # that fade (about 3.5 dB a buffer by design) came into the window.
    begin = max(switch - 0.5, seconds(onset(audio, 441)) + 0.3)
    assert not clicks(audio[int(begin * RATE) : int((switch + 3.0) * RATE)])


def test_a_track_crossfading_into_itself_is_heard_twice_and_its_copy_let_go(play, monkeypatch):
    """Music A fades to B and straight back to A while the first A still fades out: A plays
    twice at once (from a copy of its samples, 25 MB for a library layer). Once the copy has
    not played for SPARE_SECONDS it is let go, so a long session's memory stays flat."""
    from companion.audio import channels as channels_module

    monkeypatch.setattr(channels_module, "SPARE_SECONDS", 0.6)
    played = play(
        """companion: 1
title: t
mix: {music: 1.0}
scenes:
  - id: a
    environment: meadow
    music: {track: a.wav, fade: 0.2s}
    steps:
      - pause: 0.8s
      - music: {track: b.wav, fade: 1.5s}
      - pause: 0.3s
      - music: {track: a.wav, fade: 0.5s}
      - pause: 0.8s
      - music: {track: b.wav, fade: 0.3s}
      - pause: 3s
""",
        seconds=4.6,
        files={"a.wav": tone(441, 6.0, 0.25), "b.wav": tone(661.5, 6.0, 0.16)},
        watch=lambda mixer: mixer.copies_held,
    )
    back_to_a = seconds(played.frames_of("sound")[2])
    held = [(t, n) for t, n in played.watched]
    assert max(n for _, n in held) == 1, "A's second voice plays from one copy"
    assert any(n == 1 and t < back_to_a + 1.0 for t, n in held)
    # the copy stops at about back_to_a + 1.1 s (B again, 0.3 s fade); 0.6 s later it is gone
    assert held[-1][1] == 0, "the copy was kept after it had not played for SPARE_SECONDS"
    a_twice = band_db(
        played.audio[int((back_to_a + 0.1) * RATE) : int((back_to_a + 0.3) * RATE)], 400, 480
    )
    assert a_twice > -40, "A is heard coming back"


def test_loops_are_seamless_and_a_bad_loop_would_be_heard(play):
    good = tone(440, 0.5, 0.25)  # 220 whole cycles: the end leads into the start
    bad = tone(445, 0.5, 0.25)  # 222.5 cycles: a jump at every seam
    played = play(
        """companion: 1
title: t
mix: {music: 1.0, ambience: 1.0}
scenes:
  - id: a
    environment: meadow
    music: {track: good.wav, fade: 0.2s}
    steps:
      - pause: 1.6s
      - music: {track: none, fade: 0.2s}
      - ambience: {track: bad.wav, fade: 0.2s}
      - pause: 3s
""",
        seconds=3.2,
        files={"good.wav": good, "bad.wav": bad},
    )
    audio = played.audio
    start = seconds(played.frames_of("sound")[0])
    switch = seconds(played.frames_of("sound")[1])
    assert not clicks(audio[int((start + 0.45) * RATE) : int((switch - 0.05) * RATE)]), (
        "a seamless loop clicks"
    )
    heard = clicks(audio[int((switch + 0.35) * RATE) : int((switch + 1.4) * RATE)])
    assert len(heard) >= 2, "the click detector must hear the seams of a loop that does not join"


def test_level_change_is_heard_at_once(play):
    """The mixer applies a level at its next buffer, with no ramp or tick in between. The
    capture tells when a frame was mixed only to within one 8 KiB stdio block (2048 frames,
    four buffers, 46 ms), so that is the limit asserted: a change held back by a fade or a
    slow tick (100 ms or more) still fails, the capture's own jitter does not (it put a
    prompt change at 2.1-2.5 buffers in about one run in five)."""
    hum = tone(RATE / BUFFER * 5, 3.0, 0.3)  # five whole cycles per mixer buffer: steady per buffer
    played = play(
        """companion: 1
title: t
mix: {music: 0.8}
scenes:
  - id: a
    environment: meadow
    music: {track: hum.wav, fade: 0.2s}
    steps:
      - pause: 5s
""",
        seconds=2.2,
        files={"hum.wav": hum},
        commands={1.4: ("volume", {"bus": "music", "level": 0.2})},
    )
    audio = played.audio
    asked = played.commands["volume"]
    per_buffer = frames_db(audio, BUFFER)
    before = per_buffer[asked // BUFFER - 20 : asked // BUFFER - 2]
    assert np.ptp(before) < 0.2, "steady before"
    moved = next(
        i
        for i in range(asked // BUFFER - 2, per_buffer.size)
        if per_buffer[i] < before.mean() - 0.3
    )
    late = (moved - asked / BUFFER) * BUFFER / RATE
    assert late <= CAPTURE_BLOCK / RATE, f"heard {late * 1000:.0f} ms after the command"
    assert per_buffer[moved + 12 : moved + 30].mean() == pytest.approx(
        before.mean() + db(0.2 / 0.8), abs=0.5
    )
    assert not clicks(audio[asked - RATE // 2 : asked + RATE // 2])


def test_intensity_blends_the_layers_of_a_library_track(play):
    played = play(
        """companion: 1
title: t
mix: {music: 1.0}
scenes:
  - id: a
    environment: meadow
    music: {track: still-water, fade: 0.3s}
    steps:
      - pause: 8s
""",
        seconds=6.6,
        # The first change is over (2.5 s) before the second: "soft" is the base alone.
        commands={0.0: ("intensity", {"level": 0.0}), 3.0: ("intensity", {"level": 1.0})},
    )
    audio = played.audio
    change = seconds(played.commands["intensity"])

    # Measured where the middle layer is heard and the base is not: 1.5-3 kHz (the base pad
    # has nothing there, -80 dB below the middle; the high shimmer is louder still). Over
    # 700-5000 Hz the middle layer added about 1 dB at "begun", less than the pad itself
    # varies from one moment to the next: under load, where the windows fall on other
    # moments of the piece, soft < begun failed 4 runs in 10.
    def upper(t0: float, t1: float) -> float:
        return band_db(audio[int(t0 * RATE) : int(t1 * RATE)], 1500, 3000)

    soft = upper(change - 0.8, change)
    begun = upper(change + 0.5, change + 0.9)
    deep = upper(change + 2.7, change + 3.4)
    assert begun > soft + 20, f"the middle layer comes in at once ({begun - soft:.1f} dB)"
    assert deep > begun + 6, f"and the upper layers keep coming ({deep - begun:.1f} dB)"
    assert not clicks(audio[int((change - 0.5) * RATE) : int((change + 3.0) * RATE)])


def test_breathing_tone_follows_the_breath_and_a_chime_rings(play, library):
    played = play(
        """companion: 1
title: t
scenes:
  - id: a
    environment: haven
    steps:
      - breathe: {in: 1.2, out: 1.2, cycles: 1}
      - chime: bright
""",
        seconds=3.6,
    )
    audio = played.audio
    _, start = played.first("breathe")
    t0 = seconds(start)
    rising = [level(audio, t0 + a, t0 + a + 0.1) for a in (0.1, 0.5, 1.0)]
    assert rising[0] < rising[1] < rising[2], f"the tone swells on the in-breath: {rising}"
    falling = [level(audio, t0 + a, t0 + a + 0.1) for a in (1.3, 1.8, 2.2)]
    assert falling[0] > falling[1] > falling[2], f"and ebbs on the out-breath: {falling}"
    _, chime_frame = played.first("chime")
    t1 = seconds(chime_frame)
    assert played.seconds_between("breathe", "chime") == pytest.approx(2.4, abs=0.08)
    assert level(audio, t1 + 0.05, t1 + 0.5) > level(audio, t1 - 0.2, t1 - 0.05) + 15, (
        "the chime rings"
    )
    assert not clicks(audio[start:chime_frame]), "the tone swells and ebbs without a step"


def test_talk_lowers_everything_until_released(play):
    played = play(
        """companion: 1
title: t
mix: {music: 1.0}
scenes:
  - id: a
    environment: meadow
    music: {track: hum.wav, fade: 0.2s}
    steps:
      - pause: 5s
""",
        seconds=3.4,
        files={"hum.wav": tone(523.25, 2.0, 0.25)},
        commands={1.0: ("talk", {"on": True}), 2.2: ("talk", {"on": False})},
    )
    audio = played.audio
    on = seconds([f for k, a, f in played.actions if k == "talk" and a.on][0])
    off = seconds([f for k, a, f in played.actions if k == "talk" and not a.on][0])
    normal = level(audio, on - 0.5, on)
    assert level(audio, on + 0.6, off) == pytest.approx(normal + db(TALK_LEVEL), abs=1.0)
    assert level(audio, off + 1.05, off + 1.15) == pytest.approx(normal, abs=1.0)


def test_end_fades_everything_out(play):
    played = play(
        """companion: 1
title: t
mix: {music: 1.0}
scenes:
  - id: a
    environment: meadow
    music: {track: hum.wav, fade: 0.2s}
    steps:
      - pause: 5s
""",
        seconds=2.3,
        files={"hum.wav": tone(523.25, 2.0, 0.25)},
        direct={1.0: act.End("test", fade=0.8)},
    )
    audio = played.audio
    _, end = played.first("end")
    # The fade goes evenly in decibels down to -60 dB (8/32768 of this tone) and then to
    # nothing, so the last frame heard is the fade's end. It is timed on the wall clock;
    # a count of frames is not (the disk driver runs about 5% fast, and a hold-up leaves
    # no frames for its time), so the span is read as the times those frames were mixed.
    heard = np.flatnonzero(np.max(np.abs(audio[end:]), axis=1) >= 2 / 32768)
    capture = played.capture
    fade_heard = capture.time_at(end + heard[-1]) - capture.time_at(end)
    # Off by at most a mixer buffer the gain holds for (12 ms), a ramp tick (5 ms) and
    # where in their 8-KiB blocks of the capture the two frames fell (46 ms).
    assert 0.8 - 0.05 < fade_heard < 0.8 + 0.065
    assert audio.shape[0] - (end + heard[-1]) > 0.3 * RATE  # and silence from then on
    assert not clicks(audio[end - RATE // 2 :])


def test_no_sound_device_warns_once_and_carries_on(tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("SDL_AUDIODRIVER", "no-such-driver")
    path = tmp_path / "s.yaml"
    path.write_text(
        "companion: 1\ntitle: t\nscenes:\n  - id: a\n    environment: haven\n    music: drift\n"
        "    steps:\n      - say: Hello.\n      - chime: soft\n",
        encoding="utf-8",
    )
    reports = []
    with caplog.at_level(logging.WARNING, logger="companion.audio"):
        mixer = Mixer(require_script(path), tmp_path, None, lambda *r: reports.append(r))
        for action in (
            act.SoundChange("music", ("drift",), 1.0, 2.0),
            act.Say("Hello.", 1.0, True),
            act.Chime("soft"),
            act.Pause(),
            act.Resume(),
            act.SetLevel("master", 0.5),
            act.SetIntensity(0.2),
            act.Talk(True),
            act.End("done"),
        ):
            mixer.apply(action)
        mixer.update()
        mixer.close()
    assert mixer.silent
    assert [(part, ok) for part, ok, _ in reports] == [("sound", False)]
    assert "no sound device" in reports[0][2]
    assert len([r for r in caplog.records if "no sound device" in r.getMessage()]) == 1
