"""Render cost of the stage at 1280x720 (offscreen, through EGL), against Panda3D's bundled
`models/environment` sample scene, measured in the same run, the same process and window.

Prints milliseconds per frame for each environment (mono, and side-by-side stereo) with the
ratio to the sample scene (goals: each environment at most 0.5, stereo at most 1.0), and the
time from start to the first frame. Every frame is finished before the next (`gl-finish`: OpenGL
waits for all its drawing at the end of each frame), for the stage and the sample alike, so the
GPU's queue cannot hide work. Until 2026-12-05 every frame was read back instead
(`--read-back`): on a software renderer that copy of 1280x720 costs about 3 ms of the main
thread a frame, which neither the patient's window nor the sample's drawing needs, and which
was a third of the stage's floor (sky, upscale, read-back: 0.31-0.34 of the sample); the old
method stays as `--read-back`. The sample and each environment
are measured in alternating rounds, and each ratio is the median over the rounds of the
environment's cost over the sample's measured just before it (paired, so that the load of
other programs, which comes and goes within a run, weighs on both sides of each ratio alike).

A clinic's own media are measured alike: a 4096x2048 panorama and a glTF scene of 50,000
triangles (goal 0.5 each), both made by code (media_files.py); and a 3840x1920 H.264 film
played in real time at 30 frames a second: its frame cost and the share of frames that show
the film picture due (goal at least 99%).

    .venv/bin/python benchmarks/render.py [--frames 12] [--rounds 5] [--size 1280x720]
                                          [--only-media] [--film-seconds 20] [--read-back]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from companion.script import catalog

FIRST_FRAME = """
import time
start = time.perf_counter()
from companion.session import actions as act
from companion.stage.stage import Stage
stage = Stage("window", ({w}, {h}), headless=True)
stage.apply(act.SceneChange("first", "shoreline", {{}}, 3.0, "journey"))
stage.update(now=0.0)
stage.render()
stage.capture()
print(time.perf_counter() - start)
stage.close()
"""


ONLY_MEDIA = False
READ_BACK = False  # read every frame back (the method before 2026-12-05) rather than finish it


class Bench:
    """One stage; the sample scene loaded into the same ShowBase's own (unused) scene graph,
    so both draw into the same window with the same read-back."""

    def __init__(self, display: str, size: tuple[int, int]) -> None:
        from panda3d.core import ConfigVariableBool

        from companion.stage.stage import Stage

        self.stage = Stage(display, size, headless=True)
        # every frame's drawing done before the next (glFinish at the frame's end)
        ConfigVariableBool("gl-finish").setValue(not READ_BACK)
        base = self.stage.base
        sample = base.loader.loadModel("models/environment")
        sample.reparentTo(base.render)
        sample.setScale(0.25)
        sample.setPos(-8, 42, 0)
        window = self.stage.window
        self.base_regions = [r for r in window.getDisplayRegions() if not r.isActive()]
        self.stage_regions = [r for r in window.getDisplayRegions() if r.isActive()]
        self.now = 0.0

    def frame(self) -> None:
        self.stage.render()
        if READ_BACK:
            self.stage.window.getScreenshot()

    def mode(self, sample: bool) -> None:
        for region in self.base_regions:
            region.setActive(sample)
        for region in self.stage_regions:
            region.setActive(not sample)
        for layer in self.stage.layers.values():
            layer.set_active(False)
        if self.stage._probe is not None:
            self.stage._probe.buffer.setActive(not sample)

    def time_sample(self, frames: int) -> float:
        self.mode(True)
        return self._time(frames, lambda: None)

    def time_environment(self, name: str, frames: int) -> float:
        from companion.session import actions as act

        self.mode(False)
        if self.stage.environment != name:
            self.stage.apply(act.SceneChange(name, name, {"motion": 0.6}, 1.0, "journey"))
            self.stage.settle()

        def step() -> None:
            self.now += 1 / 60
            self.stage.update(now=self.now)

        return self._time(frames, step)

    def _time(self, frames: int, step) -> float:
        for _ in range(3):
            step()
            self.frame()
        start = time.perf_counter()
        for _ in range(frames):
            step()
            self.frame()
        return (time.perf_counter() - start) / frames * 1000

    def close(self) -> None:
        from panda3d.core import ConfigVariableBool

        self.stage.close()
        ConfigVariableBool("gl-finish").clearLocalValue()


def media_environments(folder: Path) -> dict[str, str]:
    """A clinic's own media, made by code (benchmarks/media_files.py): label -> environment."""
    from media_files import garden, panorama  # beside this file

    from companion.script.media import MediaSpec

    return {
        "panorama 4096x2048": MediaSpec("panorama", str(panorama(folder / "panorama.jpg"))).key,
        "glTF 50k triangles": MediaSpec(
            "scene", str(garden(folder / "garden.glb")), view="seat"
        ).key,
    }


