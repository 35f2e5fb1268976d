"""The app may bring its own ShowBase, window, scene root and task manager: the stage uses
them and leaves them open when it closes."""

from __future__ import annotations

import numpy as np
from direct.showbase.ShowBase import ShowBase
from panda3d.core import NodePath, loadPrcFileData, unloadPrcFile

from companion.session import actions as act
from companion.stage.stage import Stage


def test_an_injected_showbase_is_used_and_left_open():
    page = loadPrcFileData(
        "test-injection",
        "load-display p3headlessgl\nwindow-type offscreen\n"
        "win-size 160 90\naudio-library-name null\ntextures-power-2 none\n"
        "notify-level-device fatal\nnotify-level-display error",
    )
    base = ShowBase(windowType="offscreen")
    try:
        root = NodePath("app-render")
        stage = Stage(
            "window", (160, 90), base=base, window=base.win, render=root, taskmgr=base.taskMgr
        )
        assert stage.taskmgr is base.taskMgr and stage.window is base.win
        stage.apply(act.SceneChange("s", "meadow", {"time": "day"}, 1.0, "journey"))
        stage.settle()
        base.taskMgr.step()  # the app's own loop draws the frame
        base.taskMgr.step()
        picture = stage.capture()
        assert picture.astype(float).std() > 4 and np.mean(picture) > 30
        assert not root.find("**/scene-meadow").isEmpty(), "its scenes hang under the app's root"
        stage.close()
        assert base.win is not None and base.win.isValid()
        base.graphicsEngine.renderFrame()  # still usable after the stage has gone
    finally:
        base.destroy()
        unloadPrcFile(page)
