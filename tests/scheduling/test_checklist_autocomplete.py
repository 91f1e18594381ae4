"""An event whose end passed and whose sub-tasks are all done becomes completed."""

from __future__ import annotations

import time_machine

from apps.audit.models import AuditEntry
from apps.events.checklists import autocomplete_due, maybe_autocomplete
from apps.events.models import Event, SubTask
from tests.scheduling.conftest import utc


def with_tasks(event, cal, *done, **fields):
    ev = event(cal, utc(2025, 3, 3, 9), utc(2025, 3, 3, 10), **fields)
    for i, flag in enumerate(done):
        SubTask.objects.create(event=ev, text=f"step {i}", position=i, completed=flag)
    return ev


def test_ticking_the_last_box_after_the_end_completes_the_event(calendar, event):
    ev = with_tasks(event, calendar("work"), True, True)
    with time_machine.travel(utc(2025, 3, 3, 10, 1), tick=False):
        assert maybe_autocomplete(ev) is True
    ev.refresh_from_db()
    assert ev.status == Event.Status.COMPLETED and ev.all_done is True
    change = AuditEntry.objects.get(entity="event", entity_id=str(ev.pk), action="update")
    assert change.changes["status"] == ["scheduled", "completed"]


def test_nothing_happens_before_the_end(calendar, event):
    ev = with_tasks(event, calendar("work"), True)
    with time_machine.travel(utc(2025, 3, 3, 9, 59), tick=False):
        assert maybe_autocomplete(ev) is False
    ev.refresh_from_db()
    assert ev.status == Event.Status.SCHEDULED


def test_open_boxes_empty_checklists_and_opted_out_calendars_stay_open(calendar, event):
    cal = calendar("work")
    open_box = with_tasks(event, cal, True, False)
    empty = with_tasks(event, cal)
    opted_out = with_tasks(event, calendar("home", autocomplete_checklists=False), True)
    cancelled = with_tasks(event, cal, True, status=Event.Status.CANCELLED)
    now = utc(2025, 3, 4)
    assert [maybe_autocomplete(e, now=now) for e in (open_box, empty, opted_out, cancelled)] == [False] * 4
    assert set(Event.objects.values_list("status", flat=True)) == {"scheduled", "cancelled"}


def test_the_periodic_task_completes_events_whose_end_passed(calendar, event):
    cal = calendar("work")
    due = with_tasks(event, cal, True, True)
    still_open = with_tasks(event, cal, True, False)
    future = event(cal, utc(2025, 3, 5, 9), utc(2025, 3, 5, 10))
    SubTask.objects.create(event=future, text="x", completed=True)
    with time_machine.travel(utc(2025, 3, 4, 8), tick=False):
        assert autocomplete_due() == 1
        assert autocomplete_due() == 0
    statuses = dict(Event.objects.values_list("id", "status"))
    assert statuses == {due.pk: "completed", still_open.pk: "scheduled", future.pk: "scheduled"}
    assert AuditEntry.objects.get(entity_id=str(due.pk), action="update").actor == "worker:checklists"


def test_the_periodic_task_is_declared():
    from apps.core.schedules import declared
    from apps.events import schedules  # noqa: F401

    assert any(d.func == "apps.events.checklists.autocomplete_due" for d in declared())
