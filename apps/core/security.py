"""Who is asking: the client address behind a trusted proxy, for the login lockout per address."""

from __future__ import annotations

import ipaddress

from chronos.config import current


def _trusted(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip.version == net.version and ip in net for net in current().security.proxies)


def client_address(request) -> str:
    """The address of the client, as the nearest untrusted hop saw it.

    The peer (``REMOTE_ADDR``) is the client unless it is one of ``security.trusted_proxies``;
    then ``X-Forwarded-For`` is read from the right, skipping trusted proxies, and the first
    other address is the client. Entries left of it are whatever the client sent and are never
    believed. Behind a proxy every request has the proxy's address as its peer, so without this
    one client's wrong passwords would lock everybody out.
    """
    peer = request.META.get("REMOTE_ADDR") or ""
    if not _trusted(peer):
        return peer
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    client = peer
    for hop in reversed(hops):
        try:
            ipaddress.ip_address(hop.split("%", 1)[0])
        except ValueError:
            break  # a malformed hop: what lies left of it cannot be told apart from forgery
        client = hop
        if not _trusted(hop):
            break
    return client
