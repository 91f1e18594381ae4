"""Which addresses Chronos may send webhooks to (server-side request forgery guard).

Self-hosted installs legitimately run n8n on localhost or the LAN, so private ranges are allowed
by default; what is always refused is ``integrations.webhooks.blocked_networks`` (by default the
cloud metadata and link-local addresses, where a forged URL could read instance credentials).
With ``allow_private_hosts: false`` loopback, private, link-local, reserved, multicast and
unspecified addresses are refused as well.

The host is resolved when an endpoint is saved and again right before every delivery, so a name
that later resolves somewhere refused (DNS rebinding) is caught at delivery.
"""

from __future__ import annotations

import ipaddress
import socket

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


def refusal(address: IPAddress) -> str | None:
    """Why ``address`` is refused by the configuration, or ``None``."""
    cfg = current().integrations.webhooks
    candidates = [address]
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        candidates.append(address.ipv4_mapped)  # ::ffff:169.254.169.254 is 169.254.169.254
    for candidate in candidates:
        for network in cfg.blocked:
            if candidate.version == network.version and candidate in network:
                return f"{address} is in the blocked network {network}"
        if not cfg.allow_private_hosts:
            for kind in ("loopback", "private", "link_local", "reserved", "multicast", "unspecified"):
                if getattr(candidate, f"is_{kind}"):
                    return f"{address} is a {kind.replace('_', '-')} address (allow_private_hosts is false)"
    return None


def check(host: str, port: int | None) -> list[IPAddress]:
    """Resolve ``host``; raise :class:`Refused` if any of its addresses is refused."""
    addresses = resolve(host, port)
    for address in addresses:
        reason = refusal(address)
        if reason is not None:
            raise Refused(f"{host} resolves to {reason}" if str(address) != host.strip("[]") else reason)
    return addresses
