from __future__ import annotations

from django_q.models import Schedule

from apps.core import schedules
from apps.sync.schedules import SCHEDULE_NAME


def test_the_periodic_sync_is_declared_once_with_the_configured_interval(db):
    schedules.ensure_all()
    schedules.ensure_all()  # a worker restart

    rows = Schedule.objects.filter(name=SCHEDULE_NAME)
    assert rows.count() == 1
    row = rows.get()
    assert (row.func, row.schedule_type, row.minutes, row.repeats) == (
        "apps.sync.tasks.sync_all", Schedule.MINUTES, 5, -1)


def test_the_scheduled_task_syncs_every_enabled_syncable_calendar(fake_google, google_calendar):
    from apps.events.models import Calendar
    from apps.sync.models import SyncRun
    from apps.sync.tasks import sync_all

    Calendar.objects.create(id="off", name="Off", source="google", external_id="off@example.com", enabled=False)
    Calendar.objects.create(id="home", name="Home", source="local")

    done = sync_all()

    assert done == {"work": "succeeded"}
    assert SyncRun.objects.get().trigger == "schedule"
