"""Who is asking (the client address behind a trusted proxy, for the login lockout per address)
and the Content-Security-Policy header."""

from __future__ import annotations

import ipaddress

from csp.constants import HEADER
from csp.middleware import CSPMiddleware
from csp.utils import build_policy
from django.conf import settings

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


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, with the configured policy built once instead of per response.

    Building the header from ``CONTENT_SECURITY_POLICY`` costs about 0.1 ms, on every API answer
    too. The policy only changes per response when a view uses django-csp's decorators
    (``csp_update``, ``csp_exempt``, ...) or a template asks for ``request.csp_nonce``; those
    responses still go through django-csp's own path.
    """

    _PER_RESPONSE = ("_csp_config", "_csp_update", "_csp_replace", "_csp_exempt",
                     "_csp_config_ro", "_csp_update_ro", "_csp_replace_ro", "_csp_exempt_ro")

    def __init__(self, get_response) -> None:
        super().__init__(get_response)
        self._header = build_policy()
        self._simple = not getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None) and not (
            (getattr(settings, "CONTENT_SECURITY_POLICY", None) or {}).get("EXCLUDE_URL_PREFIXES"))

    def process_response(self, request, response):
        if (self._simple and getattr(request, "_csp_nonce", None) is None
                and not any(hasattr(response, name) for name in self._PER_RESPONSE)
                and not (settings.DEBUG and response.status_code in (404, 500))):
            if HEADER not in response:
                response[HEADER] = self._header
            return response
        return super().process_response(request, response)
