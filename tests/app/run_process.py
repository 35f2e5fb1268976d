"""A real `companion run` process for the app's tests: real narration, the real mixer on SDL's
disk driver (its output is captured to a file), the real panel, the real record."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

PANEL_LINE = re.compile(r"^panel: (http://[^/]+)/\?token=(\S+)$")

SHORT_SCRIPT = """\
companion: 1
title: Short run
safe_scene: calm
scenes:
  - id: arrive
    environment: shoreline
    music: drift
    ambience: waves
    transition: 1s
    steps:
      - say: Hello. This is a short session.
      - pause: 2s
      - wait: therapist
      - say: Thank you.
  - id: middle
    environment: forest
    transition: 1s
    duration: 3s
  - id: calm
    environment: haven
    then: end
    transition: 1s
    steps:
      - say: You are safe.
"""


@dataclass
class RunningSession:
    process: subprocess.Popen
    audio: Path
    record_dir: Path
    lines: list[str] = field(default_factory=list)
    base_url: str | None = None
    token: str | None = None
    _reader: threading.Thread | None = None

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            line = line.rstrip("\n")
            self.lines.append(line)
            found = PANEL_LINE.match(line)
            if found:
                self.base_url, self.token = found.group(1), found.group(2)

    def wait_for_panel(self, timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        while self.base_url is None:
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(
                    "no panel line; output:\n" + "\n".join(self.lines) + "\n" + self.stderr_text()
                )
            time.sleep(0.05)

    def request(self, path: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            self.base_url + path,
            data=data,
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=15) as response:
                raw = response.read()
                kind = response.headers.get("Content-Type", "")
                return response.status, json.loads(raw) if "json" in kind else raw
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()

    def state(self) -> dict[str, Any]:
        status, body = self.request("/api/state")
        assert status == 200, body
        return body

    def command(self, name: str, **args: Any) -> dict[str, Any]:
        status, body = self.request("/api/command", {"command": name, **args})
        assert status == 200, body
        return body

    def wait_for(self, predicate, timeout: float = 60.0, what: str = "") -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            state = self.state()
            if predicate(state):
                return state
            time.sleep(0.1)
        raise AssertionError(
            f"timed out waiting for {what}; last state: {state['state']} "
            f"{state.get('scene')} {state.get('step')}"
        )

    def finish(self, timeout: float = 120.0) -> int:
        code = self.process.wait(timeout=timeout)
        if self._reader:
            self._reader.join(timeout=5)
        return code

    def stderr_text(self) -> str:
        return (
            self.process.stderr.read()
            if self.process.stderr and self.process.poll() is not None
            else ""
        )

    def kill(self, sig: int = signal.SIGKILL) -> None:
        self.process.send_signal(sig)
        self.process.wait(timeout=30)

    def captured(self) -> np.ndarray:
        """What the patient would have heard: stereo float samples at 44.1 kHz."""
        raw = np.fromfile(self.audio, dtype=np.int16)
        return raw[: len(raw) // 2 * 2].reshape(-1, 2).astype(np.float32) / 32768.0

    def record(self) -> Path:
        (folder,) = [p for p in self.record_dir.iterdir() if p.is_dir()]
        return folder


def start(
    args: list[str],
    tmp: Path,
    *,
    command: str = "run",
    port: int = 0,
    env: dict[str, str] | None = None,
    record_dir: Path | None = None,
    qr: bool = False,
) -> RunningSession:
    audio = tmp / "heard.raw"
    record_dir = record_dir or tmp / "records"
    environ = {
        **os.environ,
        "SDL_AUDIODRIVER": "disk",
        "SDL_DISKAUDIOFILE": str(audio),
        "PYTHONUNBUFFERED": "1",
        **(env or {}),
    }
    environ.pop("DISPLAY", None)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "companion",
            command,
            *args,
            "--panel-port",
            str(port),
            *([] if qr else ["--no-qr"]),
            "--record-dir",
            str(record_dir),
            # these tests run unattended: the program exits after the end (the clinic's
            # default, "stay", keeps the panel until Close the session: tests/app/test_after_end.py)
            *([] if "--after-end" in args else ["--after-end", "close"]),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environ,
        cwd=tmp,
    )
    session = RunningSession(process, audio, record_dir)
    session._reader = threading.Thread(target=session._read, daemon=True)
    session._reader.start()
    return session


def loudness_by_second(samples: np.ndarray) -> list[float]:
    rate = 44100
    out = []
    for i in range(len(samples) // rate):
        part = samples[i * rate : (i + 1) * rate]
        out.append(float(10 * np.log10(np.mean(part**2) + 1e-12)))
    return out
