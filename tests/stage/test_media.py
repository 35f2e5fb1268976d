"""A clinic's own media on the stage: the tests make each kind themselves (media_files.py),
show it through a real Stage (EGL), and look for its known marks in the picture."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from companion.script import load_text
from companion.script.media import MediaSpec
from companion.session import actions as act
from companion.session.clock import VirtualClock
from companion.session.engine import Engine
from companion.stage.media.decode import AHEAD, AHEAD_BYTES, LOOP_FADE, MAX_AHEAD, FilmDecoder

from .helpers import Player
from .media_files import damaged_film, panorama_pixels, write_film, write_glb, write_picture

pytestmark = pytest.mark.timeout(120)


def centre(image: np.ndarray, size: int = 6) -> np.ndarray:
    h, w, _ = image.shape
    return (
        image[h // 2 - size : h // 2 + size, w // 2 - size : w // 2 + size].reshape(-1, 3).mean(0)
    )


def is_red(color: np.ndarray) -> bool:
    return color[0] > 120 and color[0] > 2.5 * color[1] and color[0] > 2.5 * color[2]


def is_green(color: np.ndarray) -> bool:
    return color[1] > 120 and color[1] > 2.5 * color[0] and color[1] > 2.5 * color[2]


@pytest.fixture(scope="module")
def media(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("media")
    stereo = np.concatenate(
        [panorama_pixels(256, 128), np.roll(panorama_pixels(256, 128), -64, axis=1)]
    )
    return {
        "panorama": write_picture(folder / "beach.jpg", panorama_pixels(1024, 512)),
        "stereo": write_picture(folder / "stereo.png", stereo),
        "film": write_film(folder / "sea.mp4", seconds=6.0),
        "flashing": write_film(folder / "flashing.mp4", seconds=6.0, flash=(2.0, 4.0)),
        "scene": write_glb(folder / "garden.glb"),
    }


def key(kind: str, path: Path, **options) -> str:
    return MediaSpec(kind, str(path), **options).key


def test_a_panorama_shows_its_marks_where_they_are_around_the_viewer(fresh_stage, media):
    stage = fresh_stage(size=(160, 90))
    player = Player(stage)
    player.scene(key("panorama", media["panorama"]))
    ahead = player.settle()
    assert is_red(centre(ahead)), centre(ahead)
    column = ahead[:, 78:82].mean(1)
    blue_rows = np.nonzero((column[:, 2] > 150) & (column[:, 0] < 100))[0]
    assert len(blue_rows) and blue_rows.max() < 45 - 4, blue_rows  # the blue mark is above
    stage.rig.drift = -90.0  # a quarter turn to the right
    turned = player.settle()
    assert is_green(centre(turned)), centre(turned)


def test_the_time_of_day_tints_a_panorama_and_brightness_dims_it(fresh_stage, media):
    stage = fresh_stage(size=(160, 90))
    player = Player(stage)
    player.scene(key("panorama", media["panorama"]), {"time": "day"})
    day = player.settle()[50:80].reshape(-1, 3).mean(0)
    player.scene(key("panorama", media["panorama"]), {"time": "night", "brightness": 0.3})
    night = player.settle()[50:80].reshape(-1, 3).mean(0)
    assert night.sum() < 0.6 * day.sum()
    assert night[2] / night[0] > 1.2 * day[2] / day[0]  # cooler


def test_a_top_bottom_stereo_panorama_gives_each_eye_its_own_half(fresh_stage, media):
    stage = fresh_stage("stereo", size=(320, 90))
    player = Player(stage)
    player.scene(key("panorama", media["stereo"], stereo="top-bottom"))
    image = player.settle()
    left, right = image[:, :160], image[:, 160:]
    assert is_red(centre(left)), centre(left)  # the upper half: red ahead
    assert is_green(centre(right)), centre(right)  # the lower half: green ahead


def test_a_software_renderer_reads_a_wide_panorama_halved_without_mipmaps(tmp_path):
    """Drawn at 0.35 of the view, a 4096-wide picture is halved when loaded (each pixel the
    mean of four, as its first mipmap level would be) and read with one bilinear look-up;
    with a GPU it keeps its size and mipmaps."""
    from panda3d.core import SamplerState

    from companion.stage.environments import Kit
    from companion.stage.media.panorama import Panorama
    from companion.stage.textures import noise_texture

    pixels = panorama_pixels(4096, 2048)
    path = write_picture(tmp_path / "wide.png", pixels)
    kit = Kit(noise_texture())
    soft = Panorama(kit, MediaSpec("panorama", str(path)), software=True).picture()
    full = Panorama(kit, MediaSpec("panorama", str(path))).picture()
    assert (soft.getXSize(), soft.getYSize()) == (2048, 1024)
    assert soft.getMinfilter() == SamplerState.FT_linear
    assert (full.getXSize(), full.getMinfilter()) == (4096, SamplerState.FT_linear_mipmap_linear)
    halved = np.frombuffer(bytes(soft.getRamImage()), np.uint8).reshape(1024, 2048, 3)
    picture = np.frombuffer(bytes(full.getRamImage()), np.uint8).reshape(2048, 4096, 3)
    expected = picture.reshape(1024, 2, 2048, 2, 3).mean((1, 3))  # as the picture is stored
    assert np.abs(halved - expected).max() <= 0.5


def test_a_glTF_scene_seats_the_viewer_at_its_node(fresh_stage, media):
    stage = fresh_stage(size=(160, 90))
    player = Player(stage)
    player.scene(key("scene", media["scene"], view="seat"))
    image = player.settle()
    assert centre(image)[0] > 1.8 * centre(image)[1], centre(image)  # the red box ahead
    below = image[80:88].reshape(-1, 3).mean(0)
    assert below[1] > below[0], below  # green ground below it
    assert not stage.ended


def test_a_session_crossfades_between_a_built_in_environment_and_each_kind(fresh_stage, media):
    script = f"""
