"""POST /api/v1/events: the plugin pipeline, times, all-day dates, auto-plan suggestions."""

from __future__ import annotations

import pytest

from apps.events.models import Calendar, Event
from apps.ingest import pipeline
from apps.ingest.pipeline import EventPlugin, PluginResult

URL = "/api/v1/events"
BODY = {"title": "Planning", "calendar_id": "work", "start_time": "2025-03-10T10:00:00+01:00",
        "end_time": "2025-03-10T11:00:00+01:00"}


class Consumer(EventPlugin):
    name = "test_consumer"

    def process(self, event):
        if event.title.startswith("EAT:"):
            from apps.events.models import Note

            note = Note.objects.create(content=event.title[4:].strip())
            return PluginResult.consume(created={"type": "note", "id": note.pk})
        if event.title.startswith("BAD:"):
            from apps.events.models import Note

            Note.objects.create(content="written before the refusal")
            return PluginResult.reject(event, "BAD: is not allowed here")
        if event.title.startswith("BOOM:"):
            raise RuntimeError("plugin exploded")
        return PluginResult.passthrough(event)


@pytest.fixture
def plugins(monkeypatch):
    monkeypatch.setattr(pipeline, "load_plugins", lambda: [Consumer()])


def test_create_answers_201_with_the_event_in_utc(writer, calendar):
    response = writer.post(URL, BODY, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["start_time"] == "2025-03-10T09:00:00Z"
    assert body["end_time"] == "2025-03-10T10:00:00Z"
    assert body["mode"] == "free" and body["conflicts"] == [] and body["sub_tasks"] == []
    assert Event.objects.get(pk=body["id"]).title == "Planning"


def test_an_unknown_calendar_id_creates_a_local_calendar(writer, db):
    response = writer.post(URL, {**BODY, "calendar_id": "side-project"}, format="json")
    assert response.status_code == 201
    assert Calendar.objects.get(pk="side-project").source == "local"


def test_without_calendar_id_the_default_calendar_is_used(writer, db):
    body = {k: v for k, v in BODY.items() if k != "calendar_id"}
    assert writer.post(URL, body, format="json").json()["calendar_id"] == "default"


def test_a_consumed_entry_answers_202_and_stores_no_event(writer, calendar, plugins):
    response = writer.post(URL, {**BODY, "title": "EAT: remember the milk"}, format="json")
    assert response.status_code == 202
    assert response.json()["consumed_by"] == "test_consumer"
    assert response.json()["created"]["type"] == "note"
    assert not Event.objects.exists()


def test_a_rejected_entry_answers_400_with_the_reason_and_writes_nothing(writer, calendar, plugins):
    from apps.events.models import Note

    response = writer.post(URL, {**BODY, "title": "BAD: thing"}, format="json")
    assert response.status_code == 400
    assert response.json()["detail"] == "BAD: is not allowed here"
    assert not Event.objects.exists() and not Note.objects.exists()


def test_a_failing_plugin_keeps_the_event_flagged_and_audited(writer, calendar, plugins):
    from apps.audit.models import AuditEntry

    response = writer.post(URL, {**BODY, "title": "BOOM: here"}, format="json")
    assert response.status_code == 201
    event = Event.objects.get(pk=response.json()["id"])
    assert "plugin exploded" in event.plugin_error
    assert AuditEntry.objects.filter(action="plugin_error", entity_id=str(event.pk)).exists()


def test_all_day_events_take_dates_and_answer_dates(writer, db):
    Calendar.objects.create(id="home", name="Home", timezone="Europe/Berlin")
    response = writer.post(URL, {"title": "Trip", "calendar_id": "home", "all_day": True,
                                 "start_time": "2025-03-10", "end_time": "2025-03-12"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["start_time"], body["end_time"]) == ("2025-03-10", "2025-03-12")
    event = Event.objects.get(pk=body["id"])
    assert str(event.start_date) == "2025-03-10" and str(event.end_date) == "2025-03-12"
    assert event.timezone == "Europe/Berlin"
    assert event.start_time.isoformat() == "2025-03-09T23:00:00+00:00"  # Berlin midnight in UTC


def test_an_all_day_event_without_end_lasts_one_day(writer, calendar):
    body = writer.post(URL, {"title": "Day off", "calendar_id": "work", "all_day": True,
                             "start_time": "2025-03-10"}, format="json").json()
    assert body["end_time"] == "2025-03-11"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"start_time": "2025-03-10T10:00:00"}, "start_time"),  # naive
        ({"end_time": "2025-03-10T09:00:00+01:00"}, "end_time"),  # end before start
        ({"priority": "CRITICAL"}, "priority"),
        ({"event_type": "party"}, "event_type"),
        ({"status": "done"}, "status"),
        ({"mode": "chaos"}, "mode"),
        ({"title": "x" * 501}, "title"),
        ({"title": ""}, "title"),
        ({"description": "é" * 40000}, "description"),  # 80,000 bytes > 64 KiB
        ({"start_time": "9999-12-31T23:59:59Z", "end_time": "9999-12-31T23:59:59Z"}, "start_time"),
        ({"start_time": "0001-01-01T00:00:00Z"}, "start_time"),
        ({"start_time": "not a date"}, "start_time"),
        ({"start_time": "2025-03-10"}, "start_time"),  # a date for a timed event
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"calendar_id": "has spaces"}, "calendar_id"),
        ({"tags": "notalist"}, "tags"),
    ],
)
def test_bad_input_is_a_clear_400(writer, calendar, change, field):
    response = writer.post(URL, {**BODY, **change}, format="json")
    assert response.status_code == 400, response.content
    body = response.json()
    assert field in body and body["detail"]
    assert not Event.objects.exists()


