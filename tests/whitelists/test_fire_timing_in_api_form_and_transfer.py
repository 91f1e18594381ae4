"""fire / fire_offset_minutes: set through the API, the admin form and import/export, checked everywhere."""

from __future__ import annotations

import pytest
import yaml

from apps.whitelists.admin import WhitelistForm
from apps.whitelists.models import Whitelist

pytestmark = pytest.mark.django_db
ENTRY = {"system": "N8N", "action": "BACKUP", "allowed_params": {"keep": "int"}, "required_params": []}


def backup():
    return Whitelist.objects.filter(system="N8N", action="BACKUP")


def test_the_api_takes_and_answers_the_timing(admin_api):
    response = admin_api.post("/api/v1/whitelists", {**ENTRY, "fire": "at_start", "fire_offset_minutes": -10},
                              format="json")

    assert response.status_code == 201, response.content
    assert (response.json()["fire"], response.json()["fire_offset_minutes"]) == ("at_start", -10)
    entry = backup().get()
    assert (entry.fire, entry.fire_offset_minutes) == ("at_start", -10)


def test_the_api_defaults_to_on_arrival(admin_api):
    body = admin_api.post("/api/v1/whitelists", ENTRY, format="json").json()
    assert (body["fire"], body["fire_offset_minutes"]) == ("on_arrival", 0)


@pytest.mark.parametrize(("payload", "field", "message"), [
    ({"fire": "at_noon"}, "fire", '"at_noon" is not a valid choice.'),
    ({"fire": "at_end", "fire_offset_minutes": "soon"}, "fire_offset_minutes", "A valid integer is required."),
    ({"fire": "on_arrival", "fire_offset_minutes": 5}, "fire_offset_minutes",
     "only an entry that fires at_start or at_end takes an offset"),
    ({"fire": "at_start", "fire_offset_minutes": 10**6}, "fire_offset_minutes", "must be between -527040 and 527040"),
])
def test_the_api_refuses_a_bad_timing_with_the_reason(admin_api, payload, field, message):
    response = admin_api.post("/api/v1/whitelists", {**ENTRY, **payload}, format="json")

    assert response.status_code == 400
    assert response.json()[field] == [message]
    assert not backup().exists()


def test_the_admin_form_offers_and_checks_the_timing():
    data = {"system": "n8n", "action": "backup", "allowed_params": '{"keep": "int"}', "required_params": "[]",
            "enabled": True, "description": ""}
    good = WhitelistForm(data={**data, "fire": "at_end", "fire_offset_minutes": "15"})
    assert good.is_valid(), good.errors
    assert (good.save().fire, backup().get().fire_offset_minutes) == ("at_end", 15)

    bad = WhitelistForm(data={**data, "action": "other", "fire": "on_arrival", "fire_offset_minutes": "15"})
    assert not bad.is_valid()
    assert bad.errors["fire_offset_minutes"] == ["only an entry that fires at_start or at_end takes an offset"]


def test_export_and_import_carry_the_timing(admin_api):
    admin_api.post("/api/v1/whitelists", {**ENTRY, "fire": "at_start", "fire_offset_minutes": -10}, format="json")
    exported = admin_api.get("/api/v1/whitelists/export?format=yaml").content
    doc = yaml.safe_load(exported)
    mine = next(e for e in doc["whitelists"] if e["action"] == "BACKUP")
    assert (mine["fire"], mine["fire_offset_minutes"]) == ("at_start", -10)

    Whitelist.objects.all().delete()
    imported = admin_api.post("/api/v1/whitelists/import?format=yaml", exported, content_type="application/yaml")
    assert imported.status_code == 200, imported.content
    assert backup().values_list("fire", "fire_offset_minutes").get() == ("at_start", -10)


def test_import_refuses_an_unknown_timing_and_writes_nothing(admin_api):
    doc = yaml.safe_dump({"version": 1, "whitelists": [{**ENTRY, "fire": "sometimes"}]})

    response = admin_api.post("/api/v1/whitelists/import?format=yaml", doc, content_type="application/yaml")

    assert response.status_code == 400
    assert "whitelists[0].fire (line 6): must be one of on_arrival, at_start, at_end" in response.json()["detail"]
    assert not backup().exists()
