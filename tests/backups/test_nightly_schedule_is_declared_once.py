from __future__ import annotations

import pytest
from django_q.models import Schedule

from apps.backups import schedules as backup_schedules
from apps.core import schedules

pytestmark = pytest.mark.django_db


def test_the_nightly_backup_schedule_is_created_once_even_when_the_worker_starts_twice():
    schedules.ensure_all()
    schedules.ensure_all()

    rows = Schedule.objects.filter(name=backup_schedules.NAME)
    assert rows.count() == 1
    row = rows.get()
    assert row.func == "apps.backups.tasks.scheduled_backup"
    assert row.schedule_type == Schedule.CRON and row.cron == "0 2 * * *"
    assert row.repeats == -1


def test_a_changed_cron_updates_the_existing_schedule(settings):
    schedules.ensure_all()
    shipped = settings.CHRONOS
    settings.CHRONOS = {**shipped, "backups": {**shipped["backups"], "schedule": "30 3 * * 1"}}
    backup_schedules.declare()
    try:
        schedules.ensure_all()
        assert list(Schedule.objects.filter(name=backup_schedules.NAME).values_list("cron", flat=True)) == ["30 3 * * 1"]
    finally:
        settings.CHRONOS = shipped
        backup_schedules.declare()


def test_a_scheduled_run_records_a_scheduled_backup(backup_env, transactional_db):
    from apps.backups.models import Backup
    from apps.backups.tasks import scheduled_backup

    assert scheduled_backup() == "ok"
    assert Backup.objects.get().trigger == Backup.Trigger.SCHEDULED
