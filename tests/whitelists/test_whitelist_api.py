from __future__ import annotations

import pytest

from apps.whitelists.models import Whitelist

pytestmark = pytest.mark.django_db
ENTRY = {
    "system": "crm",
    "action": "add_contact",
    "allowed_params": {"mail": "email", "vip": "bool"},
    "required_params": ["mail"],
    "enabled": True,
}


def test_an_admin_creates_reads_updates_and_deletes_an_entry(admin_api):
    created = admin_api.post("/api/v1/whitelists", ENTRY, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["system"], body["action"]) == ("CRM", "ADD_CONTACT")
    assert admin_api.get(f"/api/v1/whitelists/{body['id']}").json()["allowed_params"] == ENTRY["allowed_params"]
    patched = admin_api.patch(f"/api/v1/whitelists/{body['id']}", {"enabled": False}, format="json")
    assert patched.json()["enabled"] is False
    assert admin_api.get("/api/v1/whitelists?system=crm").json()["total_count"] == 1
    assert admin_api.delete(f"/api/v1/whitelists/{body['id']}").status_code == 204
    assert not Whitelist.objects.filter(system="CRM").exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"allowed_params": {"mail": "mail"}}, "allowed_params"),
        ({"allowed_params": {"bad name": "string"}}, "allowed_params"),
        ({"required_params": ["phone"]}, "required_params"),
        ({"system": ""}, "system"),
        ({"required_params": "mail"}, "required_params"),
    ],
)
def test_an_invalid_entry_is_400(admin_api, change, field):
    response = admin_api.post("/api/v1/whitelists", {**ENTRY, **change}, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Whitelist.objects.filter(system="CRM").exists()


def test_a_duplicate_system_and_action_is_400_whatever_the_case(admin_api):
    admin_api.post("/api/v1/whitelists", ENTRY, format="json")
    response = admin_api.post("/api/v1/whitelists", {**ENTRY, "system": "CRM", "action": "Add_Contact"}, format="json")
    assert response.status_code == 400
    assert response.json()["action"] == ["an entry for CRM ADD_CONTACT already exists"]


def test_whitelists_need_the_admin_scope(api):
    assert api(scopes=["commands.manage"]).get("/api/v1/whitelists").status_code == 403


def test_the_defaults_ship_with_the_migrations(admin_api):
    pairs = {(e["system"], e["action"]) for e in admin_api.get("/api/v1/whitelists?page_size=500").json()["items"]}
    assert {("N8N", "TRIGGER_WORKFLOW"), ("TELEGRAM", "SEND_MESSAGE"), ("SMTP", "SEND_EMAIL")} <= pairs
    smtp = Whitelist.objects.get(system="SMTP", action="SEND_EMAIL")
    assert smtp.allowed_params["to"] == "email" and smtp.required_params == ["to"]
