"""``apps.core.signals``: subscribers get every event; cached rows are checked once per emit or batch."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.core import signals
from apps.core.rowcache import RowCache
from apps.workflows.models import Workflow
from tests.workflows.factories import WorkflowFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def listener():
    cache = RowCache(Workflow, lambda: list(Workflow.objects.order_by("id")), ttl=3600)
    seen = []

    def handler(event_type, data):
        seen.append((event_type, data["n"], len(cache.get())))

    signals.subscribe("test.batch", handler)
    cache.get()
    yield seen
    signals.unsubscribe("test.batch", handler)


def fingerprints(captured) -> int:
    return sum(1 for q in captured.captured_queries if "COUNT(*)" in q["sql"])


def test_a_batch_reaches_every_subscriber_once_per_item_with_one_check_of_the_cached_rows(listener):
    with CaptureQueriesContext(connection) as captured:
        signals.emit_each("test.batch", ({"n": n} for n in range(5)))
    assert listener == [("test.batch", n, 0) for n in range(5)]
    assert fingerprints(captured) == 1


def test_each_emit_checks_the_cached_rows_again(listener):
    with CaptureQueriesContext(connection) as captured:
        signals.emit("test.batch", {"n": 1})
        WorkflowFactory(name="w", trigger_command="A", trigger_system="N8N",
                                follow_up_command="B", follow_up_system="N8N")
        signals.emit("test.batch", {"n": 2})
    assert listener == [("test.batch", 1, 0), ("test.batch", 2, 1)]
    assert fingerprints(captured) == 2