def test_an_all_day_event_whose_end_is_not_after_start_is_refused(writer, calendar):
    response = writer.post(URL, {"title": "x", "calendar_id": "work", "all_day": True,
                                 "start_time": "2025-03-10", "end_time": "2025-03-10"}, format="json")
    assert response.status_code == 400 and "end_time" in response.json()


def test_priority_and_types_are_matched_case_insensitively(writer, calendar):
    body = writer.post(URL, {**BODY, "priority": "high", "event_type": "TASK"}, format="json").json()
    assert (body["priority"], body["event_type"]) == ("HIGH", "task")


def test_sub_tasks_given_on_create_are_stored_in_order(writer, calendar):
    body = writer.post(URL, {**BODY, "sub_tasks": [{"text": "one"}, {"text": "two", "completed": True}]},
                       format="json").json()
    assert [s["text"] for s in body["sub_tasks"]] == ["one", "two"]
    assert body["all_done"] is False


def test_auto_plan_collision_answers_201_with_suggestions(writer, db):
    Calendar.objects.create(id="plan", name="Plan", default_mode="auto_plan", timezone="UTC",
                            working_hours={d: ["08:00", "18:00"] for d in ("mon", "tue", "wed", "thu", "fri")})
    first = writer.post(URL, {**BODY, "calendar_id": "plan"}, format="json")
    assert first.status_code == 201 and "suggestions" not in first.json()
    second = writer.post(URL, {**BODY, "calendar_id": "plan", "title": "Clash"}, format="json")
    assert second.status_code == 201
    body = second.json()
    assert body["conflicts"] == [first.json()["id"]]
    assert body["suggestions"], body
    for slot in body["suggestions"]:
        assert slot["start_time"].endswith("Z") and slot["end_time"] > slot["start_time"]


@pytest.mark.parametrize("body", [b'{"title": NaN}', b'{"title": "x", "end_time": Infinity}', b'{"title": ',
                                  b"\xff\xfe{}", b'["a list"]', b'"text"'])
def test_a_malformed_or_non_object_json_body_is_400_and_stores_nothing(writer, calendar, body):
    response = writer.generic("POST", URL, body, content_type="application/json")
    assert response.status_code == 400, response.content
    assert "detail" in response.json() or "non_field_errors" in response.json()
    assert not Event.objects.exists()


def test_a_form_encoded_body_is_415(writer, calendar):
    response = writer.post(URL, "title=x", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415
    assert not Event.objects.exists()


def test_a_json_body_with_a_charset_is_read_like_any_other(writer, calendar):
    import json

    response = writer.generic("POST", URL, json.dumps({**BODY, "title": "Caf\u00e9"}).encode(),
                              content_type="application/json; charset=utf-8")
    assert response.status_code == 201, response.content
    assert Event.objects.get().title == "Caf\u00e9"
