"""The panel's security rules, each with a test that fails when the rule is broken: where it
binds, the token on every request, slowing down guessers, Host and Origin, static files in
their folder, and malformed or huge messages refused without disturbing the session."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from http.cookies import SimpleCookie
from pathlib import Path

import aiohttp
import pytest
from panel_harness import panel_socket, request, run_async

from companion.control import FailureThrottle, PanelServer
from companion.control.guard import static_file

PROTECTED = [
    "/",
    "/static/panel.js",
    "/static/panel.css",
    "/static/index.html",
    "/api/state",
    "/api/picture",
    "/api/commands",
    "/no-such-page",
]


def _refused(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.2", port), timeout=2).close()
    except ConnectionRefusedError:
        return True
    return False


def test_binds_only_where_told():
    server = PanelServer(host="127.0.0.1")
    server.start()
    try:
        assert request(server.port, "GET", "/api/commands", token=server.token).status == 200
        assert _refused(server.port)  # another loopback address: nobody listens there
    finally:
        server.stop()
    other = PanelServer(host="127.0.0.2")
    other.start()
    try:
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", other.port), timeout=2)
        with socket.create_connection(("127.0.0.2", other.port), timeout=2):
            pass  # listening on exactly the address it was given
        assert other.url.startswith(f"http://127.0.0.2:{other.port}/?token=")
    finally:
        other.stop()


async def _ws_status(port: int, headers: dict[str, str], path: str = "/ws") -> int:
    async with aiohttp.ClientSession() as client:
        try:
            async with client.ws_connect(f"http://127.0.0.1:{port}{path}", headers=headers) as ws:
                await ws.receive(timeout=2)
                return 101
        except aiohttp.WSServerHandshakeError as exc:
            return exc.status


def test_every_request_needs_the_token(make_session):
    # Many wrong tokens in a row: a short delay keeps the throttle (tested below) out of the way.
    session = make_session(throttle=FailureThrottle(delay=0.01, max_delay=0.01))
    port, token = session.server.port, session.server.token
    for path in PROTECTED:
        assert request(port, "GET", path).status == 401, path
        assert request(port, "GET", path, token="not-the-token").status == 401, path
    body = json.dumps({"command": "start"})
    assert request(port, "POST", "/api/command", body=body).status == 401
    assert run_async(_ws_status(port, {})) == 401
    time.sleep(0.1)
    assert session.pump.call(lambda: session.engine.state.value) == "ready"
    assert session.server.client_count == 0
    # ...and with it, each of them answers.
    for path in PROTECTED[:-1]:
        assert request(port, "GET", path, token=token).status in (
            200,
            404 if "picture" in path else 200,
        ), path
    assert run_async(_ws_status(port, {"Authorization": f"Bearer {token}"})) == 101


def test_the_token_in_the_url_becomes_a_strict_http_only_cookie(session):
    port, token = session.server.port, session.server.token
    # The printed link leads on to the page's own folder, the token still in the URL...
    reply = request(port, "GET", f"/?token={token}")
    folder = session.server.page_path
    assert reply.status == 303 and reply.headers["Location"] == f"{folder}?token={token}"
    assert folder.startswith("/s/") and token not in folder
    reply = request(port, "GET", f"{folder}?token={token}")
    assert reply.status == 200 and b"<title>Companion" in reply.body
    set_cookie = reply.headers["Set-Cookie"]
    assert "HttpOnly" in set_cookie and "SameSite=Strict" in set_cookie
    assert "Secure" not in set_cookie  # no TLS here (see test_tls.py)
    cookie = SimpleCookie(set_cookie)
    name = session.server.cookie_name
    assert name == f"companion_panel_{port}"  # one per port: two sessions keep their own
    assert cookie[name].value == token
    # ...and the cookie goes only to that folder: cookies ignore ports, paths they do not.
    assert cookie[name]["path"] == folder
    header = {"Cookie": f"{name}={token}"}
    for path in ["", "static/panel.js", "api/state"]:
        reply = request(port, "GET", folder + path, headers=header)
        assert reply.status == 200 and "Set-Cookie" not in reply.headers, path
    assert run_async(_ws_status(port, header, folder + "ws")) == 101
    wrong = {"Cookie": f"{name}=forged"}
    assert request(port, "GET", folder + "api/state", headers=wrong).status == 401
    # another session's folder, with this session's cookie: refused as a wrong token
    assert request(port, "GET", "/s/AAAAAAAAAAAAAAAA/api/state", headers=header).status == 401
    assert request(port, "GET", "/?token=forged").status == 401


def test_wrong_tokens_from_one_address_are_slowed_down(session):
    port, token = session.server.port, session.server.token
    quick = [request(port, "GET", "/api/state", token=f"guess-{n}") for n in range(5)]
    assert all(r.status == 401 and r.seconds < 0.3 for r in quick)
    slowed = request(port, "GET", "/api/state", token="guess-5")
    assert slowed.status == 401
    assert slowed.seconds >= 0.45  # the default first delay is half a second, then doubling
    # The right token is never slowed (someone guessing cannot lock the therapist out)...
    right = request(port, "GET", "/api/state", token=token)
    assert right.status == 200 and right.seconds < 0.3
    # ...and another address is not slowed by this one's guesses.
    elsewhere = request(port, "GET", "/api/state", token="guess", source="127.0.0.2")
    assert elsewhere.status == 401 and elsewhere.seconds < 0.3


def test_parallel_guesses_are_answered_one_at_a_time(make_session):
    """Six guesses in flight at once: three are queued (answered 0.2 s apart, one at a time),
    three refused at once. The first answers are held back until the refusals are in: on a
    busy machine the six requests can take longer than one delay to arrive, and a guess
    arriving after the first answer left rightly finds a free place in the queue (a flaky run
    saw four 401s). Holding the answers back makes "at once" true whatever the load."""
    refused_all = threading.Event()

    async def held_back(pause: float) -> None:
        await asyncio.sleep(pause)
        # at most 10 s: if the refusals never come (the bug this test is for) it still ends
        await asyncio.get_running_loop().run_in_executor(None, refused_all.wait, 10.0)

    session = make_session(
        throttle=FailureThrottle(free=0, delay=0.2, max_delay=0.2, max_waiting=3, sleep=held_back)
    )
    port = session.server.port
    replies: list = []
    released: list[float] = []
    lock = threading.Lock()

    def guess(n: int) -> None:
        reply = request(port, "GET", "/api/state", token=f"guess-{n}")
        with lock:
            replies.append((reply.status, time.monotonic()))
            if [status for status, _ in replies].count(429) == 3:
                released.append(time.monotonic())
                refused_all.set()

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    # the refusals came while the queued answers were still held: they waited for nothing
    assert [status for status, _ in replies] == [429, 429, 429, 401, 401, 401]
    # one at a time: after the first was let go, the other two each waited out 0.2 s in turn
    # (all at once, the last would have come within a few milliseconds of the release)
    assert replies[-1][1] - released[0] >= 0.39


@pytest.mark.parametrize(
    "host, status",
    [
        ("evil.example", 403),
        ("evil.example:{port}", 403),
        ("127.0.0.1.evil.example:{port}", 403),
        ("localhost@evil.example", 403),
        ("127.0.0.1:{port}", 200),
        ("localhost:{port}", 200),
        ("LOCALHOST", 200),
        ("[::1]:{port}", 200),
        ("panel.clinic:{port}", 200),
        ("192.168.1.20:{port}", 403),  # bound to 127.0.0.1, not every interface
        (None, 400),  # aiohttp itself refuses a request with no Host
    ],
)
def test_the_host_header_must_name_this_server(make_session, host, status):
    session = make_session(allowed_hosts=("panel.clinic",))
    port, token = session.server.port, session.server.token
    header = host.format(port=port) if host else None
    assert request(port, "GET", "/api/state", token=token, host=header).status == status


def test_bound_to_every_interface_ip_addresses_are_fine_but_names_are_not():
    server = PanelServer(host="0.0.0.0")
    server.start()
    try:
        port, token = server.port, server.token
        assert (
            request(port, "GET", "/api/commands", token=token, host=f"192.168.1.20:{port}").status
            == 200
        )
        assert (
            request(port, "GET", "/api/commands", token=token, host=f"rebind.example:{port}").status
            == 403
        )
        assert "0.0.0.0" not in server.url  # a tablet cannot open that
    finally:
        server.stop()


def test_cross_site_commands_are_refused(session):
    port, token = session.server.port, session.server.token
    body = json.dumps({"command": "start"})
    for headers in (
        {"Origin": "http://evil.example"},
        {"Origin": f"http://evil.example:{port}"},
        {"Origin": "null"},
        {"Origin": f"https://127.0.0.1:{port}"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate"},
    ):
        reply = request(port, "POST", "/api/command", token=token, body=body, headers=headers)
        assert reply.status == 403, headers
        assert run_async(_ws_status(port, {"Authorization": f"Bearer {token}", **headers})) == 403
    time.sleep(0.1)
    assert session.pump.call(lambda: session.engine.state.value) == "ready"
    same = request(
        port,
        "POST",
        "/api/command",
        token=token,
        body=body,
        headers={"Origin": f"http://127.0.0.1:{port}", "Sec-Fetch-Site": "same-origin"},
    )
    assert same.status == 200 and same.json()["ok"] is True
    # A link from another site may open the page (a GET navigation); with the token only.
    link = {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate"}
    assert request(port, "GET", f"/?token={token}", headers=link).status == 303  # to /s/KEY/
    assert (
        request(port, "GET", f"{session.server.page_path}?token={token}", headers=link).status
        == 200
    )
    assert request(port, "GET", "/", headers=link).status == 401
    assert (
        request(
            port, "GET", "/api/state", headers={"Sec-Fetch-Site": "cross-site"}, token=token
        ).status
        == 403
    )  # a script elsewhere reading the state
    # A form posted from another site cannot pass as JSON either.
    form = request(
        port,
        "POST",
        "/api/command",
        token=token,
        body="command=end",
        headers={"Content-Type": "text/plain"},
    )
    assert form.status == 415


@pytest.mark.parametrize(
    "path",
    [
        "/static/../../pyproject.toml",
        "/static/%2e%2e/%2e%2e/pyproject.toml",
        "/static/..%2f..%2fpyproject.toml",
        "/static/%2e%2e%2fserver.py",
        "/static/..%5cserver.py",
        "/static//etc/passwd",
        "/static/%2fetc%2fpasswd",
        "/static/.%2e/guard.py",
        "/static/panel.js%00.html",
    ],
)
def test_static_files_cannot_escape_their_folder(session, path):
    reply = request(session.server.port, "GET", path, token=session.server.token)
    assert reply.status in (400, 403, 404)
    assert (
        b"[project]" not in reply.body
        and b"import" not in reply.body
        and b"root:" not in reply.body
    )


def test_a_symlink_out_of_the_static_folder_is_not_followed(tmp_path: Path, make_session):
    static = tmp_path / "static"
    static.mkdir()
    (static / "index.html").write_text("<p>panel</p>")
    (static / "ok.css").write_text("body {}")
    secret = tmp_path / "secret.txt"
    secret.write_text("the session record")
    (static / "leak.txt").symlink_to(secret)
    assert static_file(static, "leak.txt") is None
    assert static_file(static, "ok.css") == (static / "ok.css").resolve()
    session = make_session(static_dir=static)
    token = session.server.token
    assert request(session.server.port, "GET", "/static/ok.css", token=token).status == 200
    reply = request(session.server.port, "GET", "/static/leak.txt", token=token)
    assert reply.status == 404 and b"session record" not in reply.body


@pytest.mark.parametrize(
    "body, content_type, status",
    [
        ("{not json", "application/json", 400),
        ("[1, 2]", "application/json", 400),
        ('"pause"', "application/json", 400),
        ('{"command": 5}', "application/json", 400),
        ('{"command": "pause", "id": [1]}', "application/json", 400),
        ('{"command": "note", "text": {"nested": true}}', "application/json", 400),
        ("[" * 50_000, "application/json", 400),  # nested too deep for a parser's recursion
        ('{"command": "note", "text": "' + "x" * 100_000 + '"}', "application/json", 413),
        ('{"command": "pause"}', "application/x-www-form-urlencoded", 415),
    ],
)
def test_malformed_or_huge_http_commands_are_refused(session, body, content_type, status):
    command_ok = request(
        session.server.port,
        "POST",
        "/api/command",
        token=session.server.token,
        body='{"command": "start"}',
    )
    revision = session.pump.call(lambda: session.engine.revision)
    reply = request(
        session.server.port,
        "POST",
        "/api/command",
        token=session.server.token,
        body=body,
        headers={"Content-Type": content_type},
    )
    assert reply.status == status
    assert "error" in reply.json() or "reason" in reply.json()
    time.sleep(0.05)
    assert command_ok.status == 200
    assert session.pump.call(lambda: session.engine.revision) == revision
    assert session.pump.call(lambda: len(session.pump.applied)) == 1  # only the start
    assert (
        request(session.server.port, "GET", "/api/state", token=session.server.token).status == 200
    )


def test_malformed_or_huge_websocket_messages_are_refused(session):
    port, token = session.server.port, session.server.token
    auth = {"Authorization": f"Bearer {token}"}

    async def next_of(ws, kind: str) -> dict:
        while True:
            message = await ws.receive(timeout=3)
            assert message.type == aiohttp.WSMsgType.TEXT, message
            data = json.loads(message.data)
            if data["type"] == kind:
                return data

    async def scenario() -> tuple[int | None, str]:
        async with (
            panel_socket(f"http://127.0.0.1:{port}/ws", auth) as other,
            panel_socket(f"http://127.0.0.1:{port}/ws", auth) as ws,
        ):
            for bad in ["{oops", "[]", '{"command": null}', "[" * 50_000]:
                await ws.send_str(bad)
                assert "reason" in await next_of(ws, "error")
            await ws.send_bytes(b"\x00\x01")
            assert "JSON text" in (await next_of(ws, "error"))["reason"]
            await ws.send_str(json.dumps({"command": "talk", "on": "yes", "id": "a"}))
            refused = await next_of(ws, "result")
            assert refused["ok"] is False and "true or false" in refused["reason"]
            # After all that, the same connection still carries commands.
            await ws.send_str(json.dumps({"command": "start", "id": "b"}))
            assert (await next_of(ws, "result"))["ok"] is True
            # A huge message closes that connection (1009), and only that one.
            await ws.send_str(json.dumps({"command": "note", "text": "x" * 200_000}))
            while (await ws.receive(timeout=3)).type == aiohttp.WSMsgType.TEXT:
                continue
            await other.send_str(json.dumps({"command": "pause", "id": "c"}))
            result = await next_of(other, "result")
            return ws.close_code, json.dumps(result)

    close_code, result = run_async(scenario())
    assert close_code == 1009
    assert json.loads(result)["ok"] is True
    assert session.pump.call(lambda: session.engine.state.value) == "paused"
    assert session.pump.call(lambda: [c[0] for c in session.pump.applied]) == ["start", "pause"]
    assert session.pump.call(lambda: len(session.engine.notes)) == 0


def test_pages_cannot_be_framed_or_sniffed(session):
    reply = request(session.server.port, "GET", "/", token=session.server.token)
    assert reply.status == 200
    assert "frame-ancestors 'none'" in reply.headers["Content-Security-Policy"]
    assert reply.headers["X-Frame-Options"] == "DENY"
    assert reply.headers["X-Content-Type-Options"] == "nosniff"
    assert reply.headers["Referrer-Policy"] == "no-referrer"
    refused = request(session.server.port, "GET", "/")
    assert refused.status == 401 and refused.headers["X-Frame-Options"] == "DENY"


def test_another_program_on_this_machine_never_receives_the_cookie(session, open_panel):
    """Issue 16: cookies ignore ports, so a cookie for 127.0.0.1 went to every local service.
    The panel's cookie lives in its own folder /s/KEY/: Chromium does not send it elsewhere."""
    import http.server
    import threading

    received: list[str] = []  # the Cookie header of each request the other program got

    class Other(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # (the standard library names it)
            received.append(self.headers.get("Cookie") or "")
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(b"another program")

        def log_message(self, *args) -> None:  # quiet
            return

    other = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Other)
    threading.Thread(target=other.serve_forever, daemon=True).start()
    try:
        page = open_panel(session.server.url)
        cookies = page.context.cookies()
        assert [c["path"] for c in cookies] == [session.server.page_path]
        for path in ("/", "/api/state", "/s/", "/ws"):
            page.goto(f"http://127.0.0.1:{other.server_address[1]}{path}")
        assert len(received) >= 4  # (and the browser's favicon requests)
        assert not any("companion_panel" in cookie for cookie in received), received
        # (only a program that knew the folder's KEY, a hash of the token seen nowhere but in
        # the panel's own address bar, could be sent it: 96 bits are not guessed)
        assert len(session.server.path_key) == 16
    finally:
        other.shutdown()
        other.server_close()
