from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from apps.integrations import outbox
from apps.integrations.models import OutboxMessage


def _rows(n: int) -> list[OutboxMessage]:
    return OutboxMessage.objects.bulk_create(
        [OutboxMessage(transport="webhook", event_type="x", payload={"n": i}) for i in range(n)]
    )


def test_a_claimed_message_is_not_claimed_again_while_its_lease_holds(db):
    _rows(3)
    first = outbox.claim(limit=10)
    assert len(first) == 3 and all(m.status == "delivering" and m.attempts == 1 for m in first)
    assert outbox.claim(limit=10) == []
    later = timezone.now() + timedelta(seconds=121)
    assert {m.id for m in outbox.claim(limit=10, now=later)} == {m.id for m in first}


@pytest.mark.django_db(transaction=True)
def test_concurrent_claimers_split_the_work_without_overlap():
    _rows(300)
    claimed: list[list] = []
    errors: list[BaseException] = []

    def worker() -> None:
        mine = []
        try:
            while batch := outbox.claim(limit=7):
                mine.extend(m.id for m in batch)
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            claimed.append(mine)
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    every = [i for mine in claimed for i in mine]
    assert len(every) == 300 and len(set(every)) == 300
