"""The therapist's panel started for a session: its TLS, its port (on resume the one the
stopped run had, or another if taken), its sign-in kept beside the record for a resume, and
the link (with its QR code) announced.

Out of the session app (issue 17): these functions work on the app's options and set its
panel; the app stays the one place that wires the parts together.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, Any

from companion.wiring import StartupError

if TYPE_CHECKING:
    from companion.app import SessionApp


def open_panel(app: SessionApp) -> None:
    from companion.control import keep
    from companion.control.gestures import GestureRows
    from companion.control.tls import TlsError

    assert app.record is not None
    folder = Path(app.record.folder)
    kept = keep.load(folder) if app.options.resume is not None else None
    port = app.options.panel_port or (kept.port if kept else 0)
    _serve_as_before(app, kept)
    try:
        tls = _panel_tls(app)
    except TlsError as exc:
        raise StartupError(f"cannot serve the panel over TLS: {exc}") from None
    options = app.options
    settings: dict[str, Any] = {
        "host": options.panel_host,
        "token": kept.token if kept else None,
        "picture": app.picture.latest if app.picture is not None else None,
        "url_host": options.panel_url_host,
        "tls": tls.context if tls else None,
        "fingerprint": tls.fingerprint if tls else None,
        # the time away as the record's gap measured it (uptime clock, guarded on jumps)
        "resumed_after": app.record.offline_seconds,
        "resume_command": f"companion resume {folder}",
    }
    _start_panel(app, port, settings, may_move=kept is not None and not options.panel_port)
    _keep_sign_in(app, folder)
    app._gestures = GestureRows()
    app._publish(force=True)
    _announce_panel(app, tls)


def _serve_as_before(app: SessionApp, kept: Any) -> None:
    """On resume, the panel is served as before the stop (the token goes on: TLS must
    too), unless the command line says otherwise; the host is 127.0.0.1 if none is set."""
    options = app.options
    if kept is not None:
        options = dataclasses.replace(
            options,
            panel_host=options.panel_host or kept.host,
            panel_url_host=options.panel_url_host or kept.url_host,
            panel_tls=options.panel_tls or kept.tls == "app-signed",
            panel_cert=options.panel_cert or (Path(kept.cert) if kept.cert else None),
            panel_key=options.panel_key or (Path(kept.key) if kept.key else None),
        )
    app.options = dataclasses.replace(options, panel_host=options.panel_host or "127.0.0.1")


def _start_panel(app: SessionApp, port: int, settings: dict[str, Any], may_move: bool) -> None:
    """Serve the panel on `port`; `may_move`: a resumed run's old port may be taken, and
    then another is used (the open page needs the new link)."""
    from companion.control import PanelError, PanelServer

    panel = app.panel = PanelServer(port=port, **settings)
    try:
        panel.start()
        return
    except PanelError as exc:
        if not may_move:
            raise StartupError(f"cannot start the panel: {exc}") from None
    app.out(f"panel: port {port} is taken; an open panel must open the new link")
    panel = app.panel = PanelServer(port=0, **settings)
    try:
        panel.start()
    except PanelError as again:
        raise StartupError(f"cannot start the panel: {again}") from None


def _keep_sign_in(app: SessionApp, folder: Path) -> None:
    """The panel's port, token and TLS beside the record, for a resume (control/keep.py)."""
    from companion.control import keep

    options, panel = app.options, app.panel
    assert panel is not None
    try:
        keep.save(
            folder,
            panel.port,
            panel.token,
            host=options.panel_host,
            url_host=options.panel_url_host,
            tls="files" if options.panel_cert else "app-signed" if options.panel_tls else None,
            cert=str(options.panel_cert.resolve()) if options.panel_cert else None,
            key=str(options.panel_key.resolve()) if options.panel_key else None,
        )
    except OSError as exc:
        app.out(
            f"panel: cannot keep its sign-in for a resume ({exc.strerror or exc}); "
            "after a resume, open the new link"
        )


def _announce_panel(app: SessionApp, tls: Any) -> None:
    """The link (and its QR code), what a tablet needs to trust it, and what to do next."""
    from companion.control.network import lan_address
    from companion.control.qr import terminal_qr

    options, panel = app.options, app.panel
    assert panel is not None
    app.out(f"panel: {panel.url}")
    if (
        options.panel_host in ("0.0.0.0", "::", "")
        and not options.panel_url_host
        and lan_address() is None
    ):
        app.out(
            "panel: warning: this machine has no address on a network (only "
            "127.0.0.1): a tablet cannot reach the panel; connect it to the clinic's "
            "network, or give --panel-url-host"
        )
    if tls is not None:
        if tls.made:  # a tablet that trusted the old one must be told to trust this one
            app.out(
                f"panel: a new TLS certificate was made ({tls.made}); "
                "compare its fingerprint on the tablet again"
            )
        app.out(f"panel: TLS certificate {tls.cert}")
        app.out(f"panel: its SHA-256 fingerprint {tls.fingerprint}")
    if options.qr:
        app.out(terminal_qr(panel.url))  # `out` writes to standard output
    if not options.autostart and options.resume is None:
        app.out("waiting for the therapist to press Start on the panel")


def _panel_tls(app: SessionApp) -> Any:
    from companion.control import tls

    options = app.options
    if options.panel_cert is not None or options.panel_key is not None:
        if options.panel_cert is None or options.panel_key is None:
            raise tls.TlsError("give both --panel-cert and --panel-key")
        return tls.load(options.panel_cert, options.panel_key)
    if options.panel_tls:  # it must name the host in the printed link
        from companion.control.guard import WILDCARD_HOSTS
        from companion.control.network import lan_address

        host = options.panel_host
        link = options.panel_url_host or (lan_address() if host in WILDCARD_HOSTS else host)
        return tls.self_signed(names=tuple(n for n in (options.panel_url_host, link) if n))
    return None
