from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from apps.backups import paths, services
from apps.backups.models import Backup
from apps.backups.restore import RestoreError, restore
from tests.backups.conftest import rewrite_archive

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def good_archive(backup_env) -> Path:
    backup = services.create_backup()
    assert backup.status == Backup.Status.OK, backup.error
    return backup_env / "backups" / backup.name


def _db_member(path: Path) -> str:
    with zipfile.ZipFile(path) as zf:
        return json.loads(zf.read("manifest.json"))["database"]["path"]


def _assert_untouched(before: set[str]) -> None:
    assert set(Backup.objects.values_list("name", flat=True)) == before
    if connection.vendor == "sqlite":
        live = Path(connection.settings_dict["NAME"])
        assert not list(live.parent.glob(f"{live.name}.pre-restore-*"))
    assert not list(paths.backup_dir().glob("pre-restore-*"))


def _refused(path: Path, match: str) -> None:
    before = set(Backup.objects.values_list("name", flat=True))
    with pytest.raises(RestoreError, match=match) as info:
        restore(path, force=True, out=lambda line: None)
    assert "Nothing was changed" in str(info.value)
    _assert_untouched(before)


def test_a_corrupted_zip_is_refused(good_archive, tmp_path):
    data = bytearray(good_archive.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 64] = bytes(b ^ 0xFF for b in data[middle : middle + 64])  # zeroing might change nothing
    broken = tmp_path / "broken.zip"
    broken.write_bytes(bytes(data))

    _refused(broken, "failed verification")


def test_a_file_that_is_not_a_zip_is_refused(backup_env, tmp_path):
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"definitely not a zip file")

    _refused(junk, "not a readable zip archive")


def test_a_member_whose_hash_differs_from_the_manifest_is_refused(good_archive, tmp_path):
    tampered = tmp_path / "tampered.zip"
    rewrite_archive(good_archive, tampered, replace={"uploads/2025/agenda.txt": b"bring nothing\n"}, keep_hashes=False)

    _refused(tampered, "uploads/2025/agenda.txt: (size|SHA-256) differs")


def test_a_truncated_database_is_refused_even_with_matching_hashes(good_archive, tmp_path):
    member = _db_member(good_archive)
    with zipfile.ZipFile(good_archive) as zf:
        db = zf.read(member)
    truncated = tmp_path / "truncated.zip"
    rewrite_archive(good_archive, truncated, replace={member: db[: len(db) // 2]})

    _refused(truncated, "failed verification")


def test_a_backup_from_a_newer_schema_is_refused(good_archive, tmp_path):
    def add_future_migration(manifest):
        manifest["migrations"]["backups"].append("9999_from_the_future")

    newer = tmp_path / "newer.zip"
    rewrite_archive(good_archive, newer, manifest_update=add_future_migration)

    _refused(newer, "newer schema.*backups.9999_from_the_future")


def test_verify_only_reports_ok_for_a_good_archive_and_fails_for_a_bad_one(good_archive, tmp_path, capsys):
    call_command("backup", "--verify-only", str(good_archive))
    assert "OK" in capsys.readouterr().out

    tampered = tmp_path / "tampered.zip"
    rewrite_archive(good_archive, tampered, replace={"plugins/shout.py": b"# changed\n"}, keep_hashes=False)
    with pytest.raises(CommandError, match="NOT OK.*plugins/shout.py"):
        call_command("backup", "--verify-only", str(tampered))


def test_a_missing_file_is_a_clear_error(backup_env, tmp_path):
    with pytest.raises(CommandError, match="does not exist"):
        call_command("restore", str(tmp_path / "nope.zip"))
