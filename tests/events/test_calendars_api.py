"""/api/v1/calendars: read with events.read, write with admin; working hours and zones checked."""

from __future__ import annotations

import pytest

from apps.events.models import Calendar


def test_admin_creates_reads_updates_and_deletes_a_calendar(admin_api, db):
    created = admin_api.post("/api/v1/calendars", {"id": "team", "name": "Team", "timezone": "Europe/Berlin",
                                                   "working_hours": {"mon": ["08:00", "16:00"]}}, format="json")
    assert created.status_code == 201, created.content
    assert admin_api.get("/api/v1/calendars/team").json()["timezone"] == "Europe/Berlin"
    patched = admin_api.patch("/api/v1/calendars/team", {"default_mode": "auto_plan"}, format="json")
    assert patched.json()["default_mode"] == "auto_plan"
    assert admin_api.delete("/api/v1/calendars/team").status_code == 204
    assert not Calendar.objects.filter(pk="team").exists()


def test_an_id_is_made_from_the_name_when_missing(admin_api, db):
    assert admin_api.post("/api/v1/calendars", {"name": "My Stuff"}, format="json").json()["id"] == "my-stuff"


@pytest.mark.parametrize(
    "change",
    [
        {"timezone": "Nowhere/Land"},
        {"working_hours": {"funday": ["09:00", "17:00"]}},
        {"working_hours": {"mon": ["17:00", "09:00"]}},
        {"working_hours": {"mon": ["9am", "5pm"]}},
        {"working_hours": "always"},
        {"source": "outlook"},
        {"default_mode": "whatever"},
        {"id": "bad id!"},
    ],
)
def test_bad_calendars_are_400(admin_api, db, change):
    response = admin_api.post("/api/v1/calendars", {"id": "x", "name": "X", **change}, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["detail"]


def test_a_duplicate_id_is_refused(admin_api, calendar):
    assert admin_api.post("/api/v1/calendars", {"id": "work", "name": "Again"}, format="json").status_code == 400


def test_an_unknown_calendar_is_404(reader, db):
    assert reader.get("/api/v1/calendars/none").status_code == 404
