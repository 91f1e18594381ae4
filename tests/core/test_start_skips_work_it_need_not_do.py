"""``start`` migrates and collects static files only when there is something to do."""

from __future__ import annotations

import os

import pytest
from django.core.management import call_command

from apps.core import startup


@pytest.fixture
def static_root(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STATIC_ROOT.mkdir()
    return settings.STATIC_ROOT


@pytest.fixture
def static_source(settings, tmp_path):
    source = tmp_path / "source"
    source.mkdir()
    (source / "chronos-test.css").write_text("body { color: black }")
    settings.STATICFILES_DIRS = [*settings.STATICFILES_DIRS, source]
    return source


def test_static_files_are_collected_once_and_again_after_a_change(static_root, static_source):
    assert startup.collect_static_if_needed() is True
    assert (static_root / "chronos-test.css").read_text() == "body { color: black }"
    assert (static_root / "admin" / "css" / "base.css").is_file()

    assert startup.collect_static_if_needed() is False

    changed = static_source / "chronos-test.css"
    changed.write_text("body { color: navy }")
    # collectstatic compares modification times to the second: an edit in the same second as
    # the first collection would look unchanged to it (an upgrade's files are always newer).
    later = changed.stat().st_mtime + 2
    os.utime(changed, (later, later))
    assert startup.collect_static_if_needed() is True
    assert (static_root / "chronos-test.css").read_text() == "body { color: navy }"


@pytest.mark.django_db(transaction=True)
def test_migrate_runs_only_when_a_migration_is_pending():
    assert startup.migrate_if_needed() is False  # the test database is migrated

    call_command("migrate", "workflows", "zero", verbosity=0)
    try:
        assert startup.migrate_if_needed() is True
        assert startup.migrate_if_needed() is False
    finally:
        call_command("migrate", verbosity=0)
