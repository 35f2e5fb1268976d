"""Captions keep a contrast of at least 4.5:1 on their soft backdrop, fade in and out, and
the therapist can switch them off."""

from __future__ import annotations

import numpy as np

from companion.session import actions as act
from companion.stage import captions
from companion.stage.comfort import relative_luminance

LINE = "Let your shoulders soften, and your breath find its own pace."


def test_worst_case_contrast_is_at_least_4_5_over_white_and_black():
    assert captions.worst_contrast() >= 4.5
    assert captions.contrast(captions.TEXT_COLOR, captions.backdrop_over((1.0, 1.0, 1.0))) >= 4.5


def wcag(a: float, b: float) -> float:
    return (max(a, b) + 0.05) / (min(a, b) + 0.05)


def caption_band(stage, player, text: str | None):
    """The bottom of the view with and without a caption, settled."""
    if text:
        stage.apply(act.Say(text, 6.0, True))
    player.run(1.5, fps=10)
    stage.render()
    return stage.capture()


def test_rendered_caption_over_the_brightest_scene_keeps_its_contrast(fresh_stage):
    from .helpers import Player

    stage = fresh_stage(size=(640, 360))
    player = Player(stage)
    player.scene("aurora", {"time": "day", "brightness": 1.0})
    player.settle()
    without = caption_band(stage, player, None)
    shown = caption_band(stage, player, LINE)
    changed = np.abs(shown.astype(float) - without.astype(float)).sum(axis=2) > 12
    rows, columns = np.nonzero(changed)
    assert len(rows), "no caption appeared"
    assert rows.min() > 360 * 0.6, "captions sit low in the view"
    lum = relative_luminance(shown.astype(float) / 255.0)
    box = lum[rows.min() : rows.max() + 1, columns.min() : columns.max() + 1]
    inner = box[
        box.shape[0] // 4 : -box.shape[0] // 4 or None, box.shape[1] // 6 : -box.shape[1] // 6
    ]
    text = np.percentile(inner, 99)
    backdrop = np.percentile(inner, 40)
    assert wcag(text, backdrop) >= 4.5, f"text {text:.3f} on backdrop {backdrop:.3f}"
    # large enough relative to the view: glyphs are several percent of its height
    bright = np.nonzero((lum > (text + backdrop) / 2)[rows.min() : rows.max() + 1].any(axis=1))[0]
    text_height = bright.max() - bright.min() + 1
    assert text_height >= 360 * 0.035


def test_captions_fade_in_and_away_and_can_be_switched_off(player):
    stage = player.stage
    player.scene("meadow", {"time": "day", "motion": 0.0})
    player.settle()
    stage.apply(act.Say(LINE, 5.0, True))
    alphas = []
    for _ in range(12):
        player.frame(0.1, render=False)
        alphas.append(stage.captions.cards[-1].alpha.value)
    assert 0 < alphas[0] < 0.5 and alphas[-1] == 1.0, "a caption fades in"
    stage.apply(act.StepEnded("say", False))
    player.run(2.0, fps=10, render=False)
    assert stage.captions.visible_text is None and not stage.captions.cards

    stage.apply(act.SetCaptions(False))
    stage.apply(act.Say(LINE, 5.0, True))
    player.run(1.0, fps=10, render=False)
    assert not stage.captions.cards, "captions switched off show nothing"
    stage.apply(act.SetCaptions(True))
    player.run(1.0, fps=10, render=False)
    assert stage.captions.visible_text == LINE, "switched back on mid-line, the line shows"
    stage.apply(act.StepEnded("say", True))
    stage.apply(act.Say("not for captions", 3.0, False))
    player.run(2.0, fps=10, render=False)
    assert stage.captions.visible_text is None


def test_shown_text_appears_even_with_captions_off_and_leaves_after_its_time(player):
    stage = player.stage
    stage.apply(act.SetCaptions(False))
    stage.apply(act.ShowText("What would you like to carry with you today?", 3.0))
    player.run(1.0, fps=10, render=False)
    assert stage.shown.visible_text.startswith("What would")
    player.run(5.0, fps=10, render=False)  # its step end was missed: it still goes
    assert stage.shown.visible_text is None
    stage.apply(act.SetCaptions(True))


def test_a_line_without_sound_shows_even_with_captions_off(player):
    """No speech engine or a damaged recording: the caption is all the patient gets."""
    stage = player.stage
    stage.apply(act.SetCaptions(False))
    stage.apply(act.Say(LINE, 4.0, True, silent=True))
    player.run(1.0, fps=10, render=False)
    assert stage.captions.visible_text == LINE
