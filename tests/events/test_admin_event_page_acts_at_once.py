"""The event page: conflicts as links, free slots with 'move here', a checklist that saves at once."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from apps.audit.models import AuditEntry
from apps.events.models import Calendar, Event, SubTask

pytestmark = pytest.mark.django_db


@pytest.fixture
def root(client):
    client.force_login(get_user_model().objects.create_superuser("root", "root@example.com", "a-long-password"))
    return client


def make(cal, title, start, minutes=30, **kw):
    return Event.objects.create(calendar=cal, title=title, start_time=start,
                                end_time=start + timedelta(minutes=minutes), timezone=cal.timezone, **kw)


def test_conflicts_are_links_with_titles_and_times(root):
    cal = Calendar.objects.create(id="b", name="Berlin", timezone="Europe/Berlin")
    a = make(cal, "Stand-up", datetime(2026, 12, 7, 8, 30, tzinfo=UTC))
    b = make(cal, "Dentist", datetime(2026, 12, 7, 8, 45, tzinfo=UTC))
    page = root.get(f"/admin/events/event/{a.pk}/change/").content.decode()
    assert f'<a href="/admin/events/event/{b.pk}/change/">Dentist</a> — Mon 07 Dec 2026 09:45 Europe/Berlin' in page
    listing = root.get("/admin/events/event/").content.decode()
    assert f'<a href="/admin/events/event/{b.pk}/change/">Dentist</a>' in listing
    assert f"#{b.pk}" not in listing


def test_auto_plan_offers_slots_and_move_here_moves_the_event_audited(root):
    cal = Calendar.objects.create(id="p", name="Plan", timezone="Europe/Berlin", default_mode="auto_plan")
    make(cal, "Busy", datetime(2099, 12, 7, 9, 0, tzinfo=UTC), 60)
    event = make(cal, "Mover", datetime(2099, 12, 7, 9, 0, tzinfo=UTC))
    page = root.get(f"/admin/events/event/{event.pk}/change/").content.decode()
    assert "Move here: Mon 07 Dec 2099 11:00 Europe/Berlin" in page
    response = root.post(f"/admin/events/event/{event.pk}/slot/",
                         {"action": "confirm", "start_time": "2099-12-07T11:00:00+01:00"}, follow=True)
    event.refresh_from_db()
    assert event.start_time == datetime(2099, 12, 7, 10, 0, tzinfo=UTC)
    assert "Moved to Mon 07 Dec 2099 11:00 Europe/Berlin." in response.content.decode()
    assert AuditEntry.objects.filter(action="reschedule", entity_id=str(event.pk), actor_name="root").exists()


def test_keep_it_here_records_the_rejection(root):
    cal = Calendar.objects.create(id="p", name="Plan", timezone="Europe/Berlin", default_mode="auto_plan")
    event = make(cal, "Mover", datetime(2099, 12, 7, 9, 0, tzinfo=UTC))
    root.post(f"/admin/events/event/{event.pk}/slot/", {"action": "reject", "start_time": "2099-12-07T11:00:00+01:00"})
    assert AuditEntry.objects.filter(action="reschedule_reject", entity_id=str(event.pk)).exists()
    event.refresh_from_db()
    assert event.start_time == datetime(2099, 12, 7, 9, 0, tzinfo=UTC)


def post(client, event, body):
    return client.post(f"/admin/events/event/{event.pk}/checklist/", json.dumps(body), content_type="application/json")


def test_the_checklist_saves_each_change_at_once_and_autocompletes(root):
    cal = Calendar.objects.create(id="b", name="Berlin", timezone="Europe/Berlin")
    event = make(cal, "Past", timezone.now() - timedelta(hours=2))
    first = post(root, event, {"op": "add", "text": "Book room"}).json()
    second = post(root, event, {"op": "add", "text": "Send notes"}).json()
    ids = [item["id"] for item in second["items"]]
    assert [i["text"] for i in second["items"]] == ["Book room", "Send notes"] and first["status"] == "scheduled"
    body = post(root, event, {"op": "order", "order": list(reversed(ids))}).json()
    assert [i["text"] for i in body["items"]] == ["Send notes", "Book room"]
    post(root, event, {"op": "tick", "id": ids[0], "completed": True})
    body = post(root, event, {"op": "tick", "id": ids[1], "completed": True}).json()
    assert all(i["completed"] and i["completed_at"].endswith("Europe/Berlin") for i in body["items"])
    assert (body["status"], body["all_done"]) == ("completed", True)
    assert SubTask.objects.filter(event=event, completed=True).count() == 2


def test_the_checklist_refuses_bad_input_by_name(root):
    cal = Calendar.objects.create(id="b", name="Berlin", timezone="Europe/Berlin")
    event = make(cal, "E", datetime(2099, 1, 1, tzinfo=UTC))
    response = post(root, event, {"op": "add", "text": ""})
    assert response.status_code == 400 and response.json() == {"detail": "text: 1 to 500 characters."}
    assert post(root, event, {"op": "explode"}).status_code == 400
    assert not SubTask.objects.exists()
