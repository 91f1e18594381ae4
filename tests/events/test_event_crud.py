"""GET/PUT/PATCH/DELETE /api/v1/events/{id}, bad ids, and the audit entries they leave."""

from __future__ import annotations

import pytest

from apps.audit.models import AuditEntry
from apps.events.models import Event, SubTask

URL = "/api/v1/events"


def test_get_returns_the_event(reader, make_event):
    event = make_event("2025-03-10T09:00", title="Read me")
    body = reader.get(f"{URL}/{event.id}").json()
    assert body["title"] == "Read me" and body["start_time"] == "2025-03-10T09:00:00Z"


@pytest.mark.parametrize("bad", ["0", "99999999", "9" * 30, "-1", "abc", "1e9"])
def test_unknown_or_absurd_ids_are_404(reader, db, bad):
    response = reader.get(f"{URL}/{bad}")
    assert response.status_code == 404
    assert response.json()["detail"]


def test_put_replaces_and_patch_changes_fields(writer, make_event):
    event = make_event("2025-03-10T09:00")
    put = writer.put(f"{URL}/{event.id}", {"title": "New", "start_time": "2025-03-11T08:00:00+02:00",
                                           "end_time": "2025-03-11T09:00:00+02:00", "priority": "URGENT"},
                     format="json")
    assert put.status_code == 200, put.content
    assert put.json()["start_time"] == "2025-03-11T06:00:00Z" and put.json()["priority"] == "URGENT"
    patch = writer.patch(f"{URL}/{event.id}", {"status": "completed"}, format="json")
    assert patch.json()["status"] == "completed" and patch.json()["title"] == "New"


def test_patching_only_the_start_keeps_the_duration(writer, make_event):
    event = make_event("2025-03-10T09:00", minutes=45)
    body = writer.patch(f"{URL}/{event.id}", {"start_time": "2025-03-10T12:00:00Z"}, format="json").json()
    assert body["end_time"] == "2025-03-10T12:45:00Z"


def test_a_patch_that_puts_the_end_before_the_start_is_400_and_changes_nothing(writer, make_event):
    event = make_event("2025-03-10T09:00")
    response = writer.patch(f"{URL}/{event.id}", {"end_time": "2025-03-10T08:00:00Z"}, format="json")
    assert response.status_code == 400
    event.refresh_from_db()
    assert event.end_time.isoformat() == "2025-03-10T10:00:00+00:00"


def test_patching_to_all_day_turns_times_into_dates(writer, make_event):
    event = make_event("2025-03-10T09:00")
    body = writer.patch(f"{URL}/{event.id}", {"all_day": True}, format="json").json()
    assert (body["start_time"], body["end_time"]) == ("2025-03-10", "2025-03-11")


def test_put_can_replace_the_checklist(writer, make_event):
    event = make_event("2025-03-10T09:00")
    whole = {"title": "With list", "start_time": "2025-03-10T09:00:00Z", "end_time": "2025-03-10T10:00:00Z"}
    created = writer.put(f"{URL}/{event.id}", {**whole, "sub_tasks": [{"text": "a"}, {"text": "b"}]}, format="json")
    assert created.status_code == 200, created.content
    first = created.json()["sub_tasks"][0]
    replaced = writer.put(f"{URL}/{event.id}", {**whole, "sub_tasks": [{"id": first["id"], "text": "a", "completed": True}]},
                          format="json")
    assert replaced.status_code == 200, replaced.content
    body = replaced.json()
    assert [(s["id"], s["text"], s["completed"]) for s in body["sub_tasks"]] == [(first["id"], "a", True)]
    assert body["all_done"] is True
    assert SubTask.objects.filter(event_id=event.id).count() == 1


def test_delete_removes_the_event(writer, make_event):
    event = make_event("2025-03-10T09:00")
    assert writer.delete(f"{URL}/{event.id}").status_code == 204
    assert not Event.objects.filter(pk=event.id).exists()
    assert writer.delete(f"{URL}/{event.id}").status_code == 404


def test_create_update_and_delete_through_the_api_are_audited(writer, calendar):
    created = writer.post(URL, {"title": "Audited", "calendar_id": "work", "start_time": "2025-03-10T09:00:00Z",
                                "end_time": "2025-03-10T10:00:00Z"}, format="json").json()
    writer.patch(f"{URL}/{created['id']}", {"title": "Audited twice"}, format="json")
    writer.delete(f"{URL}/{created['id']}")
    entries = AuditEntry.objects.filter(entity="event", entity_id=str(created["id"])).order_by("id")
    assert [e.action for e in entries] == ["create", "update", "delete"]
    assert entries[1].changes["title"] == ["Audited", "Audited twice"]
    assert all(e.actor.startswith("key:") for e in entries)
