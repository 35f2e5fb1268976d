"""The size scenes are drawn at: smaller on a software renderer (scaled up by the
compositor), the view itself always full size."""

from __future__ import annotations

from companion.session import actions as act
from companion.stage.stage import SOFTWARE_RENDERERS, SOFTWARE_SCALE


def test_a_software_renderer_draws_scenes_smaller_and_the_view_full_size(fresh_stage):
    stage = fresh_stage(size=(320, 180))
    renderer = stage.window.getGsg().getDriverRenderer().lower()
    software = any(name in renderer for name in SOFTWARE_RENDERERS)
    assert stage.render_scale == (SOFTWARE_SCALE if software else 1.0), renderer
    stage.apply(act.SceneChange("a", "meadow", {}, 1.0, "journey"))
    stage.settle()
    stage.render()
    layer = stage.layers["meadow"]
    assert (layer.buffer.getXSize(), layer.buffer.getYSize()) == stage.scene_size
    assert stage.scene_size == (round(320 * stage.render_scale), round(180 * stage.render_scale))
    assert stage.capture().shape == (180, 320, 3)  # what is shown is the view's full size


def test_render_scale_one_draws_scenes_at_full_size(fresh_stage):
    stage = fresh_stage(size=(320, 180), render_scale=1.0)
    stage.apply(act.SceneChange("a", "meadow", {}, 1.0, "journey"))
    stage.settle()
    assert (stage.layers["meadow"].buffer.getXSize(), stage.layers["meadow"].buffer.getYSize()) == (
        320,
        180,
    )
