"""Every environment at every time of day, rendered headlessly through real OpenGL."""

from __future__ import annotations

import numpy as np
import pytest

from companion.script import catalog
from companion.stage.environments import sceneries
from companion.stage.look import BASE_DEFAULTS, full_look, resolve

from .helpers import luma


def test_the_stage_has_exactly_the_catalogs_environments():
    assert set(sceneries()) == set(catalog.ENVIRONMENTS)


@pytest.mark.parametrize("name", sorted(catalog.ENVIRONMENTS))
def test_each_environment_takes_its_own_settings_with_valid_defaults(name):
    kind = sceneries()[name]
    own = {s.name for s in catalog.ENVIRONMENTS[name].settings}
    assert own <= set(kind.defaults), f"{name} has no default for {own - set(kind.defaults)}"
    for setting in catalog.ENVIRONMENTS[name].settings:
        assert setting.problem(kind.defaults[setting.name]) is None
    for key in set(kind.defaults) - own:
        assert key in BASE_DEFAULTS, f"{name} sets an unknown default '{key}'"


@pytest.fixture(scope="module")
def pictures(player):
    """Every environment at every time of day, settled."""
    shots = {}
    for name in sorted(catalog.ENVIRONMENTS):
        for time in catalog.TIMES_OF_DAY:
            player.scene(name, {"time": time})
            shots[name, time] = player.settle()
    return shots


@pytest.mark.parametrize("name", sorted(catalog.ENVIRONMENTS))
def test_no_picture_is_blank(pictures, name):
    for time in catalog.TIMES_OF_DAY:
        image = pictures[name, time].astype(float)
        assert image.std() > 4.0, f"{name} at {time} is nearly one flat colour"
        assert image.max() - image.min() > 30, f"{name} at {time} has almost no range"
        assert 0.02 < luma(pictures[name, time]) < 0.95, f"{name} at {time} is black or white"


@pytest.mark.parametrize("time", catalog.TIMES_OF_DAY)
def test_environments_look_different_from_each_other(pictures, time):
    names = sorted(catalog.ENVIRONMENTS)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            difference = np.abs(
                pictures[a, time].astype(float) - pictures[b, time].astype(float)
            ).mean()
            assert difference > 5.0, f"{a} and {b} at {time} look alike ({difference:.1f})"


@pytest.mark.parametrize("name", sorted(catalog.ENVIRONMENTS))
def test_night_is_darker_than_day(pictures, name):
    night, day = luma(pictures[name, "night"]), luma(pictures[name, "day"])
    assert night < 0.75 * day, f"{name}: night {night:.3f} is not darker than day {day:.3f}"
    assert luma(pictures[name, "dusk"]) < day


def test_brightness_setting_brightens(player):
    player.scene("meadow", {"brightness": 0.1})
    dim = luma(player.settle())
    player.scene("meadow", {"brightness": 1.0})
    bright = luma(player.settle())
    assert bright > dim * 1.4


CASES = [(env.name, s) for env in catalog.ENVIRONMENTS.values() for s in env.settings]


@pytest.mark.parametrize("name,setting", CASES, ids=[f"{n}-{s.name}" for n, s in CASES])
def test_each_own_setting_changes_the_picture(player, name, setting):
    low, high = (
        (setting.choices[0], setting.choices[-1])
        if setting.choices
        else (setting.low, setting.high)
    )
    time = "night" if name in ("night-sky", "aurora") else "day"
    player.scene(name, {"time": time, setting.name: low, "motion": 0.0})
    a = player.settle().astype(float)
    player.scene(name, {"time": time, setting.name: high, "motion": 0.0})
    b = player.settle().astype(float)
    assert np.abs(a - b).mean() > 0.6, (
        f"{name}.{setting.name} {low} -> {high} changed nothing visible"
    )


def test_look_values_blend_between_times_of_day():
    kind = sceneries()["meadow"]
    scenery = kind.__new__(kind)  # resolve() needs no geometry
    day = resolve(scenery, full_look(scenery, {"time": "day"}))
    night = resolve(scenery, full_look(scenery, {"time": "night"}))
    assert day["u_zenith"] != night["u_zenith"]
    assert set(day) == set(night)


def test_every_shader_compiled(player, pictures):
    for name, layer in player.stage.layers.items():
        assert layer.drawn_frames > 0
        assert layer.shader_errors() == [], f"{name}: shaders failed"
    assert all(ok for _, ok, message in player.reports if "shaders" in message)


def test_a_shader_that_fails_to_compile_is_found(player):
    from panda3d.core import Shader

    stage = player.stage
    player.scene("haven")
    player.settle()
    layer = stage.layers["haven"]
    room = layer.root.find("**/room")
    working = room.getShader()
    broken = Shader.make(
        Shader.SL_GLSL,
        "#version 150\nin vec4 p3d_Vertex;\n"
        "uniform mat4 p3d_ModelViewProjectionMatrix;\n"
        "void main() { gl_Position = p3d_ModelViewProjectionMatrix * p3d_Vertex; }",
        "#version 150\nout vec4 o;\nvoid main() { o = not_declared; }",
    )
    room.setShader(broken)
    layer.checked, layer.drawn_frames = False, 0  # as a layer just built
    try:
        player.run(0.4, fps=10)
        assert layer.shader_errors() == ["room"]
        assert any(
            not ok and "shaders failed for room" in message for _, ok, message in player.reports
        )
    finally:
        room.setShader(working)
