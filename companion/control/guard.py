"""The panel's security rules, each small enough to read at a glance.

- a request needs the session's token (URL once, then a cookie, or `Authorization: Bearer`);
- wrong tokens from one address are answered more and more slowly, one at a time;
- the Host header must name this server (no DNS rebinding), and a browser's Origin must be
  this page (no cross-site commands);
- a static file is served only from inside its folder.
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

WILDCARD_HOSTS = ("", "0.0.0.0", "::")
LOCAL_NAMES = ("localhost", "127.0.0.1", "::1")


def same_token(given: str | None, token: str) -> bool:
    if not given:
        return False
    return hmac.compare_digest(given.encode("utf-8", "surrogatepass"), token.encode("utf-8"))


def host_name(header: str) -> str | None:
    """The host part of a Host header ('[::1]:8000' -> '::1'); None when malformed."""
    header = header.strip().lower()
    if not header or any(c.isspace() or c in "/@?#\\" for c in header):
        return None
    if header.startswith("["):
        end = header.find("]")
        if end < 0 or (header[end + 1 :] and not header[end + 1 :].startswith(":")):
            return None
        name, port = header[1:end], header[end + 2 :]
    else:
        name, _, port = header.partition(":")
    if port and not port.isdigit():
        return None
    return name.rstrip(".") or None


def is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


@dataclass
class HostRule:
    """Which Host headers this server answers to: its bound address, localhost, and the names
    it was told about. Bound to every interface, any IP literal is fine too (an IP address
    cannot be rebound to another machine the way a DNS name can)."""

    bound: str
    extra: tuple[str, ...] = ()

    def allows(self, header: str | None) -> bool:
        name = host_name(header or "")
        if name is None:
            return False
        allowed = {self.bound.lower(), *LOCAL_NAMES, *(h.lower() for h in self.extra)}
        if name in allowed:
            return True
        return self.bound in WILDCARD_HOSTS and is_ip(name)


def origin_allowed(
    origin: str | None,
    host_header: str | None,
    fetch_site: str | None,
    navigation: bool = False,
    scheme: str = "http",
) -> bool:
    """A browser says where a request comes from; it must be this very page. Requests with no
    Origin (curl, scripts) pass here and still need the token. A plain GET navigation from
    another site (a link in the clinic's intranet) may open the page: it can read nothing,
    and without the token it gets nothing."""
    if fetch_site is not None and fetch_site.lower() == "cross-site" and not navigation:
        return False
    if origin is None:
        return True
    if not host_header:
        return False
    return origin.strip().lower() == f"{scheme}://" + host_header.strip().lower()


@dataclass
class FailureThrottle:
    """Slows down guessing: after `free` wrong tokens from one address within `window`
    seconds, each further wrong token is answered after a delay that doubles (from `delay`
    up to `max_delay`), and such answers go out one at a time per address, so parallel
    guesses do not get around it. Beyond `max_waiting` queued answers, an address is refused
    at once (429) without its token being looked at. A right token is never slowed: someone
    else guessing from the same machine cannot lock the therapist out. `sleep` waits out a
    delay (a test holds answers back with it, to have guesses in flight at once on a busy
    machine)."""

    free: int = 5
    window: float = 60.0
    delay: float = 0.5
    max_delay: float = 8.0
    max_waiting: int = 8
    max_addresses: int = 10_000
    sleep: Callable[[float], Awaitable[None]] = field(default=asyncio.sleep, repr=False)
    _failures: dict[str, deque[float]] = field(default_factory=dict)
    _locks: dict[str, asyncio.Lock] = field(default_factory=dict)
    _waiting: dict[str, int] = field(default_factory=dict)

    def crowded(self, address: str) -> bool:
        return self._waiting.get(address, 0) >= self.max_waiting

    def recent(self, address: str, now: float | None = None) -> int:
        failures = self._failures.get(address)
        if not failures:
            return 0
        now = time.monotonic() if now is None else now
        while failures and failures[0] < now - self.window:
            failures.popleft()
        return len(failures)

    async def failed(self, address: str) -> None:
        """Record a wrong token from `address`; return when its answer may go out."""
        now = time.monotonic()
        if address not in self._failures and len(self._failures) >= self.max_addresses:
            self._forget_quiet(now)
        failures = self._failures.setdefault(address, deque())
        failures.append(now)
        over = self.recent(address, now) - self.free
        if over <= 0:
            return
        pause = min(self.max_delay, self.delay * 2 ** (over - 1))
        lock = self._locks.setdefault(address, asyncio.Lock())
        self._waiting[address] = self._waiting.get(address, 0) + 1
        try:
            async with lock:
                await self.sleep(pause)
        finally:
            self._waiting[address] -= 1

    def _forget_quiet(self, now: float) -> None:
        for address in [a for a in self._failures if self.recent(a, now) == 0]:
            del self._failures[address]
            if not self._waiting.get(address):
                self._locks.pop(address, None)
                self._waiting.pop(address, None)


def static_file(root: Path, relative: str) -> Path | None:
    """The file `relative` names inside `root`, or None when it names nothing there: no '..',
    no hidden files, no backslashes, and no symlink that leads out of the folder."""
    if not relative or len(relative) > 200 or "\\" in relative or "\x00" in relative:
        return None
    parts = relative.split("/")
    if any(part in ("", ".", "..") or part.startswith(".") for part in parts):
        return None
    base = root.resolve()
    candidate = (base / relative).resolve()
    if not candidate.is_relative_to(base) or not candidate.is_file():
        return None
    return candidate
