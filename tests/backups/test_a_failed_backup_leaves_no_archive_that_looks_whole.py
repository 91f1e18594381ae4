from __future__ import annotations

import pytest

from apps.backups import archive, services
from apps.backups.models import Backup

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_crash_while_packing_leaves_no_archive_and_records_the_error(backup_env, monkeypatch):
    real_add = archive._add_file

    def add_then_fail(zf, arcname, path, flush=None):
        if arcname.startswith("uploads/"):
            raise OSError(28, "No space left on device")
        return real_add(zf, arcname, path, flush)

    monkeypatch.setattr(archive, "_add_file", add_then_fail)

    backup = services.create_backup()

    assert backup.status == Backup.Status.FAILED
    assert "No space left on device" in backup.error
    leftovers = [p.name for p in (backup_env / "backups").iterdir() if not p.name.startswith(".backup.lock")]
    assert leftovers == []


def test_partial_files_are_never_listed_as_backups(backup_env):
    folder = backup_env / "backups"
    folder.mkdir()
    (folder / ".chronos-20250101-020000.zip.partial").write_bytes(b"half")

    services.reconcile()

    assert Backup.objects.count() == 0
