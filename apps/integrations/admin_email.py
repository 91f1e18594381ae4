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
from apps.integrations.email import send_email, send_template_to_attendees
from apps.integrations.email_models import EmailAttachment, EmailMessageLog
from apps.templates import admin as templates_admin
from apps.templates.models import Template
from apps.templates.rendering import preview_context


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

    list_display = ("id", "subject", "recipient_list", "status", "attempts", "template_name", "created_at", "sent_at")
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
            "<p style='margin-top:.5em'><input type='email' name='test_address' placeholder='you@example.com'> "
            "<button type='submit' formaction='{}' formnovalidate class='button'>Send test e-mail</button> "
            "<span class='help'>Sends the saved version with sample data.</span></p>",
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
            log = send_email(
                to=[address] if address else [],
                template=template,
                context=preview_context(template, {"recipient": {"email": address, "name": ""}}),
            )
        except ValidationError as exc:
            detail = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items()) if hasattr(
                exc, "error_dict"
            ) else " ".join(exc.messages)
            self.message_user(request, f"Test e-mail not sent: {detail}", level=messages.ERROR)
            return HttpResponseRedirect(back)
        self.message_user(request, f"Test e-mail {log.pk} queued for {address} (Message-ID {log.message_id}).")
        return HttpResponseRedirect(back)


for model, model_admin in ((Event, EventAdmin), (Template, TemplateAdmin)):
    admin.site.unregister(model)
    admin.site.register(model, model_admin)