companion: 1
title: Own media
scenes:
  - id: room
    environment: haven
    duration: 4s
  - id: beach
    environment: {{panorama: {media["panorama"]}}}
    transition: 2s
    duration: 4s
  - id: sea
    environment: {{film: {media["film"]}}}
    transition: 2s
    duration: 4s
  - id: garden
    environment: {{scene: {media["scene"]}, view: seat}}
    transition: 2s
    duration: 4s
  - id: back
    environment: haven
    transition: 2s
    then: end
    duration: 4s
"""
    loaded = load_text(script, "own.yaml", base_dir=Path("."))
    assert loaded.ok, loaded.findings
    reports = []
    stage = fresh_stage(size=(160, 90), report=lambda *r: reports.append(r), wait_media=True)
    clock = VirtualClock()
    engine = Engine(loaded.script, clock)
    engine.command("start")
    centres: dict[str, list[np.ndarray]] = {}
    mixed = 0
    for _ in range(10 * 21):
        clock.advance(0.1)
        for action in engine.tick():
            stage.apply(action)
        stage.update(breath=engine.breath(), now=clock.now())
        stage.render()
        weights = [w for w in stage.crossfade.weights.values() if w > 0]
        mixed += len(weights) > 1
        if len(weights) == 1 and stage.environment:
            centres.setdefault(stage.environment.split(":")[0], []).append(centre(stage.capture()))
    assert all(ok for _, ok, _ in reports), reports
    assert {"haven", "panorama", "film", "scene"} <= set(centres)
    assert is_red(centres["panorama"][-1]) and is_red(centres["film"][-1]), (
        centres["panorama"][-1],
        centres["film"][-1],
    )
    assert not is_red(centres["haven"][-1])
    assert mixed >= 4 * 10  # four crossfades of 2 s, drawn as blends of two scenes
    assert stage.comfort.ok, [f.message for f in stage.comfort.findings]


def test_each_kind_crossfades_from_and_to_a_built_in_environment_and_the_others(fresh_stage, media):
    """With the test above, every kind crossfades from and to a built-in environment, and
    from and to each other kind: haven -> film -> haven -> scene -> panorama -> haven."""
    order = [
        ("room", "haven"),
        ("sea", f"{{film: {media['film']}}}"),
        ("room2", "forest"),
        ("garden", f"{{scene: {media['scene']}, view: seat}}"),
        ("beach", f"{{panorama: {media['panorama']}}}"),
        ("back", "haven"),
    ]
    scenes = "".join(
        f"  - id: {name}\n    environment: {env}\n    transition: 1s\n    duration: 2s\n"
        for name, env in order
    )
    loaded = load_text(
        f"companion: 1\ntitle: Kinds\nscenes:\n{scenes}", "kinds.yaml", base_dir=Path(".")
    )
    assert loaded.ok, loaded.findings
    stage = fresh_stage(size=(160, 90), wait_media=True)
    clock = VirtualClock()
    engine = Engine(loaded.script, clock)
    engine.command("start")
    blends: dict[tuple[str, ...], int] = {}
    seen: dict[str, np.ndarray] = {}
    for _ in range(10 * 13):
        clock.advance(0.1)
        for action in engine.tick():
            stage.apply(action)
        stage.update(breath=engine.breath(), now=clock.now())
        stage.render()
        names = {id(layer): name.split(":")[0] for name, layer in stage.layers.items()}
        showing = tuple(sorted(names[k] for k, w in stage.crossfade.weights.items() if w > 0))
        if len(showing) > 1:
            blends[showing] = blends.get(showing, 0) + 1
        elif showing and stage.environment:
            seen[showing[0]] = centre(stage.capture())
    pairs = {("film", "haven"), ("film", "forest"), ("forest", "scene"), ("panorama", "scene")}
    pairs.add(("haven", "panorama"))
    assert pairs <= set(blends), blends  # each transition drawn as a blend of the two
    assert all(count >= 5 for count in blends.values()), blends  # over its 1 s, not a cut
    assert is_red(seen["film"]) and is_red(seen["panorama"]) and not is_red(seen["haven"])
    assert stage.comfort.ok, [f.message for f in stage.comfort.findings]


def film_stage(fresh_stage, path: Path, **kwargs):
    stage = fresh_stage(size=(160, 90), wait_media=True, **kwargs)
    player = Player(stage)
    player.scene(key("film", path), transition=0.5)
    return stage, player, stage.layers[key("film", path)].scenery


def test_a_film_plays_in_session_time_stops_when_paused_and_loops(fresh_stage, media):
    stage, player, film = film_stage(fresh_stage, media["film"])
    player.run(1.0, fps=30)
    played = film.shown.index
    assert 25 <= played <= 31
    stage.apply(act.Pause())
    player.run(3.0, fps=30)  # the pause fades the speed out over 2.5 s
    held = film.shown.index
    player.run(2.0, fps=30)
    assert film.shown.index == held  # paused: the same picture
    stage.apply(act.Resume())
    player.run(9.0, fps=30)  # past the film's 6 s end: it runs on, looped
    assert film.time > 6.5 and film.shown.time > 6.5
    assert film.shown.index > held + 200
    assert film.decoder is not None and film.decoder.error is None
    # streamed: at most a second of pictures ahead, and no more than AHEAD_BYTES of them
    ahead = film.decoder.ahead
    assert len(film.decoder._frames) <= ahead <= MAX_AHEAD
    width, height = film.decoder.shown
    assert ahead == AHEAD or ahead * width * height * 3 // 2 <= AHEAD_BYTES


def test_a_film_with_its_own_sound_keeps_the_sessions_time_through_a_stalled_frame(
    fresh_stage, media, tmp_path
):
    """A frame 0.9 s after the last (a busy machine) moves fades and motion on by a quarter of
    a second only, so nothing jumps; but a film's sound played on meanwhile, so a film with its
    own sound takes the whole 0.9 s (before, its picture stayed 0.65 s behind its sound for
    good). A silent film, which may wait for its pictures, takes a quarter at most."""
    import imageio_ffmpeg

    with_sound = tmp_path / "with-sound.mp4"
    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y", "-f", "lavfi"]
    command += ["-i", "color=c=gray:s=128x64:r=30:d=4", "-f", "lavfi"]
    command += ["-i", "sine=frequency=440:sample_rate=44100:d=4", "-c:a", "aac"]
    command += ["-c:v", "libx264", "-pix_fmt", "yuv420p", "-shortest", str(with_sound)]
    subprocess.run(command, check=True, timeout=60, capture_output=True)
    moved = {}
    for path in (with_sound, media["film"]):
        stage, player, film = film_stage(fresh_stage, path)
        player.run(0.5, fps=30, render=False)
        assert film.shown is not None, film.error
        before = film.time
        player.frame(0.9, render=False)  # a stalled frame
        moved[path.name] = film.time - before
        stage.close()  # (one ShowBase at a time)
    assert moved["with-sound.mp4"] == pytest.approx(0.9), moved
    assert 0.0 < moved["sea.mp4"] <= 0.25 + 1e-9, moved


def test_a_late_decoder_slows_the_film_rather_than_making_it_skip(fresh_stage, media):
    """When the pictures come late (here: a quarter of a second of film is asked for every
    few milliseconds, faster than the decoder goes), the film's clock waits for them: it
    runs at most MAX_SLIP pictures past the newest one, so the film goes on from where it
    was, never far ahead."""
    from companion.stage.media.film import MAX_SLIP

    stage = fresh_stage(size=(160, 90))  # not waiting for media: real decoding speed
    player = Player(stage)
    player.scene(key("film", media["film"]), transition=0.1)
    film = stage.layers[key("film", media["film"])].scenery
    for _ in range(200):  # until its first picture is shown (FFmpeg takes a moment to start)
        player.frame(1 / 30, render=False)
        if film.shown is not None:
            break
        time.sleep(0.01)
    assert film.shown is not None
    for _ in range(200):  # a quarter of a second (the stage's longest step) every update
        player.frame(1.0, render=False)
        assert film.time <= film._newest + MAX_SLIP / film.info.fps + 1e-9
    assert film.slipped > 25.0  # the clock waited for most of the 50 s asked for
    assert film.time < 25.0


def _loop_jumps(path: Path, fade: float) -> float:
    """The largest change between successive pictures across the loop, over the median one."""
    decoder = FilmDecoder(path, (256, 128), fade=fade)
    try:
        times = np.arange(decoder.period - 1.5, decoder.period + 1.5, 1 / 30)
        pictures = [decoder.frame_at(t, wait=True).planes[0].astype(int) for t in times]
    finally:
        decoder.close()
    changes = [np.abs(b - a).sum() for a, b in zip(pictures, pictures[1:], strict=False)]
    return max(changes) / float(np.median(changes))


def test_the_loop_blends_the_end_into_the_start(media):
    assert _loop_jumps(media["film"], LOOP_FADE) < 3.0
    assert _loop_jumps(media["film"], 0.0) > 6.0  # cut, not blended: the mark jumps back


def test_a_film_that_loops_by_itself_is_cut_not_blended(tmp_path):
    still = FilmDecoder(write_film(tmp_path / "still.mp4", seconds=5.0, still=True), (256, 128))
    moving = FilmDecoder(write_film(tmp_path / "moving.mp4", seconds=5.0), (256, 128))
    try:
        for decoder in (still, moving):
            times = np.arange(0.0, decoder.period + 2.0, 1 / 30)
            shown = [decoder.frame_at(t, wait=True) for t in times]
            assert all(frame is not None for frame in shown)
            assert all(
                b.time > a.time for a, b in zip(shown, shown[1:], strict=False)
            )  # film time runs on
        assert still.fade == 0.0 and moving.fade == LOOP_FADE
        assert still.blended == 0 and moving.blended > 0  # not even its first pass
        assert abs(still.period - 5.0) < 1e-6 and abs(moving.period - 4.0) < 1e-6
    finally:
        still.close()
        moving.close()


def _flashes(stage) -> list[str]:
    return [f.message for f in stage.comfort.findings if f.rule == "flashes"]


def test_the_comfort_guard_holds_and_dims_a_flashing_film(fresh_stage, media):
    stage, player, film = film_stage(fresh_stage, media["flashing"])
    player.run(1.5, fps=30)
    assert not film.guard.flashing(film.time) and film.guard.flashes_held == 0  # calm so far
    player.run(1.5, fps=30)  # into the flashing section (from 2 s)
    assert film.guard.flashing(film.time) and film.guard.gain < 1.0  # held and dimmed
    player.run(2.0, fps=30)
    assert film.guard.flashes_held > 20
    assert not _flashes(stage), _flashes(stage)


def test_without_the_guard_the_same_film_would_flash(fresh_stage, media):
    """The check above can fail: the same film with the guard let through every picture."""
    stage, player, film = film_stage(fresh_stage, media["flashing"])

    class Open:
        gain = 1.0

        def admit(self, time, thumb):
            return True

        def brightness(self, time, dt, mean):
            return 1.0

    film.guard = Open()
    player.run(5.0, fps=30)
    assert _flashes(stage)


def test_captions_and_the_breathing_guide_show_over_a_panorama(fresh_stage, media):
    stage = fresh_stage(size=(320, 180))
    player = Player(stage)
    player.scene(key("panorama", media["panorama"]), transition=0.5)
    bare = player.settle()
    stage.apply(act.Say(text="Let your shoulders soften.", seconds=5.0, caption=True))
    stage.apply(act.Breathe(inhale=4.0, hold=0.0, exhale=4.0, rest=0.0, cycles=2, sound="none"))
    player.run(1.0, fps=15, breath={"phase": "in", "progress": 0.5, "cycle": 1, "cycles": 2})
    shown = player.frame(1 / 15, breath={"phase": "in", "progress": 0.6, "cycle": 1, "cycles": 2})
    caption_rows = slice(int(0.80 * 180), int(0.95 * 180))
    changed = np.abs(shown.astype(int) - bare.astype(int)).sum(2) > 60
    assert changed[caption_rows].mean() > 0.01  # the caption's letters
    assert changed[: int(0.75 * 180)].mean() > 0.005  # the guide


def test_a_glTF_scenes_faces_seen_from_both_sides_take_the_two_sided_light(fresh_stage, tmp_path):
    """Only a doubleSided material's faces are lit on both sides (the shader picks the
    light by the face seen); the rest take the shader without the back face's light, which
    on a software renderer costs 0.8 ms a frame of the benchmark's garden."""
    from panda3d.core import Shader, ShaderAttrib

    stage = fresh_stage(size=(160, 90))
    for double_sided in (False, True):
        path = write_glb(tmp_path / f"garden-{double_sided}.glb", double_sided=double_sided)
        name = key("scene", path, view="seat")
        stage.prepare([name], strict=True)
        root = stage.layers[name].root
        model = [n for n in root.findAllMatches("**/+GeomNode") if "sky" not in str(n)]
        assert model
        for node in model:
            shader = node.getNetState().getAttrib(ShaderAttrib).getShader()
            two_sided = "#define TWO_SIDED" in shader.getText(Shader.ST_fragment)
            assert two_sided == double_sided, (node, double_sided)


