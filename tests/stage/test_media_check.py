"""`companion check` opens every media file a script names (run as the real command)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from .media_files import (
    damaged_film,
    encode_film,
    panorama_pixels,
    write_film,
    write_glb,
    write_picture,
)

pytestmark = pytest.mark.timeout(120)


def check(folder: Path, scenes: str, *extra: str) -> tuple[int, list[dict], str]:
    script = folder / "script.yaml"
    script.write_text(f"companion: 1\ntitle: Own media\nscenes:\n{scenes}")
    result = subprocess.run(
        [sys.executable, "-m", "companion", "check", "--format", "json", str(script), *extra],
        check=False,
        capture_output=True,
        text=True,
        timeout=100,
        env={**__import__("os").environ, "XDG_CACHE_HOME": str(folder / "cache")},
    )
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, json.loads(result.stdout), result.stderr


def scene(name: str, environment: str) -> str:
    return f"  - id: {name}\n    environment: {environment}\n"


def test_good_media_pass(tmp_path):
    write_picture(tmp_path / "media" / "beach.jpg", panorama_pixels(1024, 512))
    write_film(tmp_path / "media" / "sea.mp4", seconds=2.0)
    write_glb(tmp_path / "media" / "garden.glb")
    code, findings, _ = check(
        tmp_path,
        scene("a", "{panorama: media/beach.jpg}")
        + scene("b", "{film: media/sea.mp4}")
        + scene("c", "{scene: media/garden.glb, view: seat}")
        + scene("d", "forest"),
    )
    assert (code, findings) == (0, [])


def test_a_3_to_2_photo_is_an_error_at_the_line_naming_it(tmp_path):
    write_picture(tmp_path / "media" / "beach.jpg", panorama_pixels(1024, 512)[:, :768])
    code, findings, _ = check(
        tmp_path, scene("a", "forest") + scene("b", "{panorama: media/beach.jpg}")
    )
    assert code == 1
    [finding] = findings
    assert (finding["line"], finding["severity"]) == (7, "error")
    assert "768x512 is not 2:1" in finding["message"] and "stretch" in finding["message"]


def test_a_stereo_panorama_is_square(tmp_path):
    pixels = np.concatenate([panorama_pixels(512, 256)] * 2)
    write_picture(tmp_path / "media" / "both.png", pixels)
    write_picture(tmp_path / "media" / "mono.png", panorama_pixels(512, 256))
    code, findings, _ = check(
        tmp_path,
        scene("a", "{panorama: media/both.png, stereo: top-bottom}")
        + scene("b", "{panorama: media/mono.png, stereo: top-bottom}"),
    )
    assert code == 1 and [f["line"] for f in findings] == [7]
    assert "top-bottom" in findings[0]["message"]


def test_an_unreadable_picture_and_a_broken_scene_are_errors(tmp_path):
    (tmp_path / "media").mkdir()
    (tmp_path / "media" / "beach.jpg").write_bytes(b"\xff\xd8 this is not a JPEG")
    (tmp_path / "media" / "garden.glb").write_bytes(b"glTF broken")
    code, findings, _ = check(
        tmp_path,
        scene("a", "{panorama: media/beach.jpg}") + scene("b", "{scene: media/garden.glb}"),
    )
    assert code == 1
    assert [(f["line"], f["severity"]) for f in findings] == [(5, "error"), (7, "error")]
    assert "not a picture this program can read" in findings[0]["message"]
    assert "cannot be loaded as a glTF 2.0 scene" in findings[1]["message"]


def test_a_film_whose_codec_cannot_be_decoded_is_an_error(tmp_path):
    film = write_film(tmp_path / "media" / "sea.mp4", seconds=1.0)
    film.write_bytes(film.read_bytes().replace(b"avc1", b"zq9x"))  # a codec FFmpeg does not know
    code, findings, _ = check(tmp_path, scene("a", "{film: media/sea.mp4}"))
    assert code == 1
    [finding] = findings
    assert (
        finding["line"] == 5
        and "no decoder here" in finding["message"]
        and "H.264" in finding["message"]
    )


def test_a_missing_view_node_is_named_with_the_nodes_there_are(tmp_path):
    write_glb(tmp_path / "media" / "garden.glb")
    code, findings, _ = check(tmp_path, scene("a", "{scene: media/garden.glb, view: sofa}"))
    assert (
        code == 1
        and "no node named 'sofa'" in findings[0]["message"]
        and "seat" in findings[0]["message"]
    )


def test_flashes_in_a_films_first_minutes_are_a_warning_found_once(tmp_path):
    write_film(tmp_path / "media" / "storm.mp4", seconds=5.0, flash=(2.0, 3.5))
    code, findings, _ = check(tmp_path, scene("a", "{film: media/storm.mp4}"))
    assert code == 0
    [finding] = findings
    assert finding["severity"] == "warning" and "flashes at 0:02" in finding["message"]
    cache = tmp_path / "cache" / "companion" / "film-flashes.json"
    stored = json.loads(cache.read_text())
    assert list(stored.values()) == [[2.2, 4]] or len(stored) == 1
    # the second check reads the cache: change what it holds and see it reported
    key = next(iter(stored))
    cache.write_text(json.dumps({key: [61.0, 9]}))
    _, again, _ = check(tmp_path, scene("a", "{film: media/storm.mp4}"))
    assert "flashes at 1:01 (9 flashes" in again[0]["message"]


def test_media_options_are_checked_by_the_format(tmp_path):
    write_picture(tmp_path / "media" / "beach.jpg", panorama_pixels(512, 256))
    code, findings, _ = check(
        tmp_path,
        scene("a", "{panorama: media/beach.jpg, view: seat}")
        + scene("b", "{film: media/beach.jpg}")
        + scene("c", "{panorama: media/gone.jpg}")
        + scene("d", "{photo: media/beach.jpg}"),
    )
    assert code == 1
    messages = [f["message"] for f in findings]
    assert "a panorama takes stereo; not view" in messages[0]
    assert "a film file ends in" in messages[1]
    assert "file not found: 'media/gone.jpg'" in messages[2]
    assert "panorama, film or scene" in messages[3]


def test_a_media_environment_takes_only_the_shared_look_settings(tmp_path):
    write_picture(tmp_path / "media" / "beach.jpg", panorama_pixels(512, 256))
    code, findings, _ = check(
        tmp_path,
        scene("a", "{panorama: media/beach.jpg}")
        + "    look: {time: dusk, brightness: 0.6, motion: 0.2, mist: 0.5}\n",
    )
    assert code == 1 and len(findings) == 1
    assert findings[0]["message"] == (
        "'look.mist' is a setting of forest, not of panorama (its own settings: none)"
    )


def _snapshot(folder: Path, scenes: str) -> subprocess.CompletedProcess:
    script = folder / "script.yaml"
    script.write_text(f"companion: 1\ntitle: Own media\nscenes:\n{scenes}")
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "companion",
            "snapshot",
            str(script),
            "--out",
            str(folder / "shots"),
            "--size",
            "160x90",
        ],
        check=False,
        capture_output=True,
        text=True,
        timeout=100,
    )


def test_snapshot_draws_each_kind(tmp_path):
    from panda3d.core import PNMImage

    write_picture(tmp_path / "media" / "beach.jpg", panorama_pixels(1024, 512))
    write_film(tmp_path / "media" / "sea.mp4", seconds=1.0)
    write_glb(tmp_path / "media" / "garden.glb")
    result = _snapshot(
        tmp_path,
        scene("a", "{panorama: media/beach.jpg}")
        + scene("b", "{film: media/sea.mp4}")
        + scene("c", "{scene: media/garden.glb, view: seat}"),
    )
    assert result.returncode == 0, result.stderr
    for name in ("01-a", "02-b", "03-c"):
        image = PNMImage(str(tmp_path / "shots" / f"{name}.png"))
        red, green, blue = image.getXel(80, 45)
        assert red > 1.8 * green and red > 1.8 * blue, (
            name,
            red,
            green,
            blue,
        )  # red straight ahead


def test_snapshot_of_a_broken_picture_stops_with_a_message(tmp_path):
    (tmp_path / "media").mkdir()
    (tmp_path / "media" / "beach.jpg").write_bytes(b"\xff\xd8 this is not a JPEG")
    result = _snapshot(tmp_path, scene("a", "{panorama: media/beach.jpg}"))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "cannot read the picture beach.jpg" in result.stderr


def test_a_film_in_a_slow_pixel_format_is_a_warning(tmp_path):
    film = encode_film(
        tmp_path / "media" / "sea.mp4",
        [np.full((128, 256, 3), 90, np.uint8)] * 10,
        (256, 128),
        30,
        "libx264",
        "yuv444p",
    )
    code, findings, _ = check(tmp_path, scene("a", "{film: media/sea.mp4}"))
    assert code == 0 and len(findings) == 1
    assert "yuv444p" in findings[0]["message"] and findings[0]["severity"] == "warning"
    from companion.stage.media.decode import FilmDecoder  # and it still plays, converted

    decoder = FilmDecoder(film, (256, 128))
    try:
        frame = decoder.frame_at(0.0, wait=True)
        assert [p.shape for p in frame.planes] == [(128, 256), (64, 128), (64, 128)]
        assert (
            abs(int(frame.planes[0].mean()) - 93) < 8
        )  # grey 90 in video range: 16 + 90 * 219 / 255
    finally:
        decoder.close()


def test_a_damaged_photo_is_an_error_and_a_good_one_is_read_in_its_colours(tmp_path):
    """Pictures are decoded by Pillow (not Panda3D's JPEG reader, which ends the process on
    a damaged file): a JPEG cut short is a plain error, a whole one reads back as drawn."""
    from companion.stage.media.picture import read_picture

    good = write_picture(tmp_path / "media" / "whole.png", panorama_pixels(512, 256))
    bgr = read_picture(good)
    assert bgr.shape == (256, 512, 3) and tuple(bgr[128, 256]) == (20, 20, 230)  # red ahead, as BGR
    jpeg = write_picture(tmp_path / "media" / "beach.jpg", panorama_pixels(1024, 512))
    jpeg.write_bytes(jpeg.read_bytes()[: jpeg.stat().st_size // 2])
    code, findings, _ = check(tmp_path, scene("a", "{panorama: media/beach.jpg}"))
    assert code == 1 and len(findings) == 1
    assert (
        "not a picture this program can read" in findings[0]["message"]
        and "truncated" in findings[0]["message"]
    )


def test_a_film_damaged_part_way_is_a_warning_not_a_traceback(tmp_path):
    """It opens and its first picture decodes, but the flash scan meets garbage later on."""
    damaged_film(tmp_path / "media" / "sea.mp4")
    code, findings, _ = check(tmp_path, scene("a", "{film: media/sea.mp4}"))
    assert code == 0 and len(findings) == 1, findings
    assert findings[0]["severity"] == "warning"
    assert findings[0]["message"].startswith("sea.mp4: could not scan for flashes: "), findings[0][
        "message"
    ]


def test_a_flash_cache_of_another_shape_is_scanned_afresh(tmp_path):
    from companion.stage.media.inspect import flash_scan

    film = write_film(tmp_path / "media" / "storm.mp4", seconds=4.0, flash=(1.0, 2.5))
    cache = tmp_path / "cache" / "film-flashes.json"
    cache.parent.mkdir()
    for stored in (["not", "a dict"], 7, None):
        cache.write_text(json.dumps(stored))
        assert flash_scan(film, cache.parent) is not None
        assert isinstance(json.loads(cache.read_text()), dict)
    [key] = json.loads(cache.read_text())
    for entry in ("bad", [1], {"at": 2}, [True, 3]):  # a bad entry for this film
        cache.write_text(json.dumps({key: entry}))
        at, count = flash_scan(film, cache.parent)
        assert 1.0 <= at <= 2.5 and count > 3
