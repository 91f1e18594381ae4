from __future__ import annotations

import copy
import zoneinfo
from datetime import datetime

import pytest
from django.utils import timezone

from apps.backups import services
from apps.backups.models import Backup

pytestmark = pytest.mark.django_db
UTC = zoneinfo.ZoneInfo("UTC")


def _fake_backup(directory, *, verified: bool | None) -> Backup:
    now = timezone.now()
    name = services.new_name(now)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / name).write_bytes(b"archive")
    return Backup.objects.create(
        name=name, created_at=now, trigger=Backup.Trigger.SCHEDULED, status=Backup.Status.OK, size=7,
        verified=bool(verified), verified_at=now if verified is not None else None,
    )


def test_a_broken_newer_backup_does_not_push_out_the_last_good_one(backup_env, settings, time_machine):
    settings.TIME_ZONE = "UTC"
    chronos = copy.deepcopy(settings.CHRONOS)
    chronos["backups"] = {**chronos["backups"], "keep_daily": 1, "keep_weekly": 0, "keep_monthly": 0}
    settings.CHRONOS = chronos
    directory = backup_env / "backups"
    time_machine.move_to(datetime(2025, 6, 1, 2, 0, tzinfo=UTC), tick=False)
    good = _fake_backup(directory, verified=True)
    time_machine.move_to(datetime(2025, 6, 2, 2, 0, tzinfo=UTC), tick=False)
    broken = _fake_backup(directory, verified=False)

    services.prune()

    # The failed one stays for a person to look at, but the good one is the retained backup.
    assert set(Backup.objects.values_list("name", flat=True)) == {good.name, broken.name}
    assert (directory / good.name).exists()

    time_machine.move_to(datetime(2025, 6, 3, 2, 0, tzinfo=UTC), tick=False)
    newer = _fake_backup(directory, verified=True)
    services.prune()
    assert set(Backup.objects.values_list("name", flat=True)) == {newer.name, broken.name}
