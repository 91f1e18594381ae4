"""Admin for the e-mail log, and the "send an e-mail template to the attendees" action for events.

Registered from ``IntegrationsConfig.ready``. The event action is a plain function the event
admin lists in its ``actions``: it asks for the template on an intermediate page, then queues one
e-mail per attendee of each selected event.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.response import TemplateResponse
from django.utils.html import format_html, format_html_join

from apps.integrations import outbox
from apps.integrations.email_models import EmailAttachment, EmailMessageLog


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
        from apps.templates.models import Template

        self.fields["template"].queryset = Template.objects.filter(type="email").order_by("title")


@admin.action(description="Send an e-mail template to the attendees")
def send_template_to_attendees_action(modeladmin, request, queryset):
    """Event admin action: pick a template, then one e-mail per attendee of each selected event."""
    from apps.integrations.email import send_template_to_attendees

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