def test_the_look_lights_a_glTF_scene_and_hazes_it(fresh_stage, media):
    stage = fresh_stage(size=(160, 90))
    player = Player(stage)
    player.scene(key("scene", media["scene"], view="seat"), {"time": "day"})
    day = player.settle()
    player.scene(key("scene", media["scene"], view="seat"), {"time": "night"})
    night = player.settle()
    ground = slice(82, 90)
    assert night[ground].mean() < 0.5 * day[ground].mean()  # the key light and fill follow the time
    far, near = day[46:48].reshape(-1, 3).mean(0), day[86:90].reshape(-1, 3).mean(0)
    assert abs(far[2] - far[1]) < abs(near[2] - near[1])  # the far ground fades into the haze


def test_a_film_can_be_handed_on_at_every_other_pixel(media):
    """On a software renderer a film wider than 2048 is uploaded at half size (film.py):
    FFmpeg hands on every other pixel of every other row, taken, not mixed."""
    full = FilmDecoder(media["film"], (256, 128))
    half = FilmDecoder(media["film"], (256, 128), step=2)
    try:
        whole, every_other = full.frame_at(0.5, wait=True), half.frame_at(0.5, wait=True)
    finally:
        full.close()
        half.close()
    assert [p.shape for p in whole.planes] == [(128, 256), (64, 128), (64, 128)]
    assert [p.shape for p in every_other.planes] == [(64, 128), (32, 64), (32, 64)]
    assert all(
        np.array_equal(h, f[1::2, 1::2])
        for h, f in zip(every_other.planes, whole.planes, strict=True)
    )


