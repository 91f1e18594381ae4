"""Host headers are checked, a TLS proxy turns on Secure cookies and HSTS, and pages carry a CSP."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest
from django.conf import settings

from chronos import config

pytestmark = pytest.mark.django_db

# Runs in a fresh process, so the settings are built from the environment given.
PROBE = """
import json
from django.conf import settings
from django.test import Client
client = Client()
login = client.get("/admin/login/", HTTP_HOST="localhost", HTTP_X_FORWARDED_PROTO="https")
other = client.get("/admin/login/", HTTP_HOST="evil.example")
print(json.dumps({
    "allowed_hosts": settings.ALLOWED_HOSTS,
    "status": login.status_code,
    "other_host_status": other.status_code,
    "hsts": login.headers.get("Strict-Transport-Security"),
    "csrf_cookie_secure": bool(login.cookies["csrftoken"]["secure"]) if "csrftoken" in login.cookies else None,
    "session_cookie_secure": settings.SESSION_COOKIE_SECURE,
    "proxy_header": settings.SECURE_PROXY_SSL_HEADER,
}))
"""


def _probe(tmp_path, **env) -> dict:
    environ = {**os.environ, "CHRONOS_DATA_DIR": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path}/x.db", **env}
    for name in ("DJANGO_SETTINGS_MODULE", "CHRONOS_TEST_DB_SUFFIX", "CHRONOS_TESTING", "CHRONOS_ALLOWED_HOSTS",
                 "CHRONOS_BEHIND_TLS_PROXY", "CHRONOS_HOST"):
        if name not in env:
            environ.pop(name, None)
    out = subprocess.run([sys.executable, "manage.py", "shell", "-c", PROBE], cwd=settings.BASE_DIR, env=environ,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_only_local_host_names_are_answered_by_default(client):
    assert client.get("/health", HTTP_HOST="localhost:8080").status_code in (200, 503)
    assert client.get("/health", HTTP_HOST="127.0.0.1:8080").status_code in (200, 503)
    assert client.get("/health", HTTP_HOST="[::1]:8080").status_code in (200, 503)
    assert client.get("/health", HTTP_HOST="evil.example").status_code == 400


def test_allowed_hosts_come_from_the_environment_and_the_bind_address_is_added(tmp_path):
    found = _probe(tmp_path, CHRONOS_ALLOWED_HOSTS="chronos.example.org, .lan", CHRONOS_HOST="192.168.1.20")
    assert found["allowed_hosts"] == ["chronos.example.org", ".lan", "192.168.1.20"]
    assert found["status"] == 400  # localhost is no longer listed
    assert found["other_host_status"] == 400


def test_allowed_hosts_come_from_the_yaml(tmp_path):
    cfg = tmp_path / "chronos.yaml"
    cfg.write_text("server:\n  allowed_hosts: [chronos.example.org]\n")
    raw, errors = config.load(cfg, environ={})
    typed, problems = config.build(raw)
    assert errors == problems == []
    assert typed.server.allowed_hosts == ("chronos.example.org",)


def test_without_a_tls_proxy_nothing_claims_https(tmp_path):
    found = _probe(tmp_path)
    assert found["status"] == 200
    assert found["hsts"] is None
    assert found["csrf_cookie_secure"] is False and found["session_cookie_secure"] is False
    assert found["proxy_header"] is None


def test_behind_a_tls_proxy_cookies_are_secure_and_hsts_is_sent(tmp_path):
    found = _probe(tmp_path, CHRONOS_BEHIND_TLS_PROXY="true")
    assert found["status"] == 200
    assert found["hsts"] == "max-age=31536000"
    assert found["csrf_cookie_secure"] is True and found["session_cookie_secure"] is True
    assert found["proxy_header"] == ["HTTP_X_FORWARDED_PROTO", "https"]


def _policy(response) -> dict[str, str]:
    header = response.headers["Content-Security-Policy"]
    return {part.split()[0]: " ".join(part.split()[1:]) for part in header.split(";") if part.strip()}


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)


@pytest.mark.parametrize("path", ["/admin/", "/admin/events/event/", "/admin/events/event/add/",
                                  "/admin/integrations/webhookendpoint/add/", "/admin/backups/backup/"])
def test_admin_pages_carry_a_policy_that_allows_no_inline_script_and_have_none(admin_client, path):
    response = admin_client.get(path)
    assert response.status_code == 200
    policy = _policy(response)
    assert policy["script-src"] == "'self'"
    assert policy["default-src"] == "'self'"
    assert policy["object-src"] == "'none'" and policy["frame-ancestors"] == "'none'"
    assert INLINE_SCRIPT.findall(response.content.decode()) == []


def test_the_api_docs_load_their_start_script_from_the_server(admin_client):
    page = admin_client.get("/docs")
    assert page.status_code == 200
    assert _policy(page)["script-src"] == "'self'"
    html = page.content.decode()
    assert INLINE_SCRIPT.findall(html) == []
    script = re.search(r'<script src="(/docs\?[^"]*script[^"]*)"', html).group(1).replace("&amp;", "&")
    start = admin_client.get(script)
    assert start.status_code == 200
    assert start["Content-Type"].startswith("application/javascript")
    assert b"SwaggerUIBundle" in start.content


def test_the_policy_built_once_is_the_one_django_csp_builds_and_its_decorators_still_apply(rf):
    from csp.decorators import csp_exempt, csp_update
    from csp.middleware import CSPMiddleware
    from django.http import HttpResponse

    from apps.core.security import ContentSecurityPolicyMiddleware

    def view(request):
        return HttpResponse("ok")

    ours = ContentSecurityPolicyMiddleware(view)(rf.get("/admin/"))
    theirs = CSPMiddleware(view)(rf.get("/admin/"))
    assert ours["Content-Security-Policy"] == theirs["Content-Security-Policy"]
    assert "Content-Security-Policy" not in ContentSecurityPolicyMiddleware(csp_exempt()(view))(rf.get("/x"))
    updated = ContentSecurityPolicyMiddleware(csp_update({"img-src": "https://example.org"})(view))(rf.get("/x"))
    assert "img-src 'self' data: https://example.org" in updated["Content-Security-Policy"]
