from __future__ import annotations

import pytest
from django.db import transaction

from apps.core.rowcache import RowCache, revalidate_once
from apps.workflows.models import Workflow
from tests.workflows.factories import WorkflowFactory

pytestmark = pytest.mark.django_db


def make(name: str) -> Workflow:
    return WorkflowFactory(name=name, trigger_command="A", trigger_system="N8N",
                                   follow_up_command="B", follow_up_system="N8N")


@pytest.fixture
def cache():
    return RowCache(Workflow, lambda: list(Workflow.objects.order_by("id")), ttl=3600)


def test_rows_are_loaded_once_while_the_table_is_unchanged(cache, django_assert_num_queries):
    make("one")
    assert [w.name for w in cache.get()] == ["one"]
    with django_assert_num_queries(1):  # only the fingerprint
        assert [w.name for w in cache.get()] == ["one"]


def test_a_new_row_is_seen_at_once(cache):
    make("one")
    cache.get()
    make("two")
    assert [w.name for w in cache.get()] == ["one", "two"]


def test_a_deleted_row_is_never_served(cache):
    first = make("one")
    make("two")
    cache.get()
    Workflow.objects.filter(pk=first.pk).delete()
    assert [w.name for w in cache.get()] == ["two"]


def test_a_row_from_a_rolled_back_transaction_disappears(cache):
    make("kept")
    with pytest.raises(RuntimeError), transaction.atomic():
        make("ghost")
        assert len(cache.get()) == 2
        raise RuntimeError
    assert [w.name for w in cache.get()] == ["kept"]


def test_an_edit_through_save_is_seen(cache):
    row = make("old")
    cache.get()
    row.name = "new"
    row.save()
    assert [w.name for w in cache.get()] == ["new"]


# --- revalidate_once: one statement per batch of reads --------------------------------------


@pytest.fixture
def other_cache():
    from apps.integrations.models import WebhookEndpoint

    return RowCache(WebhookEndpoint, lambda: list(WebhookEndpoint.objects.order_by("id")), ttl=3600)


def fingerprints(captured) -> int:
    return sum(1 for q in captured.captured_queries if "COUNT(*)" in q["sql"])


def test_in_one_block_the_caches_share_one_fingerprint_statement(cache, other_cache):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make("one")
    cache.get()
    other_cache.get()
    with CaptureQueriesContext(connection) as captured, revalidate_once():
        for _ in range(3):
            assert [w.name for w in cache.get()] == ["one"]
            assert other_cache.get() == []
    assert fingerprints(captured) == 1
    assert len(captured.captured_queries) == 1  # and nothing was loaded again


def test_outside_a_block_every_read_checks_its_table(cache, django_assert_num_queries):
    make("one")
    cache.get()
    with django_assert_num_queries(2):
        cache.get()
        cache.get()


def test_a_change_made_in_this_process_inside_a_block_is_seen_at_once(cache):
    first = make("one")
    with revalidate_once():
        assert [w.name for w in cache.get()] == ["one"]
        make("two")
        assert [w.name for w in cache.get()] == ["one", "two"]
        first.delete()
        assert [w.name for w in cache.get()] == ["two"]


def test_a_block_ends_with_its_with_statement(cache):
    make("one")
    with revalidate_once():
        cache.get()
    Workflow.objects.bulk_create([Workflow(name="two", trigger_command="A", trigger_system="N8N",
                                           follow_up_command="B", follow_up_system="N8N")])  # no signal
    assert [w.name for w in cache.get()] == ["one", "two"]


# --- the cache answers as the ORM query it stands for ------------------------------------------


def _rows(rows) -> list[tuple]:
    return [(w.pk, w.name, w.enabled, w.updated_at) for w in rows]


def test_after_every_kind_of_change_the_cache_answers_as_the_loader(cache):
    loader = lambda: list(Workflow.objects.order_by("id"))  # noqa: E731
    first, second = make("one"), make("two")
    changes = [
        lambda: make("three"),
        lambda: Workflow.objects.filter(pk=first.pk).delete(),
        lambda: setattr(second, "name", "renamed") or second.save(),
        lambda: setattr(second, "enabled", False) or second.save(),
        lambda: Workflow.objects.all().delete(),
    ]
    assert _rows(cache.get()) == _rows(loader())
    for change in changes:
        change()
        assert _rows(cache.get()) == _rows(loader())


def test_switched_off_every_read_runs_the_loader(cache, settings, django_assert_num_queries):
    settings.CHRONOS = {**settings.CHRONOS, "database": {**settings.CHRONOS.get("database", {}),
                                                         "cache_config_rows": False}}
    make("one")
    for _ in range(2):
        with django_assert_num_queries(1):  # the loader's own query, no fingerprint
            assert [w.name for w in cache.get()] == ["one"]