def _running(pid: int) -> bool:
    """Whether a process runs (an ended one not yet reaped, a zombie, does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def _ends_within(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while _running(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not _running(pid)


def test_closing_a_film_ends_its_ffmpeg_process(media):
    """Films are decoded by FFmpeg run as a separate process (GPL: run, never imported); a
    scene change or the session's end closes the decoder, and that ends the process."""
    decoder = FilmDecoder(media["film"], (256, 128))
    try:
        assert decoder.frame_at(0.0, wait=True) is not None
        pids = decoder.pids
        assert len(pids) == 1 and _running(pids[0])  # waiting, blocked, to write ahead
    finally:
        decoder.close()
    assert decoder.pids == [] and not _running(pids[0])
    assert not decoder._thread.is_alive() and decoder.error is None


def test_ffmpeg_ends_when_the_process_reading_it_is_killed(media):
    """A crash of Companion (SIGKILL: no clean-up runs) leaves no FFmpeg behind: it writes
    into a pipe whose reading end died with Companion, and ends on its next write."""
    code = (
        "import sys, time\n"
        "from companion.stage.media.decode import FilmDecoder\n"
        "d = FilmDecoder(sys.argv[1], (256, 128))\n"
        "assert d.frame_at(0.0, wait=True) is not None\n"
        "print(d.pids[0], flush=True)\n"
        "time.sleep(60)\n"
    )
    parent = subprocess.Popen(
        [sys.executable, "-c", code, str(media["film"])], stdout=subprocess.PIPE, text=True
    )
    try:
        assert parent.stdout is not None
        pid = int(parent.stdout.readline())
        assert _running(pid)
    finally:
        parent.kill()
        parent.wait(timeout=10)
    assert _ends_within(pid, 10.0)


