"""JSON allows a lone surrogate escape ("\\ud800") that UTF-8 cannot hold: echoed back in an error, it
is written as the same escape instead of failing the answer."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.django_db


def test_an_error_that_echoes_a_lone_surrogate_is_a_400_with_the_escape(admin_api):
    body = '[{"system": "A", "action": "B", "\\ud800x": 1}]'
    response = admin_api.post("/api/v1/whitelists/import", data=body, content_type="application/json")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert b"\\ud800" in response.content
    assert json.loads(response.content)["detail"].startswith("import rejected, nothing was changed")
