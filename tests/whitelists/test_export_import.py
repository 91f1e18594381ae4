from __future__ import annotations

import json

import pytest
import yaml
from django.core.management import CommandError, call_command

from apps.whitelists.models import Whitelist
from tests.whitelists.factories import allow

pytestmark = pytest.mark.django_db


def snapshot():
    return sorted(
        Whitelist.objects.values_list("system", "action", "allowed_params", "required_params", "enabled", "description")
    )


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_export_then_import_round_trips(admin_api, fmt):
    allow("CRM", "ADD", {"mail": "email", "when": "datetime"}, ["mail"])
    before = snapshot()
    exported = admin_api.get(f"/api/v1/whitelists/export?format={fmt}")
    assert exported.status_code == 200
    assert exported["Content-Type"].startswith(f"application/{fmt}")
    Whitelist.objects.all().delete()
    imported = admin_api.post(
        f"/api/v1/whitelists/import?format={fmt}", exported.content, content_type=f"application/{fmt}"
    )
    assert imported.status_code == 200, imported.json()
    assert imported.json()["created"] == len(before)
    assert snapshot() == before


def test_reimporting_the_same_document_changes_nothing(admin_api):
    text = admin_api.get("/api/v1/whitelists/export").content
    body = admin_api.post("/api/v1/whitelists/import", text, content_type="application/yaml").json()
    assert body["created"] == 0 and body["updated"] == 0 and body["unchanged"] == Whitelist.objects.count()


BAD_YAML = """\
version: 1
whitelists:
  - system: CRM
    action: ADD
    allowed_params: {mail: email}
  - system: CRM
    action: REMOVE
    allowed_params:
      mail: mailaddress
    required_params: [mail]
"""


def test_an_invalid_import_names_the_entry_key_and_line_and_changes_nothing(admin_api):
    before = snapshot()
    response = admin_api.post("/api/v1/whitelists/import", BAD_YAML, content_type="application/yaml")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors == [
        "whitelists[1].allowed_params (line 8): mail: unknown type 'mailaddress' "
        "(use one of int, string, email, bool, datetime, url)"
    ]
    assert "nothing was changed" in response.json()["detail"]
    assert snapshot() == before
    assert not Whitelist.objects.filter(system="CRM").exists()


def test_broken_yaml_reports_its_line(admin_api):
    response = admin_api.post("/api/v1/whitelists/import", "whitelists:\n  - system: [A\n", content_type="text/yaml")
    assert response.status_code == 400
    assert "line 3" in response.json()["detail"] or "line 2" in response.json()["detail"]


def test_a_json_import_with_a_duplicate_entry_is_rejected(admin_api):
    doc = {"whitelists": [{"system": "A", "action": "X"}, {"system": "a", "action": "x"}]}
    response = admin_api.post("/api/v1/whitelists/import", json.dumps(doc), content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"] == ["whitelists[1]: duplicate of whitelists[0] (A X)"]
    assert not Whitelist.objects.filter(system="A").exists()


def test_replace_deletes_entries_missing_from_the_document(admin_api):
    doc = {"whitelists": [{"system": "ONLY", "action": "ONE"}]}
    body = admin_api.post(
        "/api/v1/whitelists/import?replace=true", json.dumps(doc), content_type="application/json"
    ).json()
    assert body["created"] == 1 and body["deleted"] > 0
    assert list(Whitelist.objects.values_list("system", "action")) == [("ONLY", "ONE")]


def test_the_management_command_exports_and_imports_files(tmp_path):
    allow("CRM", "ADD", {"mail": "email"}, ["mail"])
    target = tmp_path / "wl.json"
    call_command("whitelist", "export", str(target))
    assert {e["system"] for e in json.loads(target.read_text())["whitelists"]} >= {"CRM", "N8N"}
    before = snapshot()
    Whitelist.objects.all().delete()
    call_command("whitelist", "import", str(target))
    assert snapshot() == before


def test_the_management_command_rejects_a_bad_file_and_changes_nothing(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD_YAML)
    before = snapshot()
    with pytest.raises(CommandError, match="nothing was changed"):
        call_command("whitelist", "import", str(bad))
    assert snapshot() == before


def test_yaml_export_is_a_plain_document():
    allow("CRM", "ADD", {"mail": "email"}, ["mail"])
    from apps.whitelists.transfer import export_document

    doc = yaml.safe_load(export_document("yaml"))
    assert doc["version"] == 1
    assert {
        "system": "CRM",
        "action": "ADD",
        "allowed_params": {"mail": "email"},
        "required_params": ["mail"],
        "enabled": True,
        "description": "",
        "fire": "on_arrival",
        "fire_offset_minutes": 0,
    } in doc["whitelists"]
