"""A tablet's link (issue 16): with --panel-host 0.0.0.0 the printed link has this machine's
network address even when its host name resolves to 127.0.0.1 (as here); a machine with no
network at all gets a warning; --panel-url-host puts the clinic's name in the link."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from companion.control import PanelServer
from companion.control.network import lan_address

SCRIPT = """\
companion: 1
title: Link test
scenes:
  - id: one
    environment: shoreline
    steps:
      - pause: 1m
"""


def _panel_lines(
    tmp_path: Path,
    *args: str,
    prefix: tuple[str, ...] = (),
    env: dict[str, str] | None = None,
    all_lines: bool = False,
) -> list[str]:
    """Start `companion run` with the panel options, read its output up to its first frame
    (its own SIGTERM handler is in place by then: SDL's, before it, would swallow the signal),
    stop it (SIGTERM), and return the panel's lines."""
    script = tmp_path / "session.yaml"
    script.write_text(SCRIPT)
    environ = {
        **os.environ,
        "SDL_AUDIODRIVER": "disk",
        "SDL_DISKAUDIOFILE": str(tmp_path / "a.raw"),
        **(env or {}),
    }
    environ.pop("DISPLAY", None)
    process = subprocess.Popen(
        [
            *prefix,
            sys.executable,
            "-m",
            "companion",
            "run",
            str(script),
            "--display",
            "none",
            "--panel-port",
            "0",
            "--no-qr",
            "--record-dir",
            str(tmp_path / "records"),
            *args,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=environ,
    )
    lines = []
    deadline = time.monotonic() + 90
    try:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line.rstrip("\n"))
            if line.startswith("first frame drawn") or time.monotonic() > deadline:
                break
    finally:
        process.terminate()
        process.wait(timeout=30)
    return lines if all_lines else [line for line in lines if line.startswith("panel:")]


def test_bound_to_every_interface_the_link_is_not_loopback():
    address = lan_address()
    server = PanelServer(host="0.0.0.0", port=0)
    server.start()
    try:
        if address is None:
            assert "127.0.0.1" in server.url
        else:
            assert server.url.startswith(f"http://{address}:{server.port}/?token=")
    finally:
        server.stop()


def test_the_printed_link_for_a_tablet(tmp_path):
    address = lan_address()
    if address is None:
        pytest.skip("this machine has no network address")
    lines = _panel_lines(tmp_path, "--panel-host", "0.0.0.0")
    assert any(
        re.match(rf"panel: http://{re.escape(address)}:\d+/\?token=", line) for line in lines
    ), lines
    assert not any("warning" in line for line in lines)
    named = _panel_lines(
        tmp_path, "--panel-host", "0.0.0.0", "--panel-url-host", "panel.clinic.example"
    )
    assert any(line.startswith("panel: http://panel.clinic.example:") for line in named), named


def test_with_only_the_loopback_address_a_warning(tmp_path):
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("needs root and unshare for a network namespace with no network")
    lines = _panel_lines(tmp_path, "--panel-host", "0.0.0.0", prefix=("unshare", "-n"))
    assert any("warning: this machine has no address on a network" in line for line in lines), lines


def test_tls_from_the_command_line(tmp_path):
    from companion.control import tls

    config = tmp_path / "config"
    lines = _panel_lines(tmp_path, "--panel-tls", env={"XDG_CONFIG_HOME": str(config)})
    made = tls.load(config / "companion" / tls.CERT_NAME, config / "companion" / tls.KEY_NAME)
    assert any(re.match(r"panel: https://127\.0\.0\.1:\d+/\?token=", line) for line in lines), lines
    assert f"panel: its SHA-256 fingerprint {made.fingerprint}" in lines
    own = tls.self_signed(tmp_path / "clinic")  # the clinic's own certificate, as files
    lines = _panel_lines(
        tmp_path,
        "--panel-cert",
        str(own.cert),
        "--panel-key",
        str(tmp_path / "clinic" / tls.KEY_NAME),
    )
    assert f"panel: its SHA-256 fingerprint {own.fingerprint}" in lines
    half = _panel_lines(tmp_path, "--panel-cert", str(own.cert), all_lines=True)
    assert (
        "companion: cannot serve the panel over TLS: give both --panel-cert and --panel-key" in half
    ), half


def test_the_self_signed_certificate_names_the_printed_link(tmp_path):
    """A tablet refuses a certificate without the link's host in it: bound to every interface,
    the link's LAN address goes in; a later --panel-url-host makes a new one (new fingerprint,
    printed with why)."""
    from cryptography import x509

    from companion.control import tls

    config = tmp_path / "config"
    env = {"XDG_CONFIG_HOME": str(config)}
    cert = config / "companion" / tls.CERT_NAME

    def names() -> set[str]:
        sans = (
            x509.load_pem_x509_certificate(cert.read_bytes())
            .extensions.get_extension_for_class(x509.SubjectAlternativeName)
            .value
        )
        return set(sans.get_values_for_type(x509.DNSName)) | {
            str(a) for a in sans.get_values_for_type(x509.IPAddress)
        }

    def fingerprint(lines: list[str]) -> str:
        (line,) = [x for x in lines if x.startswith("panel: its SHA-256 fingerprint ")]
        return line.rsplit(" ", 1)[1]

    lines = _panel_lines(tmp_path, "--panel-tls", "--panel-host", "0.0.0.0", env=env)
    link = re.search(r"panel: https://([^:/]+):\d+/\?token=", "\n".join(lines))
    assert link, lines
    assert link.group(1) in names(), (link.group(1), names())
    address = lan_address()
    if address is not None:
        assert link.group(1) == address
    named = _panel_lines(
        tmp_path,
        "--panel-tls",
        "--panel-host",
        "0.0.0.0",
        "--panel-url-host",
        "panel.clinic.example",
        env=env,
    )
    assert any(line.startswith("panel: https://panel.clinic.example:") for line in named), named
    assert "panel.clinic.example" in names() and link.group(1) in names()
    assert (
        "panel: a new TLS certificate was made (the kept one did not name "
        "panel.clinic.example); compare its fingerprint on the tablet again" in named
    ), named
    assert fingerprint(named) != fingerprint(lines)
    assert fingerprint(named) == tls.load(cert, config / "companion" / tls.KEY_NAME).fingerprint
