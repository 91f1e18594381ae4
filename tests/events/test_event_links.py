"""Event links: create, list per event, delete; duplicates 409, self-links 400."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from apps.events.models import EventLink

URL = "/api/v1/event-links"


def test_links_are_created_listed_and_deleted(writer, make_event):
    a, b = make_event("2025-03-10T09:00"), make_event("2025-03-10T11:00")
    created = writer.post(URL, {"source_event_id": a.id, "target_event_id": b.id, "link_type": "follow_up"},
                          format="json")
    assert created.status_code == 201
    link = created.json()
    assert (link["source_event_id"], link["target_event_id"], link["link_type"]) == (a.id, b.id, "follow_up")
    for event in (a, b):
        listed = writer.get(f"/api/v1/events/{event.id}/links").json()
        assert [item["id"] for item in listed["items"]] == [link["id"]]
    assert writer.delete(f"{URL}/{link['id']}").status_code == 204
    assert not EventLink.objects.exists()


def test_a_duplicate_link_is_409(writer, make_event):
    a, b = make_event("2025-03-10T09:00"), make_event("2025-03-10T11:00")
    body = {"source_event_id": a.id, "target_event_id": b.id, "link_type": "next"}
    assert writer.post(URL, body, format="json").status_code == 201
    assert writer.post(URL, body, format="json").status_code == 409
    assert writer.post(URL, {**body, "link_type": "other"}, format="json").status_code == 201


def test_a_self_link_is_400_and_the_database_refuses_it_too(writer, make_event):
    a = make_event("2025-03-10T09:00")
    response = writer.post(URL, {"source_event_id": a.id, "target_event_id": a.id}, format="json")
    assert response.status_code == 400
    try:
        with transaction.atomic():
            EventLink.objects.create(source=a, target=a)
        raised = False
    except IntegrityError:
        raised = True
    assert raised


def test_links_to_unknown_events_are_400(writer, make_event):
    a = make_event("2025-03-10T09:00")
    response = writer.post(URL, {"source_event_id": a.id, "target_event_id": 999999}, format="json")
    assert response.status_code == 400 and "target_event_id" in response.json()
    huge = writer.post(URL, {"source_event_id": a.id, "target_event_id": 10**30}, format="json")
    assert huge.status_code == 400
    assert writer.delete(f"{URL}/{'9' * 40}").status_code == 404
