from __future__ import annotations

from datetime import timedelta

from apps.events.models import Calendar
from apps.sync.freebusy import query
from tests.sync.conftest import GOOGLE_ID, NOW


def test_busy_times_come_from_google_for_attendees_with_a_synced_calendar(fake_google, google_calendar):
    fake_google.add_event(GOOGLE_ID, "Busy", NOW + timedelta(hours=1), NOW + timedelta(hours=2))
    Calendar.objects.create(id="ghost", name="Ghost", source="google", external_id="ghost@example.com")

    result = query(attendees=[GOOGLE_ID, "ghost@example.com", "local@example.com"], start=NOW,
                   end=NOW + timedelta(days=1))

    assert result.busy == {GOOGLE_ID: [(NOW + timedelta(hours=1), NOW + timedelta(hours=2))]}
    assert result.unknown == ["ghost@example.com"] and "notFound" in result.errors["ghost@example.com"]
    assert "local@example.com" not in result.busy and "local@example.com" not in result.unknown


def test_unreachable_google_makes_the_attendees_unknown(fake_google, google_calendar):
    fake_google.fail_next(10, status=503)
    result = query(attendees=[GOOGLE_ID], start=NOW, end=NOW + timedelta(days=1))
    assert result.busy == {} and result.unknown == [GOOGLE_ID] and "503" in result.errors[GOOGLE_ID]
