"""Cost of the Content-Security-Policy header per response, in process.

Times 20,000 JSON responses through: no middleware; a middleware that sets one fixed header;
django-csp's own ``CSPMiddleware`` (builds the policy per response); and
``apps.core.security.ContentSecurityPolicyMiddleware`` (the policy built once). Best of 3 runs,
microseconds per response. Prints one JSON object.

    .venv/bin/python bench/csp.py
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# bench/ holds scripts named like stdlib modules (email.py): keep it off the import path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(ROOT))

RESPONSES = 20_000


def main() -> None:
    os.environ.setdefault("CHRONOS_DATA_DIR", tempfile.mkdtemp(prefix="chronos-bench-csp-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chronos.settings")
    import django

    django.setup()
    from csp.middleware import CSPMiddleware
    from django.http import HttpResponse
    from django.test import RequestFactory
    from django.utils.deprecation import MiddlewareMixin

    from apps.core.security import ContentSecurityPolicyMiddleware

    class FixedHeader(MiddlewareMixin):
        def process_response(self, request, response):
            response["Content-Security-Policy"] = "default-src 'self'"
            return response

    def view(request):
        return HttpResponse(b"{}", content_type="application/json")

    requests = [RequestFactory().get("/api/v1/events") for _ in range(RESPONSES)]

    def per_response(handler) -> float:
        best = float("inf")
        for _ in range(3):
            began = time.perf_counter()
            for request in requests:
                handler(request)
            best = min(best, time.perf_counter() - began)
        return round(best / RESPONSES * 1e6, 1)

    figures = {
        "responses": RESPONSES,
        "no_middleware_us": per_response(view),
        "fixed_header_us": per_response(FixedHeader(view)),
        "django_csp_us": per_response(CSPMiddleware(view)),
        "policy_built_once_us": per_response(ContentSecurityPolicyMiddleware(view)),
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
