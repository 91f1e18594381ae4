"""Reads for the admin and the API."""

from __future__ import annotations

from django.db.models import QuerySet

from apps.backups.models import Backup


def backups() -> QuerySet[Backup]:
    return Backup.objects.order_by("-created_at", "-id")


def downloadable(name: str) -> Backup | None:
    return Backup.objects.filter(name=name, status=Backup.Status.OK).first()


def unfinished(name: str) -> Backup | None:
    """The backup of that name while it is queued or being written."""
    return Backup.objects.filter(name=name, status__in=(Backup.Status.QUEUED, Backup.Status.RUNNING)).first()
