"""What the dashboard shows: each tile is a small dict with a state, a line of text and a link.

Every figure is one aggregate or one bounded read, so the page costs the same number of
queries whatever the number of events, commands or messages.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from croniter import croniter
from django.conf import settings
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django_q.models import Schedule

from apps.audit.models import AuditEntry
from apps.backups.models import Backup
from apps.backups.schedules import NAME as BACKUP_SCHEDULE
from apps.commands.models import Command
from apps.core import heartbeat
from apps.core.models import Heartbeat
from apps.dashboard import integration_status
from apps.dashboard.ago import ago as _ago
from apps.events.admin import local_label
from apps.events.models import Calendar, Event
from apps.integrations.models import OutboxMessage
from apps.sync.models import SyncState
from apps.sync.schedules import SCHEDULE_NAME as SYNC_SCHEDULE
from chronos.config import current


def _changelist(model, **filters) -> str:
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    query = "&".join(f"{key}={value}" for key, value in filters.items())
    return f"{url}?{query}" if query else url


def _local(when: datetime | None) -> str:
    if when is None:
        return "—"
    return f"{timezone.localtime(when):%a %d %b %H:%M} {settings.TIME_ZONE}"


def commands_tiles() -> list[dict]:
    counts = dict(Command.objects.values_list("status").annotate(n=Count("id")).order_by())
    tiles = []
    for status, label, bad in (("PENDING", "pending", False), ("PROCESSING", "processing", False),
                               ("FAILED", "failed", True)):
        n = counts.get(status, 0)
        tiles.append({"title": f"Commands {label}", "value": n, "state": "bad" if bad and n else "ok",
                      "url": _changelist(Command, status__exact=status)})
    return tiles


def dead_letters_tile() -> dict:
    n = OutboxMessage.objects.filter(status=OutboxMessage.Status.DEAD).count()
    return {"title": "Dead letters", "value": n, "state": "bad" if n else "ok",
            "url": _changelist(OutboxMessage, status__exact="dead"),
            "action": {"label": "Retry all …", "url": reverse("admin:integrations_outboxmessage_retry_dead_since")}
            if n else None}


def backup_tile(now: datetime) -> dict:
    cfg = current().backups
    last = Backup.objects.order_by("-created_at", "-id").first()
    if not cfg.enabled:
        next_run = "not scheduled (backups.enabled is false)"
    else:
        scheduled = Schedule.objects.filter(name=BACKUP_SCHEDULE).values_list("next_run", flat=True).first()
        if scheduled is None:
            local_now = now.astimezone(ZoneInfo(settings.TIME_ZONE))
            scheduled = croniter(cfg.schedule, local_now).get_next(datetime)
        next_run = _local(scheduled)
    if last is None:
        state, text = "warn", "no backup yet"
    else:
        state = {"ok": "ok", "failed": "bad"}.get(last.status, "warn")
        text = f"{last.status} {_ago(last.created_at, now)}" + (" (verified)" if last.verified else "")
    return {"title": "Last backup", "value": text, "state": state, "url": _changelist(Backup),
            "lines": [f"next run: {next_run}",
                      f"keeps {cfg.keep_daily} daily, {cfg.keep_weekly} weekly, {cfg.keep_monthly} monthly"]}


def worker_tile(now: datetime) -> dict:
    row = Heartbeat.objects.filter(name=heartbeat.WORKER).first()
    if row is None:
        return {"title": "Worker", "value": "no heartbeat yet", "state": "bad", "url": _changelist(Heartbeat)}
    alive = (now - row.last_seen) <= heartbeat.stale_after()
    return {"title": "Worker", "value": "running" if alive else "down", "state": "ok" if alive else "bad",
            "url": _changelist(Heartbeat), "lines": [f"last heartbeat {_ago(row.last_seen, now)} on {row.hostname}"]}


def sync_rows(now: datetime) -> list[dict]:
    calendars = list(Calendar.objects.all()[:200])
    states = {s.calendar_id: s for s in SyncState.objects.filter(calendar_id__in=[c.pk for c in calendars])}
    scheduled = Schedule.objects.filter(name=SYNC_SCHEDULE).values_list("next_run", flat=True).first()
    rows = []
    for calendar in calendars:
        state = states.get(calendar.pk)
        syncs = calendar.source != Calendar.Source.LOCAL and calendar.enabled
        # Last run, error and next run side by side: an error does not hide when it last worked.
        success = state.last_success_at if state is not None else None
        failed = state.last_error_at if state is not None and state.current_error else None
        if failed:
            tone, last = "bad", f"failed {_ago(failed, now)}"
        elif success:
            tone, last = "ok", f"OK {_ago(success, now)}"
        else:
            tone, last = ("warn", "not synced yet") if syncs else ("ok", "local calendar, nothing to sync")
        error = f"{state.last_error[:160]} ({_ago(failed, now)})" if failed else ""
        rows.append({"calendar": calendar, "state": tone, "last": last, "error": error,
                     "next": _local(scheduled) if syncs and scheduled else ("—" if not syncs else "when the worker runs"),
                     "url": reverse("admin:events_calendar_change", args=[calendar.pk])})
    return rows


def integrations_rows(now: datetime) -> list[dict]:
    """One line per integration: the summary of what the Integrations page shows in full."""
    return integration_status.integrations(now)


def dashboard(request) -> dict:
    now = timezone.now()
    upcoming = list(Event.objects.filter(start_time__gte=now).exclude(status="cancelled")
                    .select_related("calendar").order_by("start_time", "id")[:10])
    return {
        "tiles": [*commands_tiles(), dead_letters_tile(), backup_tile(now), worker_tile(now)],
        "sync": sync_rows(now),
        "integrations": integrations_rows(now),
        "upcoming": [{"event": e, "when": local_label(e),
                      "url": reverse("admin:events_event_change", args=[e.pk])} for e in upcoming],
        "audit": list(AuditEntry.objects.order_by("-id")[:10]),
        "calendar_url": reverse("admin:dashboard_calendar"),
        "integrations_url": reverse("admin:dashboard_integrations"),
    }
