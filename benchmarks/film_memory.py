"""Memory of a long film session: the 3840x1920 bench film (benchmarks/media_files.py) played
by the stage's film decoder in real time for N minutes (default 10), as the software renderer
takes it (every other pixel: 1920x960), without drawing (the drawing's memory does not depend
on the film). Prints the resident memory of this process and of its FFmpeg children every 30 s
and the growth over the run after the first minute (goal: flat, the pictures streamed).

    .venv/bin/python benchmarks/film_memory.py [--minutes 10] [--step 2]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def resident_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6
    except OSError:  # a child ended between listing and reading
        return 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--step", type=int, default=2, help="every step-th pixel (2: software)")
    parser.add_argument("--media", default="/tmp/companion-bench-media")
    args = parser.parse_args()
    from media_files import film

    from companion.stage.media.decode import FilmDecoder, probe

    path = film(Path(args.media) / "film.mp4")
    info = probe(path)
    decoder = FilmDecoder(path, (info.width, info.height), info, step=args.step)
    samples: list[tuple[float, float, float]] = []
    shown = late = 0
    start = time.monotonic()
    try:
        next_sample = 0.0
        while (now := time.monotonic() - start) < args.minutes * 60:
            frame = decoder.frame_at(now)
            shown += frame is not None
            late += frame is None
            if now >= next_sample:
                ours = resident_mb(os.getpid())
                ffmpeg = sum(resident_mb(pid) for pid in decoder.pids)
                samples.append((now, ours, ffmpeg))
                print(f"{now / 60:5.1f} min  companion {ours:7.1f} MB  ffmpeg {ffmpeg:7.1f} MB")
                next_sample += 30.0
            time.sleep(max(0.0, (shown + late + 1) / info.fps - (time.monotonic() - start)))
    finally:
        decoder.close()
    after = [s for s in samples if s[0] >= 60.0] or samples
    growth = after[-1][1] - after[0][1]
    print(
        f"{args.minutes:.0f} minutes ({len(samples)} samples): companion grew {growth:+.1f} MB "
        f"after the first minute (min {min(s[1] for s in after):.1f}, max "
        f"{max(s[1] for s in after):.1f}); ffmpeg {min(s[2] for s in after):.1f} to "
        f"{max(s[2] for s in after):.1f} MB; {decoder.blended} loop pictures blended, "
        f"{decoder.dropped} dropped late; load average {os.getloadavg()[0]:.1f}"
    )


if __name__ == "__main__":
    main()
