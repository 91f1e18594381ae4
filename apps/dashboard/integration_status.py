"""Each way Chronos talks to the outside, and whether it works: computed once, read by two pages.

The Integrations page shows every item with its rows (endpoints, calendars); the dashboard shows
one summary line per item. Both come from :func:`integrations`, so they cannot disagree.

Nothing here opens a network connection: a page view must not wait for a mail server or a
calendar server. What "works" means is read from what really happened (the e-mail log, the
outbox, the sync state); the mail server is probed only when a person asks
(:func:`apps.integrations.email.admin.smtp_problem`, behind "Test connection" and "Send now").

Each item: ``key``, ``name``, ``configured`` (bool), ``state`` ("ok", "warn" or "bad"; an
item that is not configured is "warn"), ``word`` (that state in a word), ``text`` (the wording both pages show), ``summary``
(the dashboard's line, which contains ``text``), ``url``, and ``rows`` where there are several
things of the kind.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, Max
from django.urls import reverse

from apps.dashboard.ago import ago
from apps.events.models import Calendar
from apps.integrations.email.admin import uses_smtp
from apps.integrations.email.models import EmailMessageLog
from apps.integrations.models import OutboxMessage, TelegramUpdate, WebhookEndpoint
from apps.sync import credentials
from apps.sync.models import SyncState
from chronos.config import current

RANK = {"ok": 0, "warn": 1, "bad": 2}


def worst(rows: list[dict]) -> dict | None:
    """The first row with the worst state (rows keep their page order)."""
    return max(rows, key=lambda row: RANK[row["state"]], default=None)


def _item(key: str, name: str, *, configured: bool, state: str, text: str, url: str, summary: str | None = None,
          **extra) -> dict:
    state = state if configured else "warn"
    word = "failing" if state == "bad" else "configured" if configured else "not configured"
    return {"key": key, "name": name, "configured": configured, "state": state, "word": word,
            "text": text, "summary": summary if summary is not None else text, "url": url, **extra}


def smtp(now: datetime) -> dict:
    cfg = current().email
    where = f"{cfg.backend} via {cfg.smtp.host}:{cfg.smtp.port}" if uses_smtp() else cfg.backend
    extra = {"where": where, "log_url": reverse("admin:integrations_emailmessagelog_changelist")}
    url = reverse("admin:dashboard_integrations")
    if uses_smtp() and not cfg.smtp.host.strip():
        return _item("smtp", "E-mail (SMTP)", configured=False, state="warn", url=url, **extra,
                     text="No mail server configured (email.smtp.host is empty)")
    last_ok = EmailMessageLog.objects.filter(status=EmailMessageLog.Status.SENT).aggregate(m=Max("sent_at"))["m"]
    last_bad = (EmailMessageLog.objects.filter(status=EmailMessageLog.Status.FAILED)
                .order_by("-failed_at").values("failed_at", "error").first())
    state, parts = ("ok", [f"last delivery OK {ago(last_ok, now)}"]) if last_ok else ("warn", ["no e-mail delivered yet"])
    if last_bad and (last_ok is None or (last_bad["failed_at"] and last_bad["failed_at"] > last_ok)):
        state = "bad"
        parts.append(f"last error {ago(last_bad['failed_at'], now)}: {last_bad['error'][:200]}")
    text = "; ".join(parts)
    return _item("smtp", "E-mail (SMTP)", configured=True, state=state, text=text, summary=f"{where}; {text}",
                 url=url, **extra)


def telegram(now: datetime) -> dict:
    url = reverse("admin:dashboard_integrations")
    if not current().telegram.bot_token:
        return _item("telegram", "Telegram", configured=False, state="warn", url=url,
                     text="not configured (telegram.bot_token)")
    last_update = TelegramUpdate.objects.aggregate(m=Max("received_at"))["m"]
    return _item("telegram", "Telegram", configured=True, state="ok", url=url,
                 text="bot token set; " + (f"last message {ago(last_update, now)}" if last_update
                                           else "no message received yet"))


def webhooks(now: datetime) -> dict:
    counts = dict(WebhookEndpoint.objects.values_list("enabled").annotate(n=Count("id")).order_by())
    last = {row["endpoint_id"]: row for row in OutboxMessage.objects.filter(endpoint__isnull=False)
            .values("endpoint_id").annotate(ok=Max("delivered_at"), dead=Max("dead_at")).order_by()}
    rows = []
    for endpoint in WebhookEndpoint.objects.order_by("name")[:100]:
        seen = last.get(endpoint.pk, {})
        if not endpoint.enabled:
            state, text = "warn", f"disabled{': ' + endpoint.disabled_reason if endpoint.disabled_reason else ''}"
        elif seen.get("dead") and (not seen.get("ok") or seen["dead"] > seen["ok"]):
            state, text = "bad", f"last delivery gave up {ago(seen['dead'], now)}"
        elif seen.get("ok"):
            state, text = "ok", f"last delivery OK {ago(seen['ok'], now)}"
        else:
            state, text = "warn", "nothing delivered yet"
        rows.append({"endpoint": endpoint, "name": endpoint.name, "state": state, "text": text,
                     "url": reverse("admin:integrations_webhookendpoint_change", args=[endpoint.pk])})
    text = f"{counts.get(True, 0)} enabled, {counts.get(False, 0)} disabled"
    bad = worst(rows)
    return _item("webhooks", "n8n / webhook endpoints", configured=bool(counts.get(True)),
                 state=bad["state"] if bad else "ok", rows=rows,
                 text=text, summary=f"{text}; {bad['name']}: {bad['text']}" if bad and bad["state"] != "ok" else text,
                 url=reverse("admin:integrations_webhookendpoint_changelist"))


def _calendar_rows(now: datetime, google_problem: str) -> list[dict]:
    calendars = list(Calendar.objects.exclude(source=Calendar.Source.LOCAL)[:200])
    states = {s.calendar_id: s for s in SyncState.objects.filter(calendar_id__in=[c.pk for c in calendars])}
    rows = []
    for calendar in calendars:
        state = states.get(calendar.pk)
        if calendar.source == Calendar.Source.GOOGLE and google_problem:
            tone, text = "bad", google_problem
        elif state is not None and state.current_error:
            tone, text = "bad", f"last error {ago(state.last_error_at, now)}: {state.current_error[:200]}"
        elif state is not None and state.last_success_at:
            tone, text = "ok", f"last sync OK {ago(state.last_success_at, now)}"
        else:
            tone, text = "warn", "not synced yet"
        rows.append({"calendar": calendar, "name": calendar.name, "state": tone, "text": text,
                     "url": reverse("admin:events_calendar_change", args=[calendar.pk])})
    return rows


def _calendars_summary(rows: list[dict], lead: str = "") -> tuple[str, str]:
    """(state, line) over one kind's calendars: the worst one named, or that all are fine."""
    count = f"{len(rows)} calendar{'' if len(rows) == 1 else 's'}"
    bad = worst(rows)
    if bad is None:
        return "ok", lead or "no calendar yet"
    head = f"{lead}; {count}" if lead else count
    if bad["state"] == "ok" and len(rows) > 1:
        return "ok", f"{head}, all synced"
    return bad["state"], f"{head}; {bad['name']}: {bad['text']}"


