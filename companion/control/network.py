"""This machine's address on the clinic's network, for the link a tablet opens.

A host name often resolves to the loopback address (Debian puts `127.0.1.1 NAME` in
/etc/hosts), so asking the resolver alone gives a link no tablet can open. The address the
system would use to reach another network is asked of the routing table: a UDP socket
"connected" to a documentation address sends no packet, yet knows its own source address.
"""

from __future__ import annotations

import ipaddress
import socket

# TEST-NET addresses (RFC 5737): never routed anywhere, so nothing is ever sent to them.
PROBES = ("192.0.2.1", "198.51.100.1")


def lan_address() -> str | None:
    """An IPv4 address of this machine that another device on the network can reach, or
    None when it has only the loopback address (no network, or a cable out)."""
    for address in _by_route() + _by_name():
        if _reachable(address):
            return address
    return None


def _by_route() -> list[str]:
    found = []
    for probe in PROBES:
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
                udp.connect((probe, 9))  # UDP: no packet leaves until something is sent
                found.append(udp.getsockname()[0])
        except OSError:  # no route at all: no network
            continue
    return found


def _by_name() -> list[str]:
    try:
        infos = socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET, socket.SOCK_STREAM)
    except OSError:
        return []
    return [str(info[4][0]) for info in infos]


def _reachable(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return not (ip.is_loopback or ip.is_unspecified or ip.is_link_local)
