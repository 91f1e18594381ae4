"""Idempotency-Key on the create endpoints of events, links and calendars."""

from __future__ import annotations

from apps.events.models import Event, EventLink, SubTask

BODY = {"title": "Once", "calendar_id": "work", "start_time": "2025-03-10T09:00:00Z",
        "end_time": "2025-03-10T10:00:00Z"}


def test_a_replay_with_the_same_key_and_body_returns_the_first_answer(writer, calendar):
    first = writer.post("/api/v1/events", BODY, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = writer.post("/api/v1/events", BODY, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert again["Idempotent-Replayed"] == "true"
    assert Event.objects.count() == 1


def test_the_same_key_with_another_body_is_422(writer, calendar):
    writer.post("/api/v1/events", BODY, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    response = writer.post("/api/v1/events", {**BODY, "title": "Other"}, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    assert response.status_code == 422
    assert Event.objects.count() == 1


def test_a_refused_create_does_not_burn_the_key(writer, calendar):
    bad = writer.post("/api/v1/events", {**BODY, "end_time": "2025-03-10T08:00:00Z"}, format="json",
                      HTTP_IDEMPOTENCY_KEY="k-3")
    assert bad.status_code == 400
    good = writer.post("/api/v1/events", {**BODY, "end_time": "2025-03-10T08:00:00Z"}, format="json",
                       HTTP_IDEMPOTENCY_KEY="k-3")
    assert good.status_code == 400  # same body, evaluated again rather than replayed from a stored error
    assert Event.objects.count() == 0


def test_links_and_sub_tasks_honour_the_key(writer, make_event):
    a, b = make_event("2025-03-10T09:00"), make_event("2025-03-10T11:00")
    link = {"source_event_id": a.id, "target_event_id": b.id, "link_type": "next"}
    first = writer.post("/api/v1/event-links", link, format="json", HTTP_IDEMPOTENCY_KEY="l-1")
    again = writer.post("/api/v1/event-links", link, format="json", HTTP_IDEMPOTENCY_KEY="l-1")
    assert first.status_code == again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert EventLink.objects.count() == 1
    for _ in range(2):
        writer.post(f"/api/v1/events/{a.id}/sub_tasks", {"text": "once"}, format="json", HTTP_IDEMPOTENCY_KEY="s-1")
    assert SubTask.objects.filter(event=a).count() == 1
