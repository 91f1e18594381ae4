"""Several workers reaching the same due occurrence at once make exactly one command."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from apps.commands.models import ActionFiring, Command
from apps.commands.timed import fire_due
from apps.events.models import Calendar, Event

WORKERS = 4
ENTRIES = 20


def _due_entries(count: int) -> list[Event]:
    calendar = Calendar.objects.create(id="home", name="Home")
    start = timezone.now() - timedelta(seconds=30)
    return [Event.objects.create(calendar=calendar, title=f"ACTION: BACKUP N8N keep={i}", start_time=start,
                                 end_time=start + timedelta(hours=1)) for i in range(count)]


@pytest.mark.django_db(transaction=True)
def test_racing_workers_make_one_command_per_occurrence(timed):
    timed("at_start")
    _due_entries(ENTRIES)
    assert ActionFiring.objects.filter(state="scheduled").count() == ENTRIES
    start = threading.Barrier(WORKERS)
    fired: list[int] = []
    errors: list[BaseException] = []

    def worker():
        try:
            start.wait()
            fired.append(fire_due())
        except BaseException as exc:  # noqa: BLE001 - reported to the main thread below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert sum(fired) == ENTRIES
    assert Command.objects.count() == ENTRIES
    assert ActionFiring.objects.filter(state="fired").count() == ENTRIES
    assert sorted(Command.objects.values_list("parameters__keep", flat=True)) == list(range(ENTRIES))


def test_the_database_refuses_a_second_command_for_the_same_occurrence(timed, db):
    timed("at_start")
    event = _due_entries(1)[0]
    fire_due()
    key = ActionFiring.objects.get(event_id=event.pk).idempotency_key

    with pytest.raises(IntegrityError), transaction.atomic():
        Command.objects.create(command="BACKUP", target_system="N8N", idempotency_key=key)
    with pytest.raises(IntegrityError), transaction.atomic():
        ActionFiring.objects.create(event_id=event.pk, occurrence_start=event.start_time, fire_at=event.start_time,
                                    fire="at_start", command_name="BACKUP", target_system="N8N",
                                    idempotency_key=key + "-other")
    assert Command.objects.count() == 1
