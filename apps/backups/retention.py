"""Grandfather-father-son retention with the semantics of ``restic forget --keep-daily/-weekly/-monthly``.

Backups are walked newest first. Each rule has a counter and remembers the last bucket it
kept; a backup whose bucket (day, ISO week, month in the local time zone) differs from that
rule's last kept bucket is kept by the rule, which then counts down. So each rule keeps the
newest backup of each of its N most recent buckets that hold a backup. Pinned backups and the
newest backup are always kept; with every counter at 0 nothing is deleted (as restic does).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Policy:
    daily: int = 7
    weekly: int = 4
    monthly: int = 12

    @property
    def empty(self) -> bool:
        return self.daily <= 0 and self.weekly <= 0 and self.monthly <= 0


def _day(dt: datetime) -> tuple:
    return (dt.year, dt.month, dt.day)


def _iso_week(dt: datetime) -> tuple:
    year, week, _ = dt.isocalendar()
    return (year, week)


def _month(dt: datetime) -> tuple:
    return (dt.year, dt.month)


def select(
    items: Sequence[T],
    *,
    policy: Policy,
    when: Callable[[T], datetime],
    pinned: Callable[[T], bool],
    tz: tzinfo,
) -> tuple[list[T], list[T]]:
    """Split ``items`` into ``(keep, forget)``, both newest first."""
    ordered = sorted(items, key=when, reverse=True)
    if policy.empty:
        return ordered, []
    rules: list[list] = [
        [policy.daily, _day, None],
        [policy.weekly, _iso_week, None],
        [policy.monthly, _month, None],
    ]
    keep: list[T] = []
    forget: list[T] = []
    for index, item in enumerate(ordered):
        local = when(item).astimezone(tz)
        kept = index == 0 or pinned(item)
        for rule in rules:
            remaining, bucket_of, last = rule
            if remaining <= 0:
                continue
            bucket = bucket_of(local)
            if bucket != last:
                kept = True
                rule[1:] = [bucket_of, bucket]
                rule[0] = remaining - 1
        (keep if kept else forget).append(item)
    return keep, forget
