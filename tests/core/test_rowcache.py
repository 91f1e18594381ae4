from __future__ import annotations

import pytest
from django.db import transaction

from apps.core.rowcache import RowCache
from apps.workflows.models import Workflow

pytestmark = pytest.mark.django_db


def make(name: str) -> Workflow:
    return Workflow.objects.create(name=name, trigger_command="A", trigger_system="N8N",
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