def test_a_film_that_fails_to_decode_part_way_is_a_message_not_a_hang(tmp_path):
    """What the decoder guarantees: FFmpeg's reason as one message, then its thread ends with
    no FFmpeg left. The message comes first (its thread then kills and reaps the FFmpeg
    processes, which on a machine with both cores busy took longer than the test's 300 calls
    of frame_at that return at once once there is an error: `ended` was still False); so the
    test waits for the end itself, on a deadline far beyond any machine's (not a figure)."""
    decoder = FilmDecoder(damaged_film(tmp_path / "broken.mp4"), (256, 128))
    try:
        for t in np.arange(0.0, 10.0, 1 / 30):
            decoder.frame_at(float(t), wait=True, timeout=10.0)
            if decoder.error is not None or decoder.ended:
                break
        assert decoder.error is not None, "ten seconds of a damaged four-second film played"
        assert decoder.error.startswith("broken.mp4: ") and "Decoding error" in decoder.error, (
            decoder.error
        )
        assert decoder.wait_ended(60.0)
        assert decoder.pids == []
    finally:
        decoder.close()


def test_a_film_is_black_not_green_before_its_first_picture(fresh_stage, media, tmp_path):
    """The plane textures start as black (Y 16, U and V 128 in video range): zero U and V
    would be a green sphere until the first picture, or for good if decoding fails."""
    import shutil

    copy = Path(shutil.copy(media["film"], tmp_path / "gone.mp4"))
    stage = fresh_stage(size=(160, 90))
    name = key("film", copy)
    stage.prepare([name], strict=True)
    film = stage.layers[name].scenery
    y, u, v = (np.frombuffer(bytes(texture.getRamImage()), np.uint8) for texture in film.planes)
    assert (y == 16).all() and (u == 128).all() and (v == 128).all()
    copy.unlink()  # no picture will ever come: FFmpeg cannot open it
    player = Player(stage)
    player.scene(name, transition=0.5)
    shown = centre(player.settle())
    player.run(0.5)
    assert film.decoder is not None, film.error
    film.decoder._thread.join(10.0)  # it gave up (the frame thread never waits for it)
    player.run(0.2)
    assert film.error and "gone.mp4" in film.error, film.error
    assert shown.max() < 30 and centre(player.settle()).max() < 30, shown


