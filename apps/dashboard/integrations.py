"""The integrations page: each way Chronos talks to the outside, its state, and an honest test send."""

from __future__ import annotations

from datetime import datetime

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Max
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone

from apps.dashboard.tiles import _ago
from apps.events.models import Calendar
from apps.integrations.email.admin import send_test_now, smtp_problem
from apps.integrations.email.models import EmailMessageLog
from apps.integrations.models import OutboxMessage, TelegramUpdate, WebhookEndpoint
from apps.sync import credentials
from apps.sync.models import SyncState
from apps.whitelists.models import Whitelist
from apps.workflows.models import Workflow
from chronos.config import current


class TestSendForm(forms.Form):
    address = forms.EmailField(label="Send a test e-mail to", widget=forms.EmailInput(attrs={"size": 40}))


def _last_mail(now: datetime) -> str:
    last_ok = EmailMessageLog.objects.filter(status=EmailMessageLog.Status.SENT).aggregate(m=Max("sent_at"))["m"]
    last_bad = (EmailMessageLog.objects.filter(status=EmailMessageLog.Status.FAILED)
                .order_by("-failed_at").values("failed_at", "error").first())
    parts = [f"last delivery OK {_ago(last_ok, now)}" if last_ok else "no e-mail delivered yet"]
    if last_bad and (last_ok is None or (last_bad["failed_at"] and last_bad["failed_at"] > last_ok)):
        parts.append(f"last error {_ago(last_bad['failed_at'], now)}: {last_bad['error'][:200]}")
    return "; ".join(parts)


def rows(now: datetime) -> dict:
    cfg = current().email
    mail_problem = smtp_problem()
    bot_token = current().telegram.bot_token
    last_update = TelegramUpdate.objects.aggregate(m=Max("received_at"))["m"]
    endpoints = []
    last = {row["endpoint_id"]: row for row in OutboxMessage.objects.filter(endpoint__isnull=False)
            .values("endpoint_id").annotate(ok=Max("delivered_at"), dead=Max("dead_at")).order_by()}
    for endpoint in WebhookEndpoint.objects.order_by("name")[:100]:
        seen = last.get(endpoint.pk, {})
        if not endpoint.enabled:
            state, text = "warn", f"disabled{': ' + endpoint.disabled_reason if endpoint.disabled_reason else ''}"
        elif seen.get("dead") and (not seen.get("ok") or seen["dead"] > seen["ok"]):
            state, text = "bad", f"last delivery gave up {_ago(seen['dead'], now)}"
        elif seen.get("ok"):
            state, text = "ok", f"last delivery OK {_ago(seen['ok'], now)}"
        else:
            state, text = "warn", "nothing delivered yet"
        endpoints.append({"endpoint": endpoint, "state": state, "text": text,
                          "url": reverse("admin:integrations_webhookendpoint_change", args=[endpoint.pk])})
    calendars = list(Calendar.objects.exclude(source=Calendar.Source.LOCAL)[:200])
    states = {s.calendar_id: s for s in SyncState.objects.filter(calendar_id__in=[c.pk for c in calendars])}
    google_problem = credentials.problem()
    sources = []
    for calendar in calendars:
        state = states.get(calendar.pk)
        if calendar.source == Calendar.Source.GOOGLE and google_problem:
            tone, text = "bad", google_problem
        elif state is not None and state.current_error:
            tone, text = "bad", f"last error {_ago(state.last_error_at, now)}: {state.current_error[:200]}"
        elif state is not None and state.last_success_at:
            tone, text = "ok", f"last sync OK {_ago(state.last_success_at, now)}"
        else:
            tone, text = "warn", "not synced yet"
        sources.append({"calendar": calendar, "state": tone, "text": text,
                        "url": reverse("admin:events_calendar_change", args=[calendar.pk])})
    # Workflows whose follow-up cannot go anywhere: not whitelisted, or aimed at an e-mail
    # system while no mail server answers.
    allowed = set(Whitelist.objects.filter(enabled=True).values_list("system", "action"))
    mail_system = (cfg.command_system or "").upper()
    flagged = []
    for workflow in Workflow.objects.filter(enabled=True).order_by("name")[:200]:
        system, action = workflow.follow_up_system.upper(), workflow.follow_up_command.upper()
        if (system, action) not in allowed:
            reason = f"{action} → {system} is not in the whitelist: every follow-up will be refused"
        elif system == mail_system and mail_problem:
            reason = f"{system} is the e-mail system, and no mail server answers"
        else:
            continue
        flagged.append({"name": workflow.name, "reason": reason,
                        "url": reverse("admin:workflows_workflow_change", args=[workflow.pk])})
    for item in endpoints:
        endpoint = item["endpoint"]
        if endpoint.target_system and not any(s == endpoint.target_system.upper() for s, _ in allowed):
            flagged.append({"name": f"endpoint {endpoint.name}",
                            "reason": f"pushes {endpoint.target_system} commands, but the whitelist allows none",
                            "url": item["url"]})
    return {
        "smtp": {"state": "bad" if mail_problem else "ok",
                 "where": f"{cfg.backend} via {cfg.smtp.host}:{cfg.smtp.port}",
                 "text": mail_problem.replace(" Nothing was sent.", "") if mail_problem else _last_mail(now),
                 "log_url": reverse("admin:integrations_emailmessagelog_changelist")},
        "telegram": {"state": "ok" if bot_token else "warn",
                     "text": ("bot token set; " + (f"last message {_ago(last_update, now)}" if last_update
                                                   else "no message received yet"))
                     if bot_token else "not configured (telegram.bot_token)"},
        "endpoints": endpoints,
        "sources": sources,
        "google": google_problem,
        "flagged": flagged,
    }


def integrations_page(request):
    from django.contrib import admin

    if request.method == "POST":
        form = TestSendForm(request.POST)
        if form.is_valid():
            try:
                sent, text = send_test_now(address=form.cleaned_data["address"])
            except ValidationError as exc:
                sent, text = False, f"Not sent: {' '.join(exc.messages)}"
            messages.add_message(request, messages.SUCCESS if sent else messages.ERROR, text)
            return HttpResponseRedirect(reverse("admin:dashboard_integrations"))
    else:
        form = TestSendForm()
    context = {**admin.site.each_context(request), "title": "Integrations", "form": form,
               **rows(timezone.now())}
    return TemplateResponse(request, "dashboard/integrations.html", context)
