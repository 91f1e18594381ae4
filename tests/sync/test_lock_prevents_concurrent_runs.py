from __future__ import annotations

import threading
from datetime import timedelta

from django.utils import timezone

from apps.events.models import Event
from apps.sync import lock
from apps.sync.models import SyncState
from tests.sync.conftest import GOOGLE_ID, NOW


def test_a_run_finding_the_calendar_locked_is_skipped_and_changes_nothing(fake_google, sync, google_calendar):
    fake_google.add_event(GOOGLE_ID, "Waiting", NOW + timedelta(hours=1), NOW + timedelta(hours=2))
    assert lock.acquire("work", "another-worker")

    run = sync()

    assert run.status == "skipped"
    assert run.errors[0]["type"] == "locked"
    assert not Event.objects.exists() and not fake_google.calls("GET")
    assert SyncState.objects.get(calendar_id="work").lock_owner == "another-worker"


def test_a_lock_left_by_a_crashed_worker_expires(fake_google, sync, google_calendar, frozen_now):
    fake_google.add_event(GOOGLE_ID, "Eventually", NOW + timedelta(hours=1), NOW + timedelta(hours=2))
    assert lock.acquire("work", "crashed-worker")
    frozen_now.shift(timedelta(seconds=lock.ttl().total_seconds() + 1))

    run = sync()

    assert run.status == "succeeded"
    assert Event.objects.filter(title="Eventually").exists()
    assert SyncState.objects.get(calendar_id="work").lock_owner == ""


def test_only_one_of_two_simultaneous_takers_gets_the_lock(google_calendar):
    now = timezone.now()
    assert lock.acquire("work", "first", now=now)
    assert not lock.acquire("work", "second", now=now)
    lock.release("work", "second")  # releasing someone else's lock does nothing
    assert not lock.acquire("work", "third", now=now)
    lock.release("work", "first")
    assert lock.acquire("work", "third", now=now)


def test_a_sync_running_in_another_thread_blocks_a_second_one(fake_google, google_calendar, transactional_db):
    """Two real runs at once: the second one is skipped while the first holds the lock."""
    from apps.sync.services import sync_now

    fake_google.add_event(GOOGLE_ID, "Slow", NOW + timedelta(hours=1), NOW + timedelta(hours=2))
    entered, release = threading.Event(), threading.Event()
    original = fake_google._list

    def slow_list(*args, **kwargs):
        entered.set()
        release.wait(10)
        return original(*args, **kwargs)

    fake_google._list = slow_list
    results = {}

    def first():
        from django.db import connection

        try:
            results["first"] = sync_now(google_calendar).status
        finally:
            connection.close()

    worker = threading.Thread(target=first)
    worker.start()
    assert entered.wait(10)
    try:
        results["second"] = sync_now(google_calendar).status
    finally:
        release.set()
        worker.join(10)
    assert results == {"first": "succeeded", "second": "skipped"}