def test_a_film_off_the_screen_holds_no_ffmpeg_process(fresh_stage, media):
    """Prepared films start FFmpeg only when shown; a scene change away ends it; a return
    plays the film again from its start."""
    stage = fresh_stage(size=(160, 90), wait_media=True)
    name = key("film", media["film"])
    stage.prepare([name], strict=True)
    film = stage.layers[name].scenery
    assert film.decoder is None
    player = Player(stage)
    player.scene(name, transition=0.5)
    player.run(1.0, fps=30)
    pids = film.decoder.pids
    assert pids and _running(pids[0]) and film.shown.index > 20
    player.scene("haven", transition=0.5)
    player.run(1.0, fps=30)
    assert film.decoder is None and _ends_within(pids[0], 5.0)
    player.scene(name, transition=0.5)
    player.run(0.5, fps=30)
    assert film.decoder is not None and film.decoder.pids and film.shown.index < 20
    assert film.error is None


def test_the_loop_blend_is_made_in_integers(media):
    """The blend of a 2048x1024 picture's planes makes no more temporary memory than two
    16-bit copies of a plane (in floats it was 24 bytes a pixel), and mixes as asked."""
    import tracemalloc

    from companion.stage.media.decode import blend

    rng = np.random.default_rng(3)
    a = tuple(
        rng.integers(0, 256, shape, dtype=np.uint8)
        for shape in ((1024, 2048), (512, 1024), (512, 1024))
    )
    b = tuple(
        rng.integers(0, 256, shape, dtype=np.uint8)
        for shape in ((1024, 2048), (512, 1024), (512, 1024))
    )
    tracemalloc.start()
    try:
        mixed = blend(a, b, 0.25)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 6 * 1024 * 2048, peak  # the Y plane is 2 MB; floats needed 48 MB
    want = a[0].astype(float) * 0.75 + b[0].astype(float) * 0.25
    assert mixed[0].dtype == np.uint8 and np.abs(mixed[0] - want).max() <= 1.0
    assert np.array_equal(blend(a, b, 0.0)[1], a[1]) and np.array_equal(blend(a, b, 1.0)[2], b[2])


