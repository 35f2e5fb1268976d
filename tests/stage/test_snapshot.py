"""`companion snapshot`: a PNG per scene and per look change, with no screen."""

from __future__ import annotations

import numpy as np
from panda3d.core import Filename, PNMImage

from companion.cli import main

SCRIPT = """
companion: 1
title: Two places
scenes:
  - id: shore
    environment: shoreline
    look: {time: dawn}
    steps:
      - say: Hello.
      - look: {time: night, fade: 20s}
  - id: room
    environment: haven
    look: {warmth: 0.9}
"""


def read(path) -> np.ndarray:
    image = PNMImage(Filename.fromOsSpecific(str(path)))
    return np.array(
        [
            [image.getXel(x, y) for x in range(0, image.getXSize(), 8)]
            for y in range(0, image.getYSize(), 8)
        ]
    )


def test_snapshot_writes_a_picture_per_scene_and_look(write_script, tmp_path, capsys):
    script = write_script(SCRIPT)
    out = tmp_path / "pictures"
    assert main(["snapshot", str(script), "--out", str(out), "--size", "192x108"]) == 0
    names = sorted(p.name for p in out.iterdir())
    assert names == ["01-shore-look1.png", "01-shore.png", "02-room.png"]
    printed = capsys.readouterr().out.split()
    assert [p.rsplit("/", 1)[-1] for p in printed] == [
        "01-shore.png",
        "01-shore-look1.png",
        "02-room.png",
    ]
    dawn, night, room = (
        read(out / n) for n in ("01-shore.png", "01-shore-look1.png", "02-room.png")
    )
    image = PNMImage(Filename.fromOsSpecific(str(out / "02-room.png")))
    assert (image.getXSize(), image.getYSize()) == (192, 108)
    assert night.mean() < dawn.mean() * 0.6, "the look step's night is shown with its fade done"
    assert np.abs(room - dawn).mean() > 0.05


def test_snapshot_reports_bad_input_without_a_traceback(write_script, tmp_path, capsys):
    missing = tmp_path / "nowhere.yaml"
    assert main(["snapshot", str(missing), "--out", str(tmp_path / "o")]) == 1
    assert "cannot read" in capsys.readouterr().err
    script = write_script(SCRIPT)
    try:
        main(["snapshot", str(script), "--out", str(tmp_path / "o"), "--size", "big"])
    except SystemExit as exit:
        assert exit.code == 2
    assert "is not a size like 1280x720" in capsys.readouterr().err
