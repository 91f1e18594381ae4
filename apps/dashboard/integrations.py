"""The integrations page: each way Chronos talks to the outside, its state, and an honest test send.

A page view never probes the mail server: "Test connection" and "Send now" do, when pressed.
"""

from __future__ import annotations

from datetime import datetime

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone

from apps.dashboard import integration_status
from apps.integrations.email.admin import send_test_now, smtp_problem, uses_smtp
from apps.whitelists.models import Whitelist
from apps.workflows.models import Workflow
from chronos.config import current


class TestSendForm(forms.Form):
    address = forms.EmailField(label="Send a test e-mail to", widget=forms.EmailInput(attrs={"size": 40}))


def rows(now: datetime) -> dict:
    """The page's context: every integration as :mod:`apps.dashboard.integration_status` sees it,
    and what is aimed at something that cannot deliver."""
    items = integration_status.integrations(now)
    by_key = {item["key"]: item for item in items}
    smtp = by_key["smtp"]
    endpoints = by_key["webhooks"]["rows"]
    sources = sorted((row for item in items if item["key"] not in ("smtp", "telegram", "webhooks")
                      for row in item["rows"]), key=lambda row: row["calendar"].pk)
    # Workflows whose follow-up cannot go anywhere: not whitelisted, or aimed at an e-mail
    # system while e-mail does not work.
    allowed = set(Whitelist.objects.filter(enabled=True).values_list("system", "action"))
    mail_system = (current().email.command_system or "").upper()
    mail_broken = smtp["state"] == "bad" or not smtp["configured"]
    flagged = []
    for workflow in Workflow.objects.filter(enabled=True).order_by("name")[:200]:
        system, action = workflow.follow_up_system.upper(), workflow.follow_up_command.upper()
        if (system, action) not in allowed:
            reason = f"{action} → {system} is not in the whitelist: every follow-up will be refused"
        elif system == mail_system and mail_broken:
            reason = f"{system} is the e-mail system, and e-mail does not work: {smtp['text']}"
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
    return {"smtp": smtp, "telegram": by_key["telegram"], "endpoints": endpoints, "sources": sources,
            "google": by_key["google"], "flagged": flagged}


def _test_connection() -> tuple[bool, str]:
    """Probe the mail server now, because a person asked: (answers, message for a person)."""
    cfg = current().email
    if not uses_smtp():
        return True, f"E-mail goes through {cfg.backend}, not an SMTP server: send a test e-mail to check it."
    problem = smtp_problem()
    if problem:
        return False, problem.replace(" Nothing was sent.", "")
    return True, f"The mail server at {cfg.smtp.host}:{cfg.smtp.port} answers."


def integrations_page(request):
    from django.contrib import admin

    if request.method == "POST" and "test_connection" in request.POST:
        answers, text = _test_connection()
        messages.add_message(request, messages.SUCCESS if answers else messages.ERROR, text)
        return HttpResponseRedirect(reverse("admin:dashboard_integrations"))
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
