"""Request id (``X-Request-ID``), and browser-only middleware that API-key requests skip.

Request id: taken from ``X-Request-ID`` when sane, else generated; echoed on the response.

An API request with ``Authorization: Bearer`` is answered by its key alone: DRF's
``ApiKeyAuthentication`` comes first and either accepts the key or refuses the request, so
session authentication is never consulted for it, and every view under ``/api/`` is a DRF view
(exempt from Django's CSRF check, which DRF applies itself for session logins). Reading the
session and CSRF cookies, the user and the message store for it is wasted work on the hottest
paths (command polls and completions), so the session, CSRF, authentication and message
middleware below step aside for such requests. Requests with cookies and no Bearer header (the
admin, the browsable API) get the full stack as before. They are subclasses of Django's own
classes, so the admin's system checks still find them.
"""

from __future__ import annotations

import os
import re

from django.contrib.auth.middleware import AuthenticationMiddleware as DjangoAuthenticationMiddleware
from django.contrib.messages.middleware import MessageMiddleware as DjangoMessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware
from django.middleware.csrf import CsrfViewMiddleware as DjangoCsrfViewMiddleware

from apps.audit import context as audit_context

_SAFE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
API_PREFIX = "/api/"
_API_KEY_REQUEST = "_chronos_api_key_request"


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        # 32 random hex digits, as uuid4().hex spelled them, without building a UUID per request.
        request.request_id = incoming if _SAFE.match(incoming) else os.urandom(16).hex()
        token = audit_context.begin(request_id=request.request_id, ip=_client_ip(request))
        try:
            response = self.get_response(request)
        finally:
            audit_context.end(token)
        response["X-Request-ID"] = request.request_id
        return response


def _client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "") or ""


def is_api_key_request(request) -> bool:
    """An ``/api/`` request that authenticates with ``Authorization: Bearer …`` (remembered per request)."""
    known = request.__dict__.get(_API_KEY_REQUEST)
    if known is None:
        # The same test as ApiKeyAuthentication: the scheme is what precedes the first space.
        header = request.META.get("HTTP_AUTHORIZATION", "")
        known = header[:7].lower() == "bearer " and request.path_info.startswith(API_PREFIX)
        request.__dict__[_API_KEY_REQUEST] = known
    return known


class _BrowserOnly:
    """Runs the wrapped Django middleware except for API-key requests (see the module docstring)."""

    def __call__(self, request):
        if not self.async_mode and is_api_key_request(request):
            return self.get_response(request)
        return super().__call__(request)


class SessionMiddleware(_BrowserOnly, DjangoSessionMiddleware):
    pass


class CsrfViewMiddleware(_BrowserOnly, DjangoCsrfViewMiddleware):
    def process_view(self, request, callback, callback_args, callback_kwargs):
        # Called by the handler itself (not through __call__), so it has to step aside too.
        if not self.async_mode and is_api_key_request(request):
            return None
        return super().process_view(request, callback, callback_args, callback_kwargs)


class AuthenticationMiddleware(_BrowserOnly, DjangoAuthenticationMiddleware):
    pass


class MessageMiddleware(_BrowserOnly, DjangoMessageMiddleware):
    pass
