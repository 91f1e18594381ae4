from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connection

from apps.commands import services
from apps.commands.models import Command
from tests.whitelists.factories import allow

POLLERS = 8
COMMANDS = 240


@pytest.mark.django_db(transaction=True)
def test_concurrent_pollers_each_get_distinct_commands_and_all_are_delivered():
    allow("N8N", "PING", {"n": "int"})
    Command.objects.bulk_create(
        [Command(command="PING", target_system="N8N", parameters={"n": i}) for i in range(COMMANDS)]
    )
    claimed: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(POLLERS)

    def poller():
        try:
            start.wait()
            while True:
                batch = services.claim(system="N8N", limit=7)
                if not batch:
                    return
                with lock:
                    claimed.extend(c.pk for c in batch)
                for command in batch:
                    services.complete(command_id=command.pk, result={"by": threading.get_ident()})
        except BaseException as exc:  # noqa: BLE001 - reported to the main thread below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=poller) for _ in range(POLLERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    duplicates = [pk for pk, n in Counter(claimed).items() if n > 1]
    assert duplicates == []
    assert len(claimed) == COMMANDS
    assert Command.objects.filter(status="COMPLETED").count() == COMMANDS