def measure(
    display: str,
    size: tuple[int, int],
    frames: int,
    rounds: int,
    media: dict[str, str] | None = None,
) -> tuple[float, dict[str, tuple[float, float]]]:
    """The sample's median cost, and each environment's median cost and median ratio to the
    sample measured just before it."""
    bench = Bench(display, size)
    samples: list[float] = []
    names = ({} if ONLY_MEDIA else {name: name for name in sorted(catalog.ENVIRONMENTS)}) | (
        media or {}
    )
    costs: dict[str, list[float]] = {label: [] for label in names}
    ratios: dict[str, list[float]] = {name: [] for name in costs}
    try:
        for _ in range(rounds):
            for label, name in names.items():
                sample = bench.time_sample(frames)
                cost = bench.time_environment(name, frames)
                name = label
                samples.append(sample)
                costs[name].append(cost)
                ratios[name].append(cost / sample)
    finally:
        bench.close()
    return statistics.median(samples), {
        k: (statistics.median(costs[k]), statistics.median(ratios[k])) for k in costs
    }


def _resident_mb() -> float:
    """This process's resident memory (Linux), in MB."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def decode_rate(path: Path, seconds: float = 10.0) -> float:
    """Film pictures a second the decoder alone makes (no drawing), for comparison."""
    from companion.stage.media.decode import FilmDecoder, probe

    info = probe(path)
    decoder = FilmDecoder(path, (info.width, info.height), info)
    try:
        start, t = time.perf_counter(), 0.0
        while t < seconds:
            t += 1.0 / info.fps
            decoder.frame_at(t, wait=True)
        return seconds * info.fps / (time.perf_counter() - start)
    finally:
        decoder.close()


def measure_film(
    path: Path, size: tuple[int, int], seconds: float, fps: int = 30
) -> dict[str, float]:
    """A film played in real time at `fps` frames a second: the cost of a frame (update, draw,
    read back), and the share of frames that show the film picture due (decoded in time); where
    the time goes (the stage's update, which copies the picture into the textures, and the
    draw; the decoding thread's wait for FFmpeg, its conversion, its idle time) and the
    machine's load average before and after."""
    from companion.script.media import MediaSpec
    from companion.session import actions as act
    from companion.stage.stage import Stage

    key = MediaSpec("film", str(path)).key
    stage = Stage("window", size, headless=True)
    load_before = os.getloadavg()[0]
    try:
        stage.apply(act.SceneChange("film", key, {}, 1.0, "journey"))
        film = stage.layers[key].scenery
        stage.settle()
        costs, updates, on_time, frames = [], [], 0, round(seconds * fps)
        slipped = film.slipped
        resident: list[float] = []
        start = time.perf_counter()
        for index in range(frames):
            if index % fps == 0:
                resident.append(_resident_mb())
            due = start + index / fps
            while time.perf_counter() < due:  # paced as a 30 Hz display would
                time.sleep(0.001)
            began = time.perf_counter()
            stage.update(now=began - start)
            updates.append((time.perf_counter() - began) * 1000)
            stage.render()
            stage.window.getScreenshot()
            costs.append((time.perf_counter() - began) * 1000)
            shown = film.shown
            # the picture due is shown, and the film's clock did not have to wait for it
            on_time += (
                shown is not None
                and shown.time > film.time - 1.0 / film.info.fps - 1e-6
                and film.slipped == slipped
            )
            slipped = film.slipped
        elapsed = time.perf_counter() - start
        # after the first pass and its blend into the start (a second decoder for a second),
        # whose buffers FFmpeg and the allocator keep for reuse
        settled = resident[min(round(film.decoder.period) + 3, len(resident) - 1)]
        spent = film.decoder.spent
        return {
            "cost": statistics.median(costs),
            "p95": sorted(costs)[int(0.95 * len(costs))],
            "update": statistics.median(updates),
            "upload": film.upload_seconds / max(1, film.pictures) * 1000,
            "ffmpeg": spent["ffmpeg"] / elapsed,
            "convert": spent["convert"] / elapsed,
            "idle": spent["ahead"] / elapsed,
            "on_time": on_time / frames,
            "texture": film.texture.getXSize(),
            "memory_growth": max(resident) - settled,
            "loops": film.time / film.decoder.period,
            "slipped": film.slipped,
            "load_before": load_before,
            "load_after": os.getloadavg()[0],
        }
    finally:
        stage.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=12)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--size", default="1280x720")
    parser.add_argument(
        "--media",
        default=str(Path(tempfile.gettempdir()) / "companion-bench-media"),
        help="folder for the generated panorama, film and glTF scene (kept between runs)",
    )
    parser.add_argument("--film-seconds", type=float, default=30.0, help="how long the film plays")
    parser.add_argument(
        "--only-media", action="store_true", help="measure the media environments only"
    )
    parser.add_argument(
        "--read-back",
        action="store_true",
        help="read every frame back rather than finish it (the method before 2026-12-05)",
    )
    args = parser.parse_args()
    size = tuple(int(v) for v in args.size.lower().split("x"))
    first = (
        subprocess.run(
            [sys.executable, "-c", FIRST_FRAME.format(w=size[0], h=size[1])],
            capture_output=True,
            text=True,
            check=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    global ONLY_MEDIA, READ_BACK
    ONLY_MEDIA = args.only_media
    READ_BACK = args.read_back
    folder = Path(args.media)
    media = media_environments(folder)
    sample, mono = measure("window", size, args.frames, args.rounds, media)
    sample_stereo, stereo = measure("stereo", size, args.frames, args.rounds, media)
    from media_files import film as make_film

    film_path = make_film(folder / "film.mp4")
    played = measure_film(film_path, size, args.film_seconds)
    decoded = decode_rate(film_path)
    print(
        f"render cost at {size[0]}x{size[1]}: medians of {args.rounds} rounds of "
        f"{args.frames} frames, each frame {'read back' if READ_BACK else 'finished (gl-finish)'}"
    )
    print(f"{'scene':<22}{'ms/frame':>10}{'ratio':>8}   goal")
    print(f"{'sample: environment':<22}{sample:>10.2f}{1.0:>8.2f}   (baseline, mono run)")
    for name, (cost, ratio) in mono.items():
        print(f"{name:<22}{cost:>10.2f}{ratio:>8.2f}   <= 0.50 {'ok' if ratio <= 0.5 else 'OVER'}")
    print(f"{'sample: environment':<22}{sample_stereo:>10.2f}{1.0:>8.2f}   (baseline, stereo run)")
    for name, (cost, ratio) in stereo.items():
        print(
            f"{name + ' stereo':<22}{cost:>10.2f}{ratio:>8.2f}   <= 1.00 "
            f"{'ok' if ratio <= 1.0 else 'OVER'}"
        )
    print(
        f"film 3840x1920 at 30 fps (decoded at {played['texture']} wide): "
        f"{played['cost']:.1f} ms/frame (95th percentile {played['p95']:.1f}), "
        f"{played['on_time']:.1%} of frames show the picture due (goal >= 99%) "
        f"{'ok' if played['on_time'] >= 0.99 else 'UNDER'}; memory grew "
        f"{played['memory_growth']:.1f} MB over {args.film_seconds:.0f} s "
        f"({played['loops']:.1f} passes of the loop); the film's clock waited for late "
        f"pictures {played['slipped']:.2f} s in all"
    )
    print(
        f"  where a frame goes: update {played['update']:.1f} ms (of it the picture's copy into "
        f"the textures {played['upload']:.2f} ms), the rest drawing and reading back; the decoding "
        f"thread waited for FFmpeg {played['ffmpeg']:.0%} of the time, converted "
        f"{played['convert']:.0%}, waited with the queue full {played['idle']:.0%}; load average "
        f"{played['load_before']:.1f} before, {played['load_after']:.1f} after"
    )
    print(f"film decoder alone (no drawing): {decoded:.0f} pictures a second")
    print(
        f"start to first frame: {float(first) * 1000:.0f} ms (imports, window, first environment)"
    )
    from results import emit  # benchmarks/results.py, beside this file

    for name, (cost, ratio) in mono.items():
        emit(
            f"render {name}",
            round(ratio, 2),
            "x sample scene",
            "<= 0.50",
            ratio <= 0.5,
            f"{cost:.1f} ms/frame at {size[0]}x{size[1]}; sample {sample:.1f} ms",
        )
    emit(
        "film 3840x1920 at 30 fps on time",
        round(played["on_time"] * 100, 1),
        "% of frames",
        ">= 99",
        played["on_time"] >= 0.99,
        f"{played['cost']:.1f} ms/frame at {size[0]}x{size[1]}, "
        f"load {played['load_before']:.1f}-{played['load_after']:.1f}",
    )
    worst = max(ratio for _, ratio in stereo.values())
    emit(
        "render stereo (worst environment)",
        round(worst, 2),
        "x sample scene",
        "<= 1.00",
        worst <= 1.0,
        f"sample {sample_stereo:.1f} ms",
    )


if __name__ == "__main__":
    main()
