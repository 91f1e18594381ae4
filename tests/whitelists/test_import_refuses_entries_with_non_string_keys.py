from __future__ import annotations

import pytest

from apps.whitelists.services import entry_errors


def test_an_entry_with_non_string_keys_gets_a_clear_error_not_a_crash():
    errors = entry_errors({"system": "CRM", "action": "ADD", 1: "x", None: "y", "zzz": 1})
    assert errors["entry"] == ["unknown key(s): 1, None, zzz"]


@pytest.mark.django_db
def test_a_yaml_import_with_an_integer_key_is_refused_with_400(admin_api):
    doc = "whitelists:\n  - system: CRM\n    action: ADD\n    1: one\n    extra: two\n"
    response = admin_api.post("/api/v1/whitelists/import", doc, content_type="application/yaml")
    assert response.status_code == 400
    assert "unknown key(s): 1, extra" in response.json()["errors"][0]
