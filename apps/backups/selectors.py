"""Reads for the admin and the API."""

from __future__ import annotations

from django.db.models import QuerySet

from apps.backups.models import Backup


def backups() -> QuerySet[Backup]:
    return Backup.objects.order_by("-created_at", "-id")


def downloadable(name: str) -> Backup | None:
    return Backup.objects.filter(name=name, status=Backup.Status.OK).first()
