"""Request id (``X-Request-ID``): taken from the request when sane, else generated; echoed on
the response and recorded with every audit entry the request causes."""

from __future__ import annotations

import os
import re

from apps.audit import actor as audit_actor
from apps.core.security import client_address

_SAFE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        # 32 random hex digits, as uuid4().hex spelled them, without building a UUID per request.
        request.request_id = incoming if _SAFE.match(incoming) else os.urandom(16).hex()
        token = audit_actor.begin(request_id=request.request_id, ip=client_address(request))
        try:
            response = self.get_response(request)
        finally:
            audit_actor.end(token)
        response["X-Request-ID"] = request.request_id
        return response
