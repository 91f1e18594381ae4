"""Admin: the list of backups with "Backup now", download, verify, pin, and the restore guide."""

from __future__ import annotations

from pathlib import Path

import markdown
from django.conf import settings
from django.contrib import admin, messages
from django.http import FileResponse, Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from apps.backups import services
from apps.backups.models import Backup

GUIDE_START = "<!-- restore-guide:start -->"
GUIDE_END = "<!-- restore-guide:end -->"


def restore_guide_html() -> str:
    """The restore guide from docs/operations.md, so the admin page and the docs never drift apart."""
    source = Path(settings.BASE_DIR) / "docs" / "operations.md"
    try:
        text = source.read_text(encoding="utf-8")
    except OSError:
        return "<p>The restore guide (docs/operations.md) is not installed with this copy of Chronos.</p>"
    if GUIDE_START in text and GUIDE_END in text:
        text = text.split(GUIDE_START, 1)[1].split(GUIDE_END, 1)[0]
    # The docs file is part of the code base, not user input: rendering it as HTML is safe.
    return markdown.markdown(text, extensions=["fenced_code", "tables"])


def schedule_summary() -> dict:
    """Schedule, next run and retention as the backups page shows them."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from croniter import croniter
    from django.utils import timezone
    from django_q.models import Schedule

    from apps.backups.schedules import NAME
    from chronos.config import current

    cfg = current().backups
    next_run = None
    if cfg.enabled:
        next_run = Schedule.objects.filter(name=NAME).values_list("next_run", flat=True).first()
        if next_run is None:
            next_run = croniter(cfg.schedule, timezone.now().astimezone(ZoneInfo(settings.TIME_ZONE))).get_next(datetime)
    running = Backup.objects.filter(status__in=(Backup.Status.QUEUED, Backup.Status.RUNNING)).exists()
    return {"backup_schedule": cfg.schedule if cfg.enabled else "", "backup_zone": settings.TIME_ZONE,
            "backup_next_run": timezone.localtime(next_run) if next_run else None,
            "backup_retention": f"{cfg.keep_daily} daily, {cfg.keep_weekly} weekly, {cfg.keep_monthly} monthly",
            "backup_running": running}


@admin.register(Backup)
class BackupAdmin(admin.ModelAdmin):
    """Backups are made by the system; people start, download, verify, pin and delete them."""

    change_list_template = "admin/backups/backup/change_list.html"
    list_display = ("name", "created_at", "size_display", "trigger", "status", "verified", "pinned", "download_link")
    list_filter = ("status", "trigger", "verified", "pinned")
    search_fields = ("name",)
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in Backup._meta.fields]
    actions = ["verify_selected", "pin_selected", "unpin_selected"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def get_urls(self):
        own = [
            path("backup-now/", self.admin_site.admin_view(self.backup_now_view), name="backups_backup_now"),
            path("restore-guide/", self.admin_site.admin_view(self.restore_guide_view),
                 name="backups_backup_restore_guide"),
            path("<int:pk>/download/", self.admin_site.admin_view(self.download_view), name="backups_backup_download"),
        ]
        return own + super().get_urls()

    @admin.display(description="size", ordering="size")
    def size_display(self, obj: Backup) -> str:
        size = float(obj.size)
        for unit in ("B", "KB", "MB", "GB"):
            if size < 1024 or unit == "GB":
                return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
            size /= 1024
        return str(obj.size)

    @admin.display(description="download")
    def download_link(self, obj: Backup) -> str:
        if obj.status != Backup.Status.OK:
            return obj.error[:80] if obj.error else "—"
        return format_html('<a href="{}">download</a>', reverse("admin:backups_backup_download", args=[obj.pk]))

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, extra_context={**(extra_context or {}), **schedule_summary()})

    def backup_now_view(self, request):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not request.user.has_perm("backups.view_backup"):
            raise Http404
        backup = services.queue_backup()
        backup.refresh_from_db()
        if backup.status == Backup.Status.FAILED:
            self.message_user(request, f"Backup {backup.name} failed: {backup.error}", messages.ERROR)
        else:
            self.message_user(request, f"Backup {backup.name} started ({backup.status}); refresh to follow it.",
                              messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:backups_backup_changelist"))

    def download_view(self, request, pk: int):
        backup = Backup.objects.filter(pk=pk, status=Backup.Status.OK).first()
        if backup is None:
            raise Http404("no finished backup with this id")
        archive = services.archive_path(backup.name)
        if not archive.is_file():
            raise Http404("the archive is no longer on disk")
        return FileResponse(open(archive, "rb"), as_attachment=True, filename=backup.name,
                            content_type="application/zip")

    def restore_guide_view(self, request):
        context = {
            **self.admin_site.each_context(request),
            "title": "Restore a backup",
            "opts": self.model._meta,
            "guide": mark_safe(restore_guide_html()),  # noqa: S308 - rendered from our own docs file
        }
        return TemplateResponse(request, "admin/backups/restore_guide.html", context)

    @admin.action(description="Verify selected backups (hashes and database check)")
    def verify_selected(self, request, queryset):
        for backup in queryset.filter(status=Backup.Status.OK):
            services.verify_backup(backup)
            if backup.verified:
                self.message_user(request, f"{backup.name}: OK", messages.SUCCESS)
            else:
                self.message_user(request, f"{backup.name}: {backup.error}", messages.ERROR)

    @admin.action(description="Pin selected backups (never pruned)")
    def pin_selected(self, request, queryset):
        for backup in queryset:
            services.set_pinned(backup, True)
        self.message_user(request, f"Pinned {queryset.count()} backup(s).", messages.SUCCESS)

    @admin.action(description="Unpin selected backups")
    def unpin_selected(self, request, queryset):
        for backup in queryset:
            services.set_pinned(backup, False)
        self.message_user(request, f"Unpinned {queryset.count()} backup(s).", messages.SUCCESS)

    def delete_model(self, request, obj: Backup) -> None:
        services.delete_backup(obj)

    def delete_queryset(self, request, queryset) -> None:
        for backup in queryset:
            services.delete_backup(backup)