def calendar_sources(now: datetime) -> list[dict]:
    """Google (credentials and its calendars), CalDAV, and, where there are any, feeds and sample data."""
    google_problem = credentials.problem()
    rows = _calendar_rows(now, google_problem)
    by_kind: dict[str, list[dict]] = {}
    for row in rows:
        by_kind.setdefault(row["calendar"].source, []).append(row)
    connections = reverse("admin:sync_calendarconnection_changelist")
    google_rows = by_kind.get(Calendar.Source.GOOGLE, [])
    if google_problem:
        google = _item("google", "Google Calendar", configured=bool(google_rows), state="bad", text=google_problem,
                       url=reverse("admin:sync_syncstate_changelist"), rows=google_rows, problem=google_problem)
    else:
        state, text = _calendars_summary(google_rows, "credentials present")
        google = _item("google", "Google Calendar", configured=True, state=state, text=text,
                       url=reverse("admin:sync_syncstate_changelist"), rows=google_rows, problem="")
    items = [google]
    for kind, name, always in ((Calendar.Source.CALDAV, "CalDAV", True),
                               (Calendar.Source.ICS, "iCalendar feeds", False),
                               (Calendar.Source.MOCK, "Sample calendars (mock)", False)):
        kind_rows = by_kind.get(kind, [])
        if not kind_rows and not always:
            continue
        state, text = _calendars_summary(kind_rows)
        url = (f"{connections}?kind={kind}" if kind != Calendar.Source.MOCK
               else f"{reverse('admin:events_calendar_changelist')}?source__exact={kind}")
        items.append(_item(str(kind), name, configured=bool(kind_rows), state=state, text=text, url=url,
                           rows=kind_rows))
    return items


def integrations(now: datetime) -> list[dict]:
    """Every integration's item, in the order both pages list them."""
    return [smtp(now), telegram(now), webhooks(now), *calendar_sources(now)]
