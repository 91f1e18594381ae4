from __future__ import annotations

import pytest

from apps.backups import services
from apps.backups.models import Backup

pytestmark = pytest.mark.django_db


def test_a_broker_outage_marks_the_queued_backup_failed_with_a_clear_error(backup_env, monkeypatch):
    def broker_down(*args, **kwargs):
        raise ConnectionError("Error 111 connecting to redis.internal:6379. Connection refused.")

    monkeypatch.setattr("django_q.tasks.async_task", broker_down)

    backup = services.queue_backup()

    row = Backup.objects.get(pk=backup.pk)
    assert row.status == Backup.Status.FAILED and row.finished_at is not None
    assert row.error == "could not hand the backup to the worker (task queue unavailable: ConnectionError)"
