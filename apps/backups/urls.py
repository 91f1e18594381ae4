from __future__ import annotations

from django.urls import path

from apps.backups.api import BackupDownloadView, BackupListCreateView

urlpatterns = [
    path("backups", BackupListCreateView.as_view(), name="backup-list"),
    path("backups/<str:name>", BackupDownloadView.as_view(), name="backup-download"),
]
