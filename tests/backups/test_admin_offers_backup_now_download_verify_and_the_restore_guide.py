from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from apps.backups.models import Backup

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def admin_client_() -> Client:
    user = get_user_model().objects.create_superuser("root", "root@example.com", "a-long-password-1")
    client = Client()
    client.force_login(user)
    return client


def test_the_backup_now_button_creates_a_backup(admin_client_, backup_env):
    page = admin_client_.get("/admin/backups/backup/")
    assert page.status_code == 200
    assert b"Backup now" in page.content and b"Restore guide" in page.content

    response = admin_client_.post("/admin/backups/backup/backup-now/")

    assert response.status_code == 302
    backup = Backup.objects.get()
    assert backup.status == Backup.Status.OK
    assert (backup_env / "backups" / backup.name).is_file()
    listing = admin_client_.get("/admin/backups/backup/")
    assert backup.name.encode() in listing.content


def test_download_verify_and_pin_from_the_list(admin_client_, backup_env):
    admin_client_.post("/admin/backups/backup/backup-now/")
    backup = Backup.objects.get()

    download = admin_client_.get(f"/admin/backups/backup/{backup.pk}/download/")
    assert download.status_code == 200
    assert len(b"".join(download.streaming_content)) == backup.size

    Backup.objects.filter(pk=backup.pk).update(verified=False)
    admin_client_.post("/admin/backups/backup/", {"action": "verify_selected", "_selected_action": [backup.pk]})
    admin_client_.post("/admin/backups/backup/", {"action": "pin_selected", "_selected_action": [backup.pk]})
    backup.refresh_from_db()
    assert backup.verified is True and backup.pinned is True


def test_the_restore_guide_page_shows_the_steps_from_the_operations_docs(admin_client_):
    page = admin_client_.get("/admin/backups/backup/restore-guide/")

    assert page.status_code == 200
    text = page.content.decode()
    for step in ("1. Stop Chronos.", "2. Restore.", "3. Check.", "4. Start Chronos again"):
        assert step in text
    assert "manage.py restore" in text


def test_the_page_shows_schedule_next_run_and_retention_and_backup_now_is_audited(admin_client_, backup_env):
    from apps.audit.models import AuditEntry

    page = admin_client_.get("/admin/backups/backup/").content.decode()
    assert "Scheduled: <code>0 2 * * *</code>" in page and "next run <strong>" in page
    assert "Keeps 7 daily, 4 weekly, 12 monthly" in page
    assert "data-refresh-seconds" not in page
    admin_client_.post("/admin/backups/backup/backup-now/")
    backup = Backup.objects.get()
    entry = AuditEntry.objects.get(action="backup.requested")
    assert (entry.entity, entry.entity_id, entry.actor_name) == ("backup", str(backup.pk), "root")


def test_a_running_backup_makes_the_page_refresh_itself(admin_client_, backup_env):
    from django.utils import timezone

    Backup.objects.create(name="chronos-running.zip", created_at=timezone.now(), status=Backup.Status.RUNNING)
    page = admin_client_.get("/admin/backups/backup/").content.decode()
    assert 'data-refresh-seconds="3"' in page and "dashboard/refresh" in page
