"""Which addresses Chronos may send webhooks to (server-side request forgery guard).

Self-hosted installs legitimately run n8n on localhost or the LAN, so private ranges are allowed
by default; what is always refused is ``integrations.webhooks.blocked_networks`` (by default the
cloud metadata and link-local addresses, where a forged URL could read instance credentials).
With ``allow_private_hosts: false`` loopback, private, link-local, reserved, multicast and
unspecified addresses are refused as well.

Whatever the setting, this instance's own listening address and port are refused (an endpoint
aimed at Chronos itself would let an integrations key call its own API with the server's
answers read back), and so are the NAT64 (``64:ff9b::/96``), IPv4-mapped, 6to4 and Teredo forms
of every refused IPv4 address.

The host is resolved when an endpoint is saved and, for delivery, once per new connection by
:mod:`apps.integrations.pinned`, which connects to exactly the addresses checked: a name that
later resolves somewhere refused (DNS rebinding) is refused, never connected to.
"""

from __future__ import annotations

import ipaddress
import socket

import psutil
from django.conf import settings

from chronos.config import current

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class Refused(Exception):
    """The host resolves to an address webhooks must not be sent to."""


class Unresolvable(Exception):
    """The host name does not resolve (now)."""


def resolve(host: str, port: int | None) -> list[IPAddress]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError) as exc:
        raise Unresolvable(f"{host} does not resolve: {exc}") from None
    addresses: list[IPAddress] = []
    for info in infos:
        raw = str(info[4][0]).split("%", 1)[0]  # drop an IPv6 zone id
        try:
            addresses.append(ipaddress.ip_address(raw))
        except ValueError:
            continue
    return addresses


NAT64 = ipaddress.ip_network("64:ff9b::/96")  # RFC 6052 well-known prefix


def forms(address: IPAddress) -> list[IPAddress]:
    """``address`` and the IPv4 address it stands for, if it is an IPv6 form of one."""
    found = [address]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            found.append(address.ipv4_mapped)  # ::ffff:169.254.169.254 is 169.254.169.254
        if address in NAT64:
            found.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))  # a NAT64 gateway goes there
        if address.sixtofour is not None:
            found.append(address.sixtofour)
        if address.teredo is not None:
            found.append(address.teredo[1])
    return found


def _local_addresses() -> frozenset[IPAddress]:
    found: set[IPAddress] = set()
    for entries in psutil.net_if_addrs().values():
        for entry in entries:
            if entry.family in (socket.AF_INET, socket.AF_INET6):
                try:
                    found.add(ipaddress.ip_address(entry.address.split("%", 1)[0]))
                except ValueError:
                    continue
    return frozenset(found)


def is_own_listener(address: IPAddress, port: int | None) -> bool:
    """True when ``address:port`` reaches this instance's own web server (``server.host:port``)."""
    if port != settings.PORT:
        return False
    try:
        bound = ipaddress.ip_address(settings.HOST)
    except ValueError:
        bound = None
    every_interface = bound is None or bound.is_unspecified
    local = _local_addresses() if every_interface else frozenset()
    for candidate in forms(address):
        if candidate.is_unspecified or candidate == bound:
            return True
        if every_interface and (candidate.is_loopback or candidate in local):
            return True
    return False


def refusal(address: IPAddress, port: int | None = None) -> str | None:
    """Why ``address`` (on ``port``) is refused by the configuration, or ``None``."""
    cfg = current().integrations.webhooks
    if is_own_listener(address, port):
        return f"{address} port {port} is this Chronos instance's own address"
    # The IPv4 address an IPv6 form stands for first: it names what would really be reached.
    candidates = forms(address)[::-1]
    for candidate in candidates:
        shown = address if candidate == address else f"{address} (a form of {candidate})"
        for network in cfg.blocked:
            if candidate.version == network.version and candidate in network:
                return f"{shown} is in the blocked network {network}"
        if not cfg.allow_private_hosts:
            for kind in ("loopback", "private", "link_local", "reserved", "multicast", "unspecified"):
                if getattr(candidate, f"is_{kind}"):
                    return f"{shown} is a {kind.replace('_', '-')} address (allow_private_hosts is false)"
    return None


def check(host: str, port: int | None) -> list[IPAddress]:
    """Resolve ``host``; raise :class:`Refused` if any of its addresses is refused."""
    addresses = resolve(host, port)
    for address in addresses:
        reason = refusal(address, port)
        if reason is not None:
            raise Refused(f"{host} resolves to {reason}" if str(address) != host.strip("[]") else reason)
    return addresses
