from __future__ import annotations

import zoneinfo
from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from apps.backups import retention, services
from apps.backups.models import Backup

pytestmark = pytest.mark.django_db
UTC = zoneinfo.ZoneInfo("UTC")


def _fake_backup(directory, *, trigger=Backup.Trigger.SCHEDULED, pinned=False) -> Backup:
    """What a finished backup leaves behind (a file and a row), without packing a database."""
    now = timezone.now()
    name = services.new_name(now)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / name).write_bytes(b"archive")
    return Backup.objects.create(name=name, created_at=now, trigger=trigger, status=Backup.Status.OK, size=7,
                                 pinned=pinned)


def test_a_year_of_daily_backups_keeps_7_daily_4_weekly_12_monthly_plus_pinned(backup_env, settings, time_machine):
    settings.TIME_ZONE = "UTC"
    directory = backup_env / "backups"
    day = date(2025, 1, 1)
    while day <= date(2025, 12, 31):
        time_machine.move_to(datetime(day.year, day.month, day.day, 2, 0, tzinfo=UTC), tick=False)
        _fake_backup(directory, pinned=(day == date(2025, 3, 15)))
        services.prune()  # as after every real backup
        if day == date(2025, 12, 30):
            time_machine.move_to(datetime(2025, 12, 30, 12, 0, tzinfo=UTC), tick=False)
            _fake_backup(directory, trigger=Backup.Trigger.MANUAL)
            services.prune()
        day += timedelta(days=1)

    # Worked out by hand from a calendar of 2025 (Wednesday 31 December ends ISO week 2026-W01):
    expected = {
        # 7 daily: the last seven days; on 30 Dec the later manual backup replaces the 02:00 one
        "chronos-20251231-020000.zip", "chronos-20251230-120000.zip", "chronos-20251229-020000.zip",
        "chronos-20251228-020000.zip", "chronos-20251227-020000.zip", "chronos-20251226-020000.zip",
        "chronos-20251225-020000.zip",
        # 4 weekly: W01 (31 Dec) and W52 (Sun 28 Dec) are already kept; W51 and W50 add their Sundays
        "chronos-20251221-020000.zip", "chronos-20251214-020000.zip",
        # 12 monthly: December is kept already; the last day of January..November
        "chronos-20250131-020000.zip", "chronos-20250228-020000.zip", "chronos-20250331-020000.zip",
        "chronos-20250430-020000.zip", "chronos-20250531-020000.zip", "chronos-20250630-020000.zip",
        "chronos-20250731-020000.zip", "chronos-20250831-020000.zip", "chronos-20250930-020000.zip",
        "chronos-20251031-020000.zip", "chronos-20251130-020000.zip",
        # pinned
        "chronos-20250315-020000.zip",
    }
    assert set(Backup.objects.values_list("name", flat=True)) == expected
    assert {p.name for p in directory.iterdir()} == expected


def test_days_are_counted_in_the_configured_local_time_zone(backup_env, settings, time_machine):
    settings.CHRONOS = {**settings.CHRONOS, "backups": {**settings.CHRONOS["backups"], "keep_daily": 2,
                                                        "keep_weekly": 0, "keep_monthly": 0}}
    directory = backup_env / "backups"
    for hour in (22, 23):
        time_machine.move_to(datetime(2025, 2, 28, hour, 30, tzinfo=UTC), tick=False)
        _fake_backup(directory)

    # In Berlin 23:30 UTC is already 00:30 on 1 March: two days, both kept.
    settings.TIME_ZONE = "Europe/Berlin"
    assert services.prune() == []
    # In UTC both are 28 February: only that day's newest is kept.
    settings.TIME_ZONE = "UTC"
    assert services.prune() == ["chronos-20250228-223000.zip"]


def test_the_newest_backup_survives_even_when_every_rule_is_zero_except_one_that_is_used_up(settings):
    policy = retention.Policy(daily=0, weekly=0, monthly=1)
    items = [datetime(2025, 1, d, tzinfo=UTC) for d in (1, 2, 3)]
    keep, forget = retention.select(items, policy=policy, when=lambda d: d, pinned=lambda d: False, tz=UTC)
    assert keep == [items[2]]
    assert forget == [items[1], items[0]]


def test_all_rules_zero_keeps_everything():
    items = [datetime(2025, 1, d, tzinfo=UTC) for d in (1, 2, 3)]
    keep, forget = retention.select(items, policy=retention.Policy(0, 0, 0), when=lambda d: d,
                                    pinned=lambda d: False, tz=UTC)
    assert forget == [] and len(keep) == 3
