"""The therapist's panel server: a web page, an HTTP API and a WebSocket, served by aiohttp
on its own asyncio loop in its own thread.

The app loop (companion/app.py) is the only one that touches the engine. It talks to this
server in three ways, all safe from its thread:

    server = PanelServer(host="127.0.0.1", port=0, picture=stage.latest_picture)
    server.start()                       # returns once listening; server.url has the token
    ...each frame:
    for command in server.take_commands():
        command.deliver(engine.command(command.name, source=command.source, **command.args))
    actions = engine.tick()
    if engine.revision != last_revision or half a second passed:
        server.publish(engine.snapshot())  # pushed to every open panel
    ...
    server.stop()                        # safe twice
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import logging
import queue
import secrets
import ssl
import threading
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp import WSMsgType, web
from aiohttp.http_exceptions import HttpProcessingError

from companion.control.clients import PanelClient
from companion.control.frames import KEEP_SECONDS
from companion.control.guard import (
    WILDCARD_HOSTS,
    FailureThrottle,
    HostRule,
    origin_allowed,
    same_token,
    static_file,
)
from companion.control.inbox import REUSED_ID, CommandInbox, PanelCommand
from companion.control.network import lan_address
from companion.control.text import clean_arguments
from companion.session.commands import (
    COMMANDS,
    MAX_TEXT,
    CommandResult,
    Refused,
    parse_arguments,
)

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).with_name("static")
MAX_MESSAGE = 64 * 1024  # a note is at most 10,000 characters; nothing else comes close
MAX_CLIENTS = 64  # open panels; 20 at once is the tested load, the rest is room for dead lines
PUSH_EVERY = 0.5  # seconds: open panels hear from the server at least this often
COMMAND_TIMEOUT = 10.0  # how long a caller waits for the app loop to apply a command
HEARTBEAT = 5.0  # seconds of silence from a panel before it is pinged; no answer in half that: gone
JSON_TYPES = ("application/json",)

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",  # no clickjacking: nobody frames the End button
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
CONTENT_TYPES = {
    ".html": "text/html",
    ".css": "text/css",
    ".js": "text/javascript",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
}

StateSource = Callable[[], dict[str, Any]]
PictureSource = Callable[[], bytes | None]


class PanelError(Exception):
    """The panel server could not start (the message says why, e.g. the port is taken)."""


class BadCommand(ValueError):
    """A message that is not a command at all (the engine never sees it)."""


class PanelServer:
    """The panel's web server. See the module docstring and docs/panel.md."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        token: str | None = None,
        state: StateSource | None = None,
        picture: PictureSource | None = None,
        allowed_hosts: tuple[str, ...] = (),
        url_host: str | None = None,
        static_dir: Path | None = None,
        throttle: FailureThrottle | None = None,
        command_timeout: float = COMMAND_TIMEOUT,
        max_message: int = MAX_MESSAGE,
        max_clients: int = MAX_CLIENTS,
        heartbeat: float = HEARTBEAT,
        tls: ssl.SSLContext | None = None,
        fingerprint: str | None = None,
        resume_command: str | None = None,
        resumed_after: float | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.token = token or secrets.token_urlsafe(24)
        self.tls = tls
        self.fingerprint = fingerprint  # the certificate's SHA-256, shown on the page to compare
        self.resume_command = resume_command  # what to run if this program stops
        self.resumed_after = resumed_after  # seconds the session was stopped before this run
        self.run_id = secrets.token_hex(8)  # a page that sees another run id knows it resumed
        self._path_key: str | None = None
        self.inbox = CommandInbox()
        self._state_source = state
        self._picture_source = picture
        self._hosts = HostRule(host, tuple(allowed_hosts) + ((url_host,) if url_host else ()))
        self._url_host = url_host
        self._static = (static_dir or STATIC_DIR).resolve()
        self._throttle = throttle or FailureThrottle()
        self._command_timeout = command_timeout
        self._max_message = max_message
        self._max_clients = max_clients
        self._heartbeat = heartbeat
        self._clients: dict[int, PanelClient] = {}
        self._numbers = 0
        self._latest: dict[str, Any] | None = None
        self._latest_lock = threading.Lock()
        self._push_scheduled = False
        self._last_push = 0.0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._stopping: asyncio.Event | None = None
        self._ready = threading.Event()
        self._start_error: BaseException | None = None

    # --- the app's side (any thread) -----------------------------------------------------

    @property
    def commands(self) -> queue.SimpleQueue[PanelCommand]:
        """The thread-safe queue of PanelCommand that take_commands drains."""
        return self.inbox.queue

    def take_commands(self) -> list[PanelCommand]:
        """Every command waiting, oldest first, without blocking. Apply each with
        engine.command(c.name, source=c.source, **c.args) and give back c.deliver(result)."""
        return self.inbox.take()

    def publish(self, snapshot: dict[str, Any]) -> None:
        """The engine's new state: pushed to every open panel. Hand over a fresh dict (the
        server keeps it and does not copy it). Publishing faster than panels can take is fine:
        only the newest state is sent."""
        with self._latest_lock:
            self._latest = snapshot
            loop = self._loop
            if self._push_scheduled or loop is None or loop.is_closed():
                return
            self._push_scheduled = True
        try:
            loop.call_soon_threadsafe(self._push)
        except RuntimeError:  # stopped between the check and the call: nobody to push to
            log.debug("panel stopped; state not pushed")

    @property
    def scheme(self) -> str:
        return "https" if self.tls is not None else "http"

    @property
    def url(self) -> str:
        """http://HOST:PORT/?token=TOKEN: the one address to open the panel. Bound to every
        interface, HOST is this machine's network address (a tablet cannot open 0.0.0.0)."""
        host = self._url_host or (
            lan_address() or "127.0.0.1" if self.host in WILDCARD_HOSTS else self.host
        )
        if ":" in host and not host.startswith("["):
            host = f"[{host}]"
        return f"{self.scheme}://{host}:{self.port}/?token={self.token}"

    @property
    def path_key(self) -> str:
        """The page's own folder, /s/KEY/: its cookie goes only there, so a browser never
        sends it to another program on this machine (cookies ignore ports, not paths). KEY
        comes from the token by a one-way hash: it gives nothing away, and a resumed session
        with the same token has the same folder, so an open page goes on working."""
        if self._path_key is None:
            digest = hmac.new(self.token.encode(), b"companion panel path", hashlib.sha256).digest()
            self._path_key = base64.urlsafe_b64encode(digest[:12]).decode().rstrip("=")
        return self._path_key

    @property
    def page_path(self) -> str:
        return f"/s/{self.path_key}/"

    @property
    def cookie_name(self) -> str:
        # One per port: two sessions on one machine must not overwrite each other's cookie.
        # With TLS: __Host- (the browser then insists on Secure, Path=/ and no Domain).
        return f"{'__Host-' if self.tls is not None else ''}companion_panel_{self.port}"

    @property
    def client_count(self) -> int:
        return len(self._clients)

    def start(self) -> None:
        """Start listening; returns once the server accepts connections. PanelError when it
        cannot (the address is taken or not this machine's)."""
        if self._thread is not None:
            raise PanelError("the panel server is already started")
        self._thread = threading.Thread(target=self._run, name="companion-panel", daemon=True)
        self._thread.start()
        self._ready.wait()
        if self._start_error is None and self._loop is None:
            self._start_error = RuntimeError("the server stopped as it started")
        if self._start_error is not None:
            self._thread.join()
            self._thread = None
            error = self._start_error
            raise PanelError(
                f"cannot serve the panel on {self.host}:{self.port}: "
                f"{getattr(error, 'strerror', None) or error}"
            ) from error

    def stop(self) -> None:
        """Close every panel and stop listening. Safe to call twice, or before start."""
        thread, loop, stopping = self._thread, self._loop, self._stopping
        if thread is None:
            return
        if loop is not None and stopping is not None and not loop.is_closed():
            try:
                loop.call_soon_threadsafe(stopping.set)
            except RuntimeError:
                log.debug("the panel's loop had already closed")
        thread.join(timeout=10)
        self._thread = None

    # --- the server's own thread ------------------------------------------------------

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(self._serve())
        except Exception as exc:  # reported by start(), or logged once the server ran
            if self._ready.is_set():
                log.exception("the panel server stopped on an error")
            else:
                self._start_error = exc
        finally:
            with self._latest_lock:
                self._loop = None
            loop.close()
            self._ready.set()

    async def _serve(self) -> None:
        loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        self.inbox.bind(loop)
        app = web.Application(middlewares=[self._guard], client_max_size=self._max_message)
        app.on_response_prepare.append(_add_security_headers)
        # Every route twice: at the root (scripts with the token in a header) and in the
        # page's own folder /s/KEY/ (the page, whose cookie is sent only there).
        for prefix in ("/", "/s/{key}/"):
            app.router.add_get(prefix, self._page)
            app.router.add_get(prefix + "static/{path:.+}", self._static_file)
            app.router.add_get(prefix + "ws", self._websocket)
            app.router.add_get(prefix + "api/state", self._api_state)
            app.router.add_post(prefix + "api/command", self._api_command)
            app.router.add_get(prefix + "api/commands", self._api_commands)
            app.router.add_get(prefix + "api/picture", self._api_picture)
            app.router.add_get(prefix + "api/health", self._api_health)
        # No access log: it would show tokens in URLs. Malformed HTTP is logged in one line.
        # On stop, a request still being answered gets a second, then is cancelled: wrong
        # tokens answered slowly (up to 8 s each, in turn) must not hold up the app's closing.
        runner = web.AppRunner(app, access_log=None, logger=_HTTP_LOG, shutdown_timeout=1.0)
        await runner.setup()
        try:
            site = web.TCPSite(runner, self.host, self.port, ssl_context=self.tls)
            await site.start()
        except OSError as exc:
            self._start_error = exc
            await runner.cleanup()
            self._ready.set()
            return
        self.port = runner.addresses[0][1]
        with self._latest_lock:
            self._loop = loop
        beat = loop.create_task(self._keep_pushing())
        self._ready.set()
        log.info("panel listening on %s:%s", self.host, self.port)
        await self._stopping.wait()
        beat.cancel()
        for client in list(self._clients.values()):
            await client.close()
        await runner.cleanup()
        # Commands still waiting for the app loop (it stops first): nobody will answer them.
        rest = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
        for task in rest:
            task.cancel()
        await asyncio.gather(*rest, return_exceptions=True)

    # --- state to the panels ----------------------------------------------------------

    def _current(self) -> dict[str, Any] | None:
        if self._state_source is not None:
            try:
                snapshot = self._state_source()
            except Exception:  # the app's callable failed: show the last state we had
                log.exception("the panel's state source failed")
            else:
                with self._latest_lock:
                    self._latest = snapshot
        with self._latest_lock:
            return self._latest

    def _push(self) -> None:
        with self._latest_lock:
            snapshot, self._push_scheduled = self._latest, False
        self._push_to_all(snapshot)

    def _push_to_all(self, snapshot: dict[str, Any] | None) -> None:
        self._last_push = time.monotonic()
        if snapshot is None or not self._clients:
            return
        message = _state_message(snapshot)
        for client in self._clients.values():
            client.show(message)

    async def _keep_pushing(self) -> None:
        """Open panels hear from the server at least every PUSH_EVERY seconds, so a silent
        connection means a lost one (the page reconnects), and clocks keep moving."""
        while True:
            await asyncio.sleep(PUSH_EVERY / 2)
            if time.monotonic() - self._last_push >= PUSH_EVERY:
                self._push_to_all(self._current())

    # --- the guard: every request passes here ------------------------------------------

    @web.middleware
    async def _guard(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        host = request.headers.get("Host")
        if not self._hosts.allows(host):
            return _refuse(request, 403, "this panel answers only to its own address")
        navigation = (
            request.method == "GET"
            and "Upgrade" not in request.headers
            and request.headers.get("Sec-Fetch-Mode") == "navigate"
        )
        if not origin_allowed(
            request.headers.get("Origin"),
            host,
            request.headers.get("Sec-Fetch-Site"),
            navigation,
            self.scheme,
        ):
            return _refuse(request, 403, "commands are taken only from the panel's own page")
        address = request.remote or "unknown"
        key = request.match_info.get("key")
        if key is not None and not same_token(key, self.path_key):
            # Another session's folder (an old link): the same answer as a wrong token.
            return _refuse(request, 401, NEED_TOKEN)
        given = _credentials(request, self.cookie_name)
        if not any(same_token(value, self.token) for value in given):
            if not given:
                return _refuse(request, 401, NEED_TOKEN)
            if self._throttle.crowded(address):
                return _refuse(request, 429, "too many wrong tokens; wait a minute")
            await self._throttle.failed(address)
            return _refuse(request, 401, NEED_TOKEN)
        if (
            request.path == "/"
            and request.method == "GET"
            and same_token(request.query.get("token"), self.token)
        ):
            # The printed link: on to the page's own folder, the token still in the URL
            # (after a link from another site a SameSite=Strict cookie set here would not go
            # with the redirected request; the token does).
            raise web.HTTPSeeOther(f"{self.page_path}?token={self.token}")
        try:
            response = await handler(request)
        except ConnectionError as exc:
            # The client vanished mid-request (a reset, a request cut off): its problem, one
            # line in the debug log, no traceback. Nobody is left to read an answer.
            log.debug("%s %s: the client went away (%s)", request.method, request.path, exc)
            return web.Response(status=400, text="the connection was lost")
        if request.path == self.page_path and same_token(request.query.get("token"), self.token):
            # The token in the URL once: from now on a cookie carries it (the page then takes
            # it out of the address bar). Without TLS the cookie's path is the page's folder,
            # so other programs on this machine (other ports) never receive it.
            tls = self.tls is not None
            response.set_cookie(
                self.cookie_name,
                self.token,
                httponly=True,
                samesite="Strict",
                secure=tls,
                path="/" if tls else self.page_path,
            )
        return response

    # --- handlers -------------------------------------------------------------------

    async def _page(self, request: web.Request) -> web.StreamResponse:
        return self._file_response(self._static / "index.html")

    async def _static_file(self, request: web.Request) -> web.StreamResponse:
        path = static_file(self._static, request.match_info["path"])
        if path is None:
            return _refuse(request, 404, "no such file")
        return self._file_response(path)

    def _file_response(self, path: Path) -> web.StreamResponse:
        try:
            body = path.read_bytes()
        except OSError as exc:
            log.error("panel file %s cannot be read: %s", path.name, exc)
            return web.json_response({"error": "the panel's files are missing"}, status=500)
        kind = CONTENT_TYPES.get(path.suffix, "application/octet-stream")
        return web.Response(
            body=body, content_type=kind, charset="utf-8" if kind.startswith("text/") else None
        )

    async def _api_state(self, request: web.Request) -> web.StreamResponse:
        snapshot = self._current()
        if snapshot is None:
            return _refuse(request, 503, "the session has no state yet")
        return web.Response(text=json.dumps(snapshot, default=str), content_type="application/json")

    async def _api_commands(self, request: web.Request) -> web.StreamResponse:
        listing = {
            name: {
                key: {"type": p.kind.__name__, "required": p.required} for key, p in params.items()
            }
            for name, params in COMMANDS.items()
        }
        return web.json_response(listing)

    async def _api_health(self, request: web.Request) -> web.StreamResponse:
        try:
            window = min(KEEP_SECONDS, max(0.1, float(request.query.get("window", "5"))))
        except ValueError:
            return _refuse(request, 400, "'window' is a number of seconds")
        return web.json_response(
            {
                "frames": self.inbox.frames.summary(window),
                "panels": len(self._clients),
                "max_panels": self._max_clients,
                "run": self.run_id,
                "waiting": self.inbox.waiting,
                "applied": self.inbox.applied,
                # this server's own thread: its CPU time since it started
                "cpu_seconds": round(time.thread_time(), 3),
            }
        )

    async def _api_picture(self, request: web.Request) -> web.StreamResponse:
        if self._picture_source is None:
            return _refuse(request, 404, "this session has no picture")
        try:
            picture = self._picture_source()
        except Exception:  # the stage's callable failed: no picture this time
            log.exception("the panel's picture source failed")
            picture = None
        if not picture:
            return web.Response(status=204)
        kind = "image/png" if picture[:8] == b"\x89PNG\r\n\x1a\n" else "image/jpeg"
        return web.Response(body=picture, content_type=kind)

    async def _api_command(self, request: web.Request) -> web.StreamResponse:
        if request.content_type not in JSON_TYPES:
            return _refuse(
                request, 415, "send the command as JSON (Content-Type: application/json)"
            )
        try:
            raw = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return _refuse(request, 413, f"a command is at most {self._max_message} bytes")
        try:
            name, args, command_id, gesture = parse_command(_decode(raw))
        except BadCommand as exc:
            return _refuse(request, 400, str(exc))
        args = clean_arguments(name, args)
        refusal = refuse_arguments(name, args)
        if refusal is not None:
            return web.json_response(_result_json(refusal, command_id, False), status=400)
        source = f"api {request.remote}"
        try:
            result, repeated = await self.inbox.submit(
                name,
                args,
                source,
                command_id,
                self._command_timeout,
                sender=source,
                gesture=gesture,
            )
        except TimeoutError:
            return web.json_response(
                {
                    "command": name,
                    "id": command_id,
                    "ok": False,
                    "reason": "the session did not answer in time",
                },
                status=504,
            )
        reused = not result.ok and (result.reason or "").startswith(REUSED_ID)
        return web.json_response(
            _result_json(result, command_id, repeated), status=409 if reused else 200
        )

    async def _websocket(self, request: web.Request) -> web.StreamResponse:
        if len(self._clients) >= self._max_clients:
            return _refuse(request, 503, "too many panels are open")
        # No compression: states are a few kB on a local network, and aiohttp compresses
        # larger frames in a worker thread, which only adds latency. The heartbeat pings a
        # panel that has said nothing for a while: one that does not answer is gone.
        ws = web.WebSocketResponse(
            max_msg_size=self._max_message, heartbeat=self._heartbeat, compress=False
        )
        await ws.prepare(request)
        self._numbers += 1
        client = PanelClient(self._numbers, request.remote or "unknown", ws, request.transport)
        self._clients[client.number] = client
        client.start()
        client.send(
            {
                "type": "hello",
                "client": client.number,
                "source": client.source,
                "picture": self._picture_source is not None,
                "max_message": self._max_message,
                "run": self.run_id,
                "resumed_after": self.resumed_after,
                "resume_command": self.resume_command,
                "fingerprint": self.fingerprint,
            }
        )
        snapshot = self._current()
        if snapshot is not None:
            client.show(_state_message(snapshot))
        try:
            async for message in ws:
                if message.type == WSMsgType.TEXT:
                    self._on_message(client, message.data)
                    # Back-pressure: with too many of this panel's commands on their way, read
                    # nothing more from it until some are answered (TCP then slows it down).
                    await client.room()
                elif message.type == WSMsgType.BINARY:
                    client.refused("send commands as JSON text")
                elif message.type == WSMsgType.ERROR:
                    log.info("panel %s: %s", client.source, ws.exception())
                    break
                if client.closing:
                    break
        finally:
            self._clients.pop(client.number, None)
            await client.close()
        return ws

    def _on_message(self, client: PanelClient, text: str) -> None:
        try:
            name, args, command_id, gesture = parse_command(_decode(text))
        except BadCommand as exc:
            client.refused(str(exc))
            return
        args = clean_arguments(name, args)
        refusal = refuse_arguments(name, args)
        if refusal is not None:
            client.send({"type": "result", **_result_json(refusal, command_id, False)})
            return
        client.command_sent()
        # Every page makes its ids from its own random prefix, and keeps them across
        # reconnects (the connection's number changes): the pages are one sender.
        self.inbox.post(
            name,
            args,
            client.source,
            command_id,
            self._command_timeout,
            lambda result, repeated: self._answer(client, name, command_id, result, repeated),
            sender="panel",
            gesture=gesture,
        )

    def _answer(
        self,
        client: PanelClient,
        name: str,
        command_id: str | None,
        result: CommandResult | None,
        repeated: bool,
    ) -> None:
        client.command_answered()
        if result is None:
            client.send(
                {
                    "type": "result",
                    "id": command_id,
                    "command": name,
                    "ok": False,
                    "reason": "the session did not answer in time",
                    "timeout": True,
                }
            )
            return
        client.send({"type": "result", **_result_json(result, command_id, repeated)})


# --- helpers ------------------------------------------------------------------------


class _OneLineBadRequests(logging.Filter):
    """A client that sends malformed HTTP is its own problem: one line, no traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, HttpProcessingError):
            record.msg, record.args = "refused a malformed request: %s", (error.message,)
            record.exc_info, record.exc_text = None, None
            record.levelno, record.levelname = logging.INFO, "INFO"
        return True


_HTTP_LOG = logging.getLogger("companion.control.http")
_HTTP_LOG.addFilter(_OneLineBadRequests())

NEED_TOKEN = (
    "this panel needs its link with the token: open the address `companion run` "
    "printed (or scan its QR code)"
)


def parse_command(message: Any) -> tuple[str, dict[str, Any], str | None, bool]:
    """(name, arguments, id, gesture) from {"command": NAME, ...arguments, "id": OPTIONAL,
    "gesture": OPTIONAL}; BadCommand when it is not shaped like a command. See
    refuse_arguments for the next check."""
    if not isinstance(message, dict):
        raise BadCommand('a command is a JSON object such as {"command": "pause"}')
    name = message.get("command")
    if not isinstance(name, str) or not 0 < len(name) <= 64:
        raise BadCommand("'command' must be the name of a command")
    raw_id = message.get("id")
    if raw_id is None:
        command_id = None
    elif isinstance(raw_id, str) and 0 < len(raw_id) <= 128:
        command_id = raw_id
    elif isinstance(raw_id, int) and not isinstance(raw_id, bool):
        command_id = str(raw_id)
    else:
        raise BadCommand("'id' must be a short text or a whole number")
    gesture = message.get("gesture", False)
    if not isinstance(gesture, bool):
        raise BadCommand(
            "'gesture' is true or false (true: a slider's step, one record row a gesture)"
        )
    args = {key: value for key, value in message.items() if key not in ("command", "id", "gesture")}
    if any(isinstance(value, (dict, list)) for value in args.values()):
        raise BadCommand("a command's arguments are plain values (text, numbers, true/false)")
    texts = [name, command_id or "", *args, *(v for v in args.values() if isinstance(v, str))]
    if not all(_is_unicode(text) for text in texts):
        # JSON may escape half a surrogate pair ("\ud800"): no real text, and no line the
        # record (UTF-8) could hold.
        raise BadCommand("the message holds text that is not valid Unicode")
    return name, args, command_id, gesture


def _is_unicode(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def refuse_arguments(name: str, args: dict[str, Any]) -> CommandResult | None:
    """A refusal when `name` is no command or `args` are not its arguments; None when fine.
    Such a command is never queued: the app calls engine.command(name, source=..., **args),
    so a stray 'source' or 'name' argument must never get that far."""
    for key, value in args.items():
        if isinstance(value, str) and len(value) > MAX_TEXT:
            what = "a note" if name == "note" else f"'{name}': '{key}'"
            return CommandResult(
                name,
                False,
                f"{what} is at most {MAX_TEXT:,} characters; this one has {len(value):,}",
            )
    try:
        parse_arguments(name, args)
    except Refused as refusal:
        return CommandResult(name, False, str(refusal))
    return None


def _decode(raw: str | bytes) -> Any:
    try:
        return json.loads(raw)
    except (ValueError, RecursionError) as exc:  # RecursionError: '[[[[…' nested too deep
        raise BadCommand("the message is not valid JSON") from exc


def _result_json(result: CommandResult, command_id: str | None, repeated: bool) -> dict[str, Any]:
    return {**result.to_json(), "id": command_id, "repeated": repeated}


def _state_message(snapshot: dict[str, Any]) -> str:
    return json.dumps({"type": "state", "state": snapshot}, default=str)


def _credentials(request: web.Request, cookie: str) -> list[str]:
    given = []
    if "token" in request.query:
        given.append(request.query["token"])
    auth = request.headers.get("Authorization", "")
    if auth[:7].lower() == "bearer ":
        given.append(auth[7:].strip())
    if cookie in request.cookies:
        given.append(request.cookies[cookie])
    return given


# The refusal page's one style, allowed by its hash (the CSP forbids inline styles otherwise).
REFUSAL_STYLE = "body{background:#111;color:#ccc;font:18px sans-serif;padding:2em}"
REFUSAL_CSP = CSP.replace(
    "style-src 'self'",
    "style-src 'sha256-"
    + base64.b64encode(hashlib.sha256(REFUSAL_STYLE.encode()).digest()).decode()
    + "'",
)


def _refuse(request: web.Request, status: int, reason: str) -> web.Response:
    path = request.path
    if "/api/" in path or path.endswith("/ws"):
        return web.json_response({"error": reason}, status=status)
    page = (
        f"<!doctype html><html lang=en><meta charset=utf-8><title>Companion panel</title>"
        f"<style>{REFUSAL_STYLE}</style><main><p>{reason}.</p></main>"
    )
    return web.Response(
        text=page,
        status=status,
        content_type="text/html",
        headers={"Content-Security-Policy": REFUSAL_CSP},
    )


async def _add_security_headers(request: web.Request, response: web.StreamResponse) -> None:
    for key, value in SECURITY_HEADERS.items():
        response.headers.setdefault(key, value)
