"""A new event's checklist typed on the add form: ticked items say when they were done, and a past
entry with every item ticked completes like a live tick."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.contrib.auth import get_user_model

from apps.events.models import Calendar, Event, SubTask
from tests.events.test_admin_entries_take_the_ingest_path import ADD, form

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client):
    client.force_login(get_user_model().objects.create_superuser("boss", "boss@example.com", "a-long-password-1"))
    return client


def items(*rows: tuple[str, bool]) -> dict:
    data = {"sub_tasks-TOTAL_FORMS": str(len(rows))}
    for i, (text, done) in enumerate(rows):
        data.update({f"sub_tasks-{i}-position": str(i), f"sub_tasks-{i}-text": text})
        if done:
            data[f"sub_tasks-{i}-completed"] = "on"
    return data


def test_a_ticked_item_on_a_new_event_gets_its_completion_time(staff, time_machine):
    time_machine.move_to("2026-12-01T10:00:00Z", tick=False)
    Calendar.objects.create(id="work", name="Work", timezone="Europe/Berlin", autocomplete_checklists=False)
    response = staff.post(ADD, form(**items(("Book room", True), ("Send notes", False))))
    assert response.status_code == 302, response.content.decode()[:2000]
    done, open_ = SubTask.objects.order_by("position")
    assert done.completed and done.completed_at == datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    assert not open_.completed and open_.completed_at is None


def test_a_past_entry_with_every_item_ticked_completes_on_an_autocomplete_calendar(staff, time_machine):
    time_machine.move_to("2026-12-08T10:00:00Z", tick=False)
    Calendar.objects.create(id="work", name="Work", timezone="Europe/Berlin", autocomplete_checklists=True)
    response = staff.post(ADD, form(**items(("Book room", True), ("Send notes", True))))
    assert response.status_code == 302
    event = Event.objects.get()
    assert (event.status, event.all_done) == (Event.Status.COMPLETED, True)
