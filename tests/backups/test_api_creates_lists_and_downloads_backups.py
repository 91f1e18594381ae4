from __future__ import annotations

import io
import zipfile

import pytest
from django.utils import timezone

from apps.backups.models import Backup

# The backup runs inline (Conf.SYNC) and pg_dump must not wait on an open test transaction.
pytestmark = pytest.mark.django_db(transaction=True)


def test_post_queues_a_backup_answers_202_and_the_worker_writes_it(api, backup_env):
    client = api(scopes=["backups.manage"])

    response = client.post("/api/v1/backups", format="json")

    assert response.status_code == 202, response.content
    body = response.json()
    assert body["name"].startswith("chronos-") and body["id"]
    assert response["Location"] == f"/api/v1/backups/{body['name']}"
    backup = Backup.objects.get(pk=body["id"])
    assert backup.status == Backup.Status.OK and backup.trigger == Backup.Trigger.MANUAL
    assert (backup_env / "backups" / backup.name).is_file()
    from apps.audit.models import AuditEntry

    entry = AuditEntry.objects.get(action="backup.requested")  # as "backup now" in the admin is
    assert (entry.entity_id, entry.scope) == (str(backup.pk), "backups.manage")


def test_the_same_idempotency_key_does_not_start_a_second_backup(api, backup_env):
    client = api(scopes=["backups.manage"])

    first = client.post("/api/v1/backups", format="json", HTTP_IDEMPOTENCY_KEY="nightly-1")
    again = client.post("/api/v1/backups", format="json", HTTP_IDEMPOTENCY_KEY="nightly-1")

    assert first.status_code == again.status_code == 202
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert Backup.objects.count() == 1


def test_list_is_paginated_newest_first_and_download_returns_the_archive(api, backup_env):
    client = api(scopes=["backups.manage"])
    client.post("/api/v1/backups", format="json")

    listing = client.get("/api/v1/backups?page_size=10")

    assert listing.status_code == 200
    body = listing.json()
    assert body["total_count"] == 1 and body["page"] == 1
    item = body["items"][0]
    assert item["status"] == "ok" and item["verified"] is True and item["size"] > 0

    download = client.get(item["download_url"])
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    data = b"".join(download.streaming_content)
    assert len(data) == item["size"]
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert "manifest.json" in zf.namelist()


@pytest.mark.parametrize("name", ["secret_key", "chronos-20250101-020000.zip.partial", "%2E%2E"])
def test_names_that_are_not_backup_names_are_refused(api, backup_env, name):
    client = api(scopes=["backups.manage"])

    response = client.get(f"/api/v1/backups/{name}")

    assert response.status_code == 400
    assert "is not a backup name (expected chronos-YYYYmmdd-HHMMSS.zip)" in response.json()["detail"]


def test_a_path_that_leaves_the_backup_folder_matches_no_route(api, backup_env):
    # An encoded slash never reaches the view: the router has no route for it.
    response = api(scopes=["backups.manage"]).get("/api/v1/backups/..%2F..%2Fsecret_key")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_an_unknown_backup_is_404(api, backup_env):
    response = api(scopes=["backups.manage"]).get("/api/v1/backups/chronos-20000101-000000.zip")
    assert response.status_code == 404


def test_backups_need_the_backups_manage_scope(api, backup_env):
    client = api(scopes=["events.read"])

    assert client.post("/api/v1/backups", format="json").status_code == 403
    assert client.get("/api/v1/backups").status_code == 403
    assert Backup.objects.count() == 0


def test_downloading_a_backup_that_is_not_finished_is_a_409_not_a_404(api, backup_env):
    client = api(scopes=["backups.manage"])
    Backup.objects.create(name="chronos-20250101-020000.zip", status=Backup.Status.QUEUED, created_at=timezone.now())

    queued = client.get("/api/v1/backups/chronos-20250101-020000.zip")
    unknown = client.get("/api/v1/backups/chronos-20250101-030000.zip")

    assert queued.status_code == 409
    assert queued.json() == {"detail": "Backup chronos-20250101-020000.zip is not finished yet (queued); "
                                       "download it once it is ok."}
    assert unknown.status_code == 404
