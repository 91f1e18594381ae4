"""On PostgreSQL a page's conflict probe reads the (calendar, start time) index once per event,
not the whole events table: as a plain join the planner hashed every row (190 ms for a page of
100 at 100k events, against about 1 ms with the probes)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db import connection

from apps.events.models import Calendar, Event
from apps.events.scheduling import planning
from tests.scheduling.conftest import utc

pytestmark = pytest.mark.django_db


def _plan_nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", ()):
        yield from _plan_nodes(child)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the plan of PostgreSQL's probe")
def test_each_event_of_a_page_is_one_index_probe_not_a_scan_of_the_table(monkeypatch):
    Calendar.objects.create(id="work", name="Work")
    start = utc(2026, 3, 2, 8)
    Event.objects.bulk_create([
        Event(calendar_id="work", title=f"E{i}", start_time=start + timedelta(minutes=30 * i),
              end_time=start + timedelta(minutes=30 * i + 45), duration_seconds=2700) for i in range(5000)])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE events_event")
    page = list(Event.objects.order_by("start_time")[:100])

    plans = []
    real = connection.cursor

    class Explaining:
        def __init__(self, cursor):
            self.cursor = cursor

        def __enter__(self):
            self.cursor.__enter__()
            return self

        def __exit__(self, *exc):
            return self.cursor.__exit__(*exc)

        def execute(self, sql, params=None):
            if sql.startswith("WITH p(k"):
                self.cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
                raw = self.cursor.fetchone()[0]
                plans.append(raw if isinstance(raw, list) else json.loads(raw))
            return self.cursor.execute(sql, params)

        def __getattr__(self, name):
            return getattr(self.cursor, name)

    monkeypatch.setattr(connection, "cursor", lambda: Explaining(real()))
    found = planning.conflicts_map(page)

    assert found[page[1].pk] == [page[0].pk, page[2].pk]  # 45-minute events every 30 minutes
    nodes = list(_plan_nodes(plans[0][0]["Plan"]))
    on_events = [n for n in nodes if n.get("Relation Name") == "events_event"]
    assert on_events and all("Index" in n["Node Type"] for n in on_events), [n["Node Type"] for n in nodes]
    assert not any(n["Node Type"] == "Hash Join" for n in nodes)
