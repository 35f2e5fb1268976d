"""The breathing guide follows the engine's breath phase, frame by frame, through a real
engine on a virtual clock; its rendered size is measured from the picture."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest

from companion.script import load_text
from companion.session.clock import VirtualClock
from companion.session.engine import Engine
from companion.stage.guide import LARGEST, SMALLEST, guide_size

SCRIPT = """
companion: 1
title: Breathing
scenes:
  - id: sky
    environment: night-sky
    look: {time: night, motion: 0}
    transition: 1s
    steps:
      - pause: 2s
      - breathe: {in: 4, hold: 2, out: 4, rest: 2, cycles: 2, sound: none}
      - pause: 3s
"""


def test_guide_size_follows_the_phases():
    assert guide_size({"phase": "in", "progress": 0.0}) == pytest.approx(SMALLEST)
    assert guide_size({"phase": "in", "progress": 1.0}) == pytest.approx(LARGEST)
    assert guide_size({"phase": "hold", "progress": 0.3}) == LARGEST
    assert guide_size({"phase": "out", "progress": 0.5}) == pytest.approx((SMALLEST + LARGEST) / 2)
    assert guide_size({"phase": "rest", "progress": 0.5}) == SMALLEST
    sizes = [guide_size({"phase": "in", "progress": p}) for p in np.linspace(0, 1, 11)]
    assert all(b > a for a, b in pairwise(sizes))


def rendered_radius(frame: np.ndarray, background: np.ndarray) -> float:
    """The glow's radius at half its brightness, across the row through its brightest point
    (measured against the same view without the guide)."""
    glow = (frame.astype(float) - background.astype(float)).sum(axis=2)
    row, column = np.unravel_index(np.argmax(glow), glow.shape)
    across = glow[row] > glow[row, column] / 2
    columns = np.nonzero(across)[0]
    return (columns.max() - columns.min() + 1) / 2


def test_the_rendered_guide_follows_a_real_engine_frame_by_frame(fresh_stage):
    stage = fresh_stage(size=(240, 135))
    loaded = load_text(SCRIPT, "breathing.yaml", base_dir=Path("."))
    assert loaded.ok, loaded.findings
    clock = VirtualClock()
    engine = Engine(loaded.script, clock)
    engine.command("start")
    fps = 10
    background = None
    samples: list[tuple[str, float, float, float]] = []
    for _ in range(int(17 * fps)):
        clock.advance(1 / fps)
        for action in engine.tick():
            stage.apply(action)
        breath = engine.breath()
        stage.update(breath=breath, now=clock.now())
        # the size shown this frame is the size for the engine's phase this frame
        assert stage.guide.size == pytest.approx(guide_size(breath) if breath else stage.guide.size)
        stage.render()
        frame = stage.capture()
        if background is None and clock.now() > 1.5 and breath is None:
            background = frame
        if breath and stage.guide.alpha.value > 0.99 and background is not None:
            samples.append(
                (
                    breath["phase"],
                    breath["progress"],
                    stage.guide.size,
                    rendered_radius(frame, background),
                )
            )
    assert background is not None and len(samples) > 60
    by_phase = {
        p: [(prog, size, r) for ph, prog, size, r in samples if ph == p]
        for p in ("in", "hold", "out", "rest")
    }
    assert all(by_phase.values()), "every phase was seen with the guide fully shown"
    for phase, grows in (("in", True), ("out", False)):
        first, last = by_phase[phase][0], by_phase[phase][-1]
        assert (last[2] > first[2] + 5) if grows else (last[2] < first[2] - 5), (
            f"the rendered guide does not {'grow' if grows else 'shrink'} on '{phase}'"
        )
    holds = [r for _, _, r in by_phase["hold"]]
    rests = [r for _, _, r in by_phase["rest"]]
    assert max(holds) - min(holds) <= 2 and max(rests) - min(rests) <= 2, (
        "it rests still on hold and rest"
    )
    assert min(holds) > max(rests) + 8
    # the rendered radius is in proportion to the size the engine's phase asks for
    sizes = np.array([s for _, _, s, _ in samples])
    radii = np.array([r for _, _, _, r in samples])
    assert np.corrcoef(sizes, radii)[0, 1] > 0.97


def test_the_guide_fades_away_when_breathing_ends(fresh_stage):
    from companion.session import actions as act

    stage = fresh_stage()
    stage.apply(act.SceneChange("s", "haven", {}, 1.0, "journey"))
    stage.apply(act.Breathe(4, 0, 4, 0, 1, "none"))
    now = 0.0
    for _ in range(30):
        now += 0.1
        stage.update(breath={"phase": "in", "progress": 0.5}, now=now)
    assert stage.guide.alpha.value == pytest.approx(1.0)
    stage.apply(act.StepEnded("breathe", False))
    alphas = []
    for _ in range(30):
        now += 0.1
        stage.update(breath=None, now=now)
        alphas.append(stage.guide.alpha.value)
    assert alphas[-1] == 0.0
    assert all(b <= a for a, b in pairwise(alphas))
    assert max(np.diff([1.0] + alphas) * -1) < 0.15, "it fades, it does not vanish"
