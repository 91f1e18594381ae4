"""E-mail and event text shows dates as people read them, in the event's zone; webhook bodies keep ISO 8601."""

from __future__ import annotations

from apps.templates.rendering import render_template

TIMED = {"title": "Stand-up", "start_time": "2026-12-07T08:30:00+00:00", "end_time": "2026-12-07T08:45:00+00:00",
         "start_date": None, "end_date": None, "all_day": False, "timezone": "Europe/Berlin"}
ALL_DAY = {"title": "Offsite", "start_time": "2026-12-03T23:00:00+00:00", "end_time": "2026-12-05T23:00:00+00:00",
           "start_date": "2026-12-04", "end_date": "2026-12-06", "all_day": True, "timezone": "Europe/Berlin"}


def email(body: str, event: dict) -> str:
    return render_template({"type": "email", "subject": "s", "body_text": body}, {"event": event})["text"]


def test_a_timed_event_reads_at_its_local_time_with_its_zone_and_has_a_start_date():
    assert email("{{event.start_time}} – {{event.end_time}} on {{event.start_date}}", TIMED) == \
        "Mon 7 Dec 2026, 09:30 Europe/Berlin – Mon 7 Dec 2026, 09:45 Europe/Berlin on Mon 7 Dec 2026"


def test_an_all_day_event_reads_as_its_days_with_the_last_day_inclusive():
    assert email("{{event.start_date}} to {{event.end_date}}", ALL_DAY) == "Fri 4 Dec 2026 to Sat 5 Dec 2026"
    assert email("{{event.start_time}} to {{event.end_time}}", ALL_DAY) == "Fri 4 Dec 2026 to Sat 5 Dec 2026"


def test_an_event_without_a_zone_reads_in_its_calendars_zone():
    out = render_template({"type": "event", "title": "{{event.start_time}}", "description": ""},
                          {"event": {**TIMED, "timezone": ""}, "calendar": {"timezone": "America/New_York"}})
    assert out["title"] == "Mon 7 Dec 2026, 03:30 America/New_York"


def test_a_webhook_body_keeps_iso_8601():
    out = render_template({"type": "webhook", "body_json": '{"at": "{{event.start_time}}"}'}, {"event": TIMED})
    assert out["json"] == '{"at": "2026-12-07T08:30:00+00:00"}'
