"""Admin for the e-mail log, and the e-mail buttons on the event and template pages.

Imported by this app's ``admin`` module, after the events and templates admin modules. The event
action asks for the template on an intermediate page, then queues one e-mail per attendee of each
selected event; the template page gets "send test e-mail".
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from apps.events import admin as events_admin
from apps.events.models import Event
from apps.integrations import outbox
from apps.integrations.email.models import EmailAttachment, EmailMessageLog
from apps.integrations.email.sending import send_email, send_template_to_attendees
from apps.templates import admin as templates_admin
from apps.templates.models import Template
from apps.templates.rendering import preview_context


def uses_smtp() -> bool:
    """Whether e-mail goes out through an SMTP server of our own (other backends are HTTP APIs)."""
    from chronos.config import current

    return current().email.backend in ("smtp", "django.core.mail.backends.smtp.EmailBackend")


def smtp_problem() -> str:
    """Why no mail can go out now ("" when the SMTP server answers); other backends are not probed.

    This opens a connection to the mail server and may wait up to the configured timeout: call it
    when a person asks (a test send, "Test connection"), never on a page view.
    """
    import socket

    from chronos.config import current

    cfg = current().email
    if not uses_smtp():
        return ""
    host, port = cfg.smtp.host.strip(), int(cfg.smtp.port)
    if not host:
        return "No mail server configured (email.smtp.host is empty): nothing was sent."
    try:
        socket.create_connection((host, port), timeout=min(5.0, float(cfg.smtp.timeout or 5))).close()
    except OSError as exc:
        return (f"No mail server configured at {host}:{port} (email.smtp.host/port): it does not answer "
                f"({exc.strerror or exc}). Nothing was sent.")
    return ""


def send_test_now(*, address: str, template=None, subject: str = "Chronos test e-mail") -> tuple[bool, str]:
    """Send one test e-mail at once and say what really happened: (sent, message for a person)."""
    import time

    problem = smtp_problem()
    if problem:
        return False, problem
    if template is not None:
        context = preview_context(template, {"recipient": {"email": address, "name": ""}})
        log = send_email(to=[address], template=template, context=context)
    else:
        log = send_email(to=[address], subject=subject,
                         text="This is a test e-mail from Chronos. If you can read it, e-mail delivery works.")
    if log.outbox_message_id:
        outbox.deliver_now(log.outbox_message_id)
    deadline = time.monotonic() + 15
    while True:  # the worker may have claimed it first: wait for its outcome a little
        log.refresh_from_db()
        if log.status != EmailMessageLog.Status.QUEUED or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    if log.status == EmailMessageLog.Status.SENT:
        return True, f"Test e-mail {log.pk} sent to {address}: the mail server accepted it (Message-ID {log.message_id})."
    if log.status == EmailMessageLog.Status.FAILED:
        return False, f"Test e-mail {log.pk} to {address} failed: {log.error}"
    return False, (f"Test e-mail {log.pk} to {address} is not delivered yet"
                   + (f": {log.error}" if log.error else "") + ". It will be retried; see the e-mail log.")


class EmailAttachmentInline(admin.TabularInline):
    model = EmailAttachment
    extra = 0
    can_delete = False
    max_num = 0
    fields = ("filename", "content_type", "size", "sha256")
    readonly_fields = fields


@admin.register(EmailMessageLog)
class EmailMessageLogAdmin(admin.ModelAdmin):
    """Read-only delivery log; failed messages can be sent again."""

    list_display = ("id", "subject", "recipient_list", "status", "error_text", "attempts", "template_name", "created_at",
                    "sent_at")
    list_filter = ("status", "priority", "created_at")
    search_fields = ("subject", "message_id", "to", "template_name", "error")
    date_hierarchy = "created_at"
    inlines = [EmailAttachmentInline]
    actions = ["send_again"]
    exclude = ("body_html",)
    readonly_fields = (
        "status", "error", "attempts", "message_id", "subject", "from_email", "from_name", "to", "cc", "bcc",
        "reply_to", "priority", "template_id", "template_name", "command_id", "event_id", "outbox_message_id",
        "created_at", "sent_at", "failed_at", "body_text", "html_source",
    )  # fmt: skip

    def get_queryset(self, request):
        return super().get_queryset(request).defer("body_html", "body_text")

    @admin.display(description="Error")
    def error_text(self, obj: EmailMessageLog) -> str:
        # The list says why each message failed; the full text is on its page.
        return obj.error if len(obj.error) <= 160 else obj.error[:159] + "…"

    @admin.display(description="Recipients")
    def recipient_list(self, obj: EmailMessageLog) -> str:
        return ", ".join(obj.recipients)

    @admin.display(description="HTML body (source)")
    def html_source(self, obj: EmailMessageLog) -> str:
        return format_html("<pre style='white-space:pre-wrap;max-width:60em'>{}</pre>", obj.body_html)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description="Send again (failed messages)")
    def send_again(self, request, queryset):
        ids = [
            mid
            for mid in queryset.filter(status=EmailMessageLog.Status.FAILED).values_list("outbox_message_id", flat=True)
            if mid
        ]
        with transaction.atomic():
            count = outbox.retry(message_ids=ids)
        self.message_user(request, f"{count} e-mail(s) queued again.")


class _TemplateChoiceForm(forms.Form):
    template = forms.ModelChoiceField(queryset=None, label="E-mail template")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = Template.objects.filter(type="email").order_by("title")


@admin.action(description="Send an e-mail template to the attendees")
def send_template_to_attendees_action(modeladmin, request, queryset):
    """Event admin action: pick a template, then one e-mail per attendee of each selected event."""
    if "apply" in request.POST:
        form = _TemplateChoiceForm(request.POST)
        if form.is_valid():
            sent, problems = 0, []
            for event in queryset.select_related("calendar"):
                try:
                    sent += len(send_template_to_attendees(event=event, template=form.cleaned_data["template"]))
                except ValidationError as exc:
                    problems.append(f"{event}: {' '.join(exc.messages)}")
            modeladmin.message_user(request, f"{sent} e-mail(s) queued.")
            for problem in problems:
                modeladmin.message_user(request, problem, level=messages.WARNING)
            return None
    else:
        form = _TemplateChoiceForm()
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": "Send an e-mail template to the attendees",
        "form": form,
        "events": queryset,
        "event_rows": format_html_join(
            "", "<li>{} — {}</li>", ((e.title, ", ".join(e.attendees or []) or "no attendees") for e in queryset)
        ),
        "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
        "action": "send_template_to_attendees_action",
        "opts": modeladmin.model._meta,
    }
    return TemplateResponse(request, "admin/integrations/send_template_to_attendees.html", context)



# --- E-mail glue on other apps' admin pages -------------------------------------------------
# The e-mail transport lives here, and this app builds on events and templates (never the other
# way round), so what sends e-mail from their admin pages is added from this side: their admin
# classes are re-registered with the e-mail parts on top.


class EventAdmin(events_admin.EventAdmin):
    actions = [*events_admin.EventAdmin.actions, send_template_to_attendees_action]


class TemplateAdmin(templates_admin.TemplateAdmin):
    def get_urls(self):
        opts = self.model._meta
        send_test = path("<int:object_id>/send-test/", self.admin_site.admin_view(self.send_test_view),
                         name=f"{opts.app_label}_{opts.model_name}_send_test")
        return [send_test, *super().get_urls()]

    def preview_controls(self, obj) -> str:
        if obj is None or not obj.pk or obj.type != "email":
            return ""
        opts = self.model._meta
        send_url = reverse(f"admin:{opts.app_label}_{opts.model_name}_send_test", args=[obj.pk])
        return format_html(
            "<p class='test-send-row'><input type='email' name='test_address' placeholder='you@example.com'> "
            "<button type='submit' formaction='{}' formnovalidate class='button'>Send test e-mail</button> "
            "<span class='help'>Sends the saved version with sample data at once and shows the mail server's answer.</span></p>",
            send_url,
        )

    def send_test_view(self, request: HttpRequest, object_id: int) -> HttpResponseRedirect:
        template = get_object_or_404(self.model, pk=object_id)
        opts = self.model._meta
        back = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[object_id])
        if request.method != "POST":
            return HttpResponseRedirect(back)
        if not self.has_change_permission(request, template):
            raise PermissionDenied
        address = (request.POST.get("test_address") or "").strip()
        try:
            sent, text = send_test_now(address=address, template=template)
        except ValidationError as exc:
            detail = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items()) if hasattr(
                exc, "error_dict"
            ) else " ".join(exc.messages)
            self.message_user(request, f"Test e-mail not sent: {detail}", level=messages.ERROR)
            return HttpResponseRedirect(back)
        self.message_user(request, text, level=messages.SUCCESS if sent else messages.ERROR)
        return HttpResponseRedirect(back)


for model, model_admin in ((Event, EventAdmin), (Template, TemplateAdmin)):
    admin.site.unregister(model)
    admin.site.register(model, model_admin)
