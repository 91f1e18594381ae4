"""GET /api/v1/actions?state=&start=&end= lists timed actions by fire_at."""

from __future__ import annotations

from datetime import timedelta

from apps.commands.timed import fire_due
from tests.actions.conftest import SUNDAY_2AM, iso

URL = "/api/v1/actions"


def _two_entries(timed, create_entry):
    timed("at_start", -10)
    first = create_entry("ACTION: BACKUP N8N keep=3", SUNDAY_2AM, SUNDAY_2AM + timedelta(hours=1)).json()["id"]
    later = SUNDAY_2AM + timedelta(days=1)
    second = create_entry("ACTION: BACKUP N8N keep=4", later, later + timedelta(hours=1)).json()["id"]
    return first, second


def test_it_lists_scheduled_and_fired_actions_with_their_command(clock, timed, create_entry, api):
    first, second = _two_entries(timed, create_entry)
    clock.move_to(SUNDAY_2AM)
    fire_due()
    reader = api(scopes=["commands.read"])

    body = reader.get(URL).json()

    assert body["total_count"] == 2
    fired, scheduled = body["items"]
    assert (fired["event_id"], fired["state"], fired["fire_at"]) == (first, "fired", "2027-01-03T01:50:00Z")
    assert fired["command_id"] is not None
    assert fired["occurrence_start"] == "2027-01-03T02:00:00Z"
    assert (fired["command"], fired["target_system"], fired["parameters"]) == ("BACKUP", "N8N", {"keep": 3})
    assert fired["idempotency_key"] == f"event:{first}:20270103T020000Z"
    assert (scheduled["event_id"], scheduled["state"], scheduled["command_id"]) == (second, "scheduled", None)
    command = reader.get(f"/api/v1/commands/{fired['command_id']}/detail").json()
    assert command["context"]["event_id"] == first


def test_it_filters_by_state_and_fire_at_window(clock, timed, create_entry, api):
    _, second = _two_entries(timed, create_entry)
    reader = api(scopes=["commands.read"])

    assert [a["event_id"] for a in reader.get(URL, {"start": iso(SUNDAY_2AM)}).json()["items"]] == [second]
    assert reader.get(URL, {"end": iso(SUNDAY_2AM - timedelta(minutes=10))}).json()["items"] == []
    assert reader.get(URL, {"state": "fired"}).json()["total_count"] == 0
    assert reader.get(URL, {"state": "scheduled"}).json()["total_count"] == 2


def test_bad_filters_are_400_with_the_reason(api, db):
    reader = api(scopes=["commands.read"])

    response = reader.get(URL, {"state": "later", "start": "2027-01-03T02:00:00"})

    assert response.status_code == 400
    body = response.json()
    assert body["state"] == ["must be one of scheduled, fired, skipped, cancelled"]
    assert body["start"] == ["2027-01-03T02:00:00 has no UTC offset; add Z or +HH:MM."]


def test_it_needs_the_commands_read_scope(api, db):
    assert api(scopes=["events.read"]).get(URL).status_code == 403