def test_late_pictures_at_the_loop_are_dropped_not_blended(media):
    """A decoder behind the session (a slow machine) skips late loop pictures as it skips
    others, rather than blending every one of them and falling further behind at the seam."""
    decoder = FilmDecoder(media["film"], (256, 128))
    try:
        assert decoder.frame_at(0.0, wait=True) is not None
        frame = decoder.frame_at(decoder.period + 0.9 * LOOP_FADE, wait=True)
        while frame is None or frame.time < decoder.period + 0.9 * LOOP_FADE - 1e-6:
            frame = decoder.frame_at(decoder.period + 0.9 * LOOP_FADE, wait=True)
        assert decoder.dropped > 100
        assert decoder.blended <= 6, decoder.blended  # of the 30 loop pictures, only those due
    finally:
        decoder.close()


def test_a_media_file_that_failed_in_prepare_is_not_opened_again_at_each_visit(
    fresh_stage, tmp_path, monkeypatch
):
    """A wrong-shaped photo fails in prepare; its scene's visits then fail at once with the
    same message, not by decoding the whole file again on the frame thread (a freeze)."""
    from companion.stage.media import picture

    photo = write_picture(tmp_path / "wide.png", panorama_pixels(512, 256)[:, :384])  # 3:2
    real, opened = picture.read_picture, []
    monkeypatch.setattr(
        picture, "read_picture", lambda path: opened.append(path) or real(path)
    )  # a counting spy
    reports: list[tuple] = []
    stage = fresh_stage(size=(160, 90), report=lambda *r: reports.append(r))
    name = key("panorama", photo)
    stage.prepare([name])
    assert len(opened) == 1 and "384x256 is not 2:1" in reports[-1][2]
    player = Player(stage)
    for _ in range(3):
        player.scene(name, transition=0.2)
        player.run(0.3)
        player.scene("haven", transition=0.2)
        player.run(0.3)
    assert len(opened) == 1
    failures = [r for r in reports if not r[1] and "384x256 is not 2:1" in r[2]]
    assert len(failures) >= 4, reports  # prepare's, and each visit's
