"""``413`` for a request body over ``api.max_body_bytes``, before anything reads it.

Without it a body over Django's own limit (2.5 MB) was a ``400 {"detail": "Bad request."}``
from deep inside the first ``request.body``, and the web server, finding the body unread
after the answer, dropped the connection: requests pipelined behind it were lost. Here the
declared ``Content-Length`` is checked first; the refused body is read and thrown away (up to
:data:`DRAIN_LIMIT_BYTES`) so the connection stays usable for what follows. A body larger
than that is not worth receiving: the answer then says ``Connection: close``.

Bodies without a ``Content-Length`` (chunked) reach Django as empty bodies, so they need no
check here.
"""

from __future__ import annotations

from django.http import JsonResponse

from chronos.config import current

# Reading and discarding a refused body costs little next to sending it; past this the
# connection is closed instead of drained.
DRAIN_LIMIT_BYTES = 64 * 1024 * 1024
_CHUNK = 256 * 1024


def _declared_length(request) -> int:
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0


def _discard(request, length: int) -> bool:
    """Read and drop the body; False if it was too large to bother (the connection is closed)."""
    if length > DRAIN_LIMIT_BYTES:
        return False
    stream = request.META.get("wsgi.input")
    if stream is None:
        return True
    left = length
    while left > 0:
        chunk = stream.read(min(_CHUNK, left))
        if not chunk:
            break
        left -= len(chunk)
    return True


class BodyLimitMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        length = _declared_length(request)
        if length:
            limit = current().api.max_body_bytes
            if length > limit:
                drained = _discard(request, length)
                response = JsonResponse(
                    {"detail": f"Request body too large: {length} bytes, the limit is {limit} "
                               "(api.max_body_bytes)."},
                    status=413,
                )
                if not drained:
                    response["Connection"] = "close"
                return response
        return self.get_response(request)
