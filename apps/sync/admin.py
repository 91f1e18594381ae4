"""Admin for sync state, runs and the write-back queue (with conflict resolution)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db import transaction
from django.utils import timezone

from apps.sync import services
from apps.sync.models import PendingPush, SyncRun, SyncState
from apps.sync.selectors import health


def _credentials_notice(request) -> None:
    line = health()["google_credentials"]
    if line not in ("ok", "not used"):
        messages.warning(request, line)


@admin.register(SyncState)
class SyncStateAdmin(admin.ModelAdmin):
    """Per calendar: token, last outcome, lock. "Sync now" queues a run."""

    list_display = ("calendar", "last_success_at", "last_error_at", "short_error", "has_token", "locked")
    readonly_fields = ("calendar", "sync_token", "last_success_at", "last_error", "last_error_at",
                       "lock_owner", "lock_expires_at", "updated_at")
    actions = ["sync_now", "full_sync_now", "release_lock"]

    def has_add_permission(self, request) -> bool:
        return False

    def changelist_view(self, request, extra_context=None):
        _credentials_notice(request)
        return super().changelist_view(request, extra_context)

    @admin.display(description="last error")
    def short_error(self, obj: SyncState) -> str:
        return obj.last_error[:120]

    @admin.display(boolean=True, description="token")
    def has_token(self, obj: SyncState) -> bool:
        return bool(obj.sync_token)

    def _queue(self, request, queryset, *, full: bool) -> None:
        queued = 0
        for state in queryset.select_related("calendar"):
            try:
                services.queue_sync(calendar_id=state.calendar_id, full=full, trigger="admin")
                queued += 1
            except services.NotSyncable as exc:
                messages.error(request, str(exc))
        if queued:
            messages.success(request, f"Queued {queued} sync run(s).")

    @admin.action(description="Sync now")
    def sync_now(self, request, queryset) -> None:
        self._queue(request, queryset, full=False)

    @admin.action(description="Full sync now (drop the token)")
    def full_sync_now(self, request, queryset) -> None:
        self._queue(request, queryset, full=True)

    @admin.action(description="Release a stuck lock")
    def release_lock(self, request, queryset) -> None:
        queryset.update(lock_owner="", lock_expires_at=None)


@admin.register(SyncRun)
class SyncRunAdmin(admin.ModelAdmin):
    """Read-only history of sync runs with their counts and errors."""

    list_display = ("queued_at", "calendar", "trigger", "status", "full", "fetched", "created", "updated",
                    "deleted", "consumed", "pushed", "conflicts", "duration_seconds")
    list_filter = ("status", "trigger", "calendar")
    search_fields = ("task_id",)
    readonly_fields = [f.name for f in SyncRun._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def changelist_view(self, request, extra_context=None):
        _credentials_notice(request)
        return super().changelist_view(request, extra_context)


@admin.register(PendingPush)
class PendingPushAdmin(admin.ModelAdmin):
    """Local changes waiting for Google or a CalDAV server; conflicts are decided here."""

    list_display = ("external_id", "calendar", "op", "reason", "status", "attempts", "next_attempt_at",
                    "short_error", "event")
    list_filter = ("status", "op", "calendar")
    search_fields = ("external_id",)
    readonly_fields = ("calendar", "event", "external_id", "op", "reason", "base_etag", "attempts",
                       "last_error", "remote_snapshot", "created_at", "updated_at")
    actions = ["keep_local", "take_remote", "retry_now"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.display(description="last error")
    def short_error(self, obj: PendingPush) -> str:
        return obj.last_error[:120]

    @admin.action(description="Conflict: keep the local version (overwrite the remote one)")
    def keep_local(self, request, queryset) -> None:
        count = queryset.filter(status__in=[PendingPush.Status.CONFLICT, PendingPush.Status.FAILED]).update(
            status=PendingPush.Status.PENDING, force=True, attempts=0, next_attempt_at=timezone.now())
        messages.success(request, f"{count} change(s) will be pushed over the remote version.")

    @admin.action(description="Conflict: take the remote version (drop the local change)")
    def take_remote(self, request, queryset) -> None:
        from apps.sync.models import SyncState

        with transaction.atomic():
            rows = list(queryset.filter(status=PendingPush.Status.CONFLICT))
            calendars = {p.calendar_id for p in rows}
            for p in rows:
                p.delete()
            # The next run lists fully, so the remote version replaces the local one.
            SyncState.objects.filter(calendar_id__in=calendars).update(sync_token="")
        messages.success(request, f"{len(rows)} local change(s) dropped; the next sync takes the remote versions.")

    @admin.action(description="Retry now")
    def retry_now(self, request, queryset) -> None:
        count = queryset.exclude(status=PendingPush.Status.CONFLICT).update(
            status=PendingPush.Status.PENDING, attempts=0, next_attempt_at=timezone.now())
        messages.success(request, f"{count} change(s) queued again.")

from apps.sync import admin_connections  # noqa: E402,F401  (registers the CalDAV/feed pages)
