"""Every events endpoint refuses a key without its scope (403) and a missing key (401)."""

from __future__ import annotations

import pytest

from tests.events.factories import CalendarFactory, EventFactory, EventLinkFactory, NoteFactory, SubTaskFactory


@pytest.fixture
def objects(db):
    calendar = CalendarFactory(id="work")
    event = EventFactory(calendar=calendar)
    other = EventFactory(calendar=calendar)
    return {"event": event, "other": other, "sub": SubTaskFactory(event=event),
            "link": EventLinkFactory(source=event, target=other), "note": NoteFactory()}


def endpoints(o):
    e, s, link = o["event"].id, o["sub"].id, o["link"].id
    body = {"title": "x", "start_time": "2025-03-10T09:00:00Z", "end_time": "2025-03-10T10:00:00Z"}
    return [
        ("get", "/api/v1/events", None, "events.read"),
        ("get", f"/api/v1/events/{e}", None, "events.read"),
        ("get", f"/api/v1/events/{e}/links", None, "events.read"),
        ("get", "/api/v1/events/export.ics", None, "events.read"),
        ("get", "/api/v1/notes", None, "events.read"),
        ("get", "/api/v1/urls", None, "events.read"),
        ("get", "/api/v1/calendars", None, "events.read"),
        ("get", "/api/v1/calendars/work", None, "events.read"),
        ("post", "/api/v1/events", body, "events.write"),
        ("put", f"/api/v1/events/{e}", body, "events.write"),
        ("patch", f"/api/v1/events/{e}", {"title": "y"}, "events.write"),
        ("post", f"/api/v1/events/{e}/sub_tasks", {"text": "a"}, "events.write"),
        ("patch", f"/api/v1/events/{e}/sub_tasks/{s}", {"completed": True}, "events.write"),
        ("delete", f"/api/v1/events/{e}/sub_tasks/{s}", None, "events.write"),
        ("post", "/api/v1/event-links", {"source_event_id": e, "target_event_id": o["other"].id,
                                         "link_type": "next"}, "events.write"),
        ("delete", f"/api/v1/event-links/{link}", None, "events.write"),
        ("post", "/api/v1/calendars", {"id": "new", "name": "New"}, "admin"),
        ("patch", "/api/v1/calendars/work", {"name": "W"}, "admin"),
        ("delete", f"/api/v1/events/{e}", None, "events.write"),
        ("delete", "/api/v1/calendars/work", None, "admin"),
    ]


def test_each_endpoint_refuses_a_key_without_its_scope(api, objects):
    # The wrong key holds every scope except the one the endpoint needs (and admin).
    from apps.core.scopes import ALL_SCOPES

    for method, url, body, scope in endpoints(objects):
        others = [s for s in ALL_SCOPES if s not in (scope, "admin")]
        client = api(scopes=others)
        response = getattr(client, method)(url, body, format="json") if body else getattr(client, method)(url)
        assert response.status_code == 403, (method, url, response.status_code)
        assert scope in response.json()["detail"]


def test_each_endpoint_accepts_a_key_with_its_scope(api, objects):
    for method, url, body, scope in endpoints(objects):
        client = api(scopes=[scope])
        response = getattr(client, method)(url, body, format="json") if body else getattr(client, method)(url)
        assert response.status_code < 400, (method, url, response.status_code, response.content[:200])


def test_no_key_is_401(client, objects):
    assert client.get("/api/v1/events").status_code == 401
    assert client.get("/api/v1/events/export.ics").status_code == 401
