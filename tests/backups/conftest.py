"""Fixtures for backup tests: an isolated backups folder, uploads and plugins per test."""

from __future__ import annotations

import copy
import io
import json
import zipfile
from pathlib import Path

import pytest
from django.db import connection


@pytest.fixture
def backup_env(tmp_path, settings):
    """Point backups, uploads and custom plugins at folders of this test."""
    chronos = copy.deepcopy(settings.CHRONOS)
    chronos["backups"] = {**(chronos.get("backups") or {}), "dir": str(tmp_path / "backups")}
    chronos["plugins"] = {**(chronos.get("plugins") or {}), "custom_dir": str(tmp_path / "plugins")}
    settings.CHRONOS = chronos
    settings.MEDIA_ROOT = tmp_path / "uploads"
    (tmp_path / "uploads" / "2025").mkdir(parents=True)
    (tmp_path / "uploads" / "2025" / "agenda.txt").write_text("bring the slides\n")
    (tmp_path / "plugins").mkdir()
    (tmp_path / "plugins" / "shout.py").write_text("# a custom plugin\n")
    return tmp_path


@pytest.fixture
def vendor() -> str:
    return connection.vendor


sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite-specific")
postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL-specific")


def rewrite_archive(source: Path, target: Path, *, replace: dict[str, bytes] | None = None,
                    manifest_update=None, keep_hashes: bool = True) -> None:
    """Copy an archive, swapping members; hashes in the manifest are recomputed unless told not to."""
    import hashlib

    replace = replace or {}
    with zipfile.ZipFile(source) as zf:
        members = {name: zf.read(name) for name in zf.namelist()}
    manifest = json.loads(members.pop("manifest.json"))
    for name, data in replace.items():
        members[name] = data
    if keep_hashes:
        for entry in manifest["files"]:
            data = members[entry["path"]]
            entry["sha256"] = hashlib.sha256(data).hexdigest()
            entry["size"] = len(data)
    if manifest_update:
        manifest_update(manifest)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
        zf.writestr("manifest.json", json.dumps(manifest))
    target.write_bytes(buffer.getvalue())
