"""Admin: webhook endpoints (secret shown once), the outbox with its dead letters and every attempt."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from apps.audit.admin import AuditTrailMixin
from apps.core.jsonparse import JSONFieldsAdminMixin
from apps.integrations import outbox, services  # noqa: F401
from apps.integrations.email import admin as email_admin  # noqa: F401  (the e-mail log, the e-mail buttons)
from apps.integrations.models import DeliveryAttempt, OutboxMessage, WebhookEndpoint

# Domain events a webhook may subscribe to ("*": every one, including types added later).
EVENT_TYPE_CHOICES = [
    ("*", "every event type (*)"),
    ("command.created", "command.created"), ("command.claimed", "command.claimed"),
    ("command.completed", "command.completed"), ("command.failed", "command.failed"),
    ("command.requeued", "command.requeued"), ("event.rescheduled", "event.rescheduled"),
    ("email.sent", "email.sent"), ("email.failed", "email.failed"), ("workflow.triggered", "workflow.triggered"),
    ("sync.conflict", "sync.conflict"),
]


class WebhookEndpointForm(forms.ModelForm):
    url = forms.URLField(max_length=2000, assume_scheme="https")
    event_types = forms.MultipleChoiceField(choices=EVENT_TYPE_CHOICES, widget=forms.CheckboxSelectMultiple,
                                            help_text="Tick the events this endpoint receives.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A type set through the API that the list does not know stays visible and ticked.
        known = {value for value, _ in EVENT_TYPE_CHOICES}
        extra = [(t, t) for t in (self.instance.event_types or []) if t not in known]
        self.fields["event_types"].choices = EVENT_TYPE_CHOICES + extra
    class Meta:
        model = WebhookEndpoint
        fields = ["name", "url", "event_types", "target_system", "payload_template_id", "enabled", "timeout_seconds"]

    def clean_url(self) -> str:
        try:
            return services.validate_url(self.cleaned_data["url"])
        except DjangoValidationError as exc:
            # The service raises a {"url": [...]} error; a clean_<field> may only raise plain messages.
            raise forms.ValidationError(exc.message_dict.get("url") or exc.messages) from None

    def clean_event_types(self) -> list[str]:
        try:
            return services.validate_event_types(self.cleaned_data["event_types"] or [])
        except DjangoValidationError as exc:
            raise forms.ValidationError(exc.message_dict.get("event_types") or exc.messages) from None

    def clean_target_system(self) -> str:
        return (self.cleaned_data.get("target_system") or "").strip().upper()


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(JSONFieldsAdminMixin, AuditTrailMixin, admin.ModelAdmin):
    """The signing secret is generated on create and shown once in the confirmation message."""

    form = WebhookEndpointForm
    list_display = ("name", "url", "target_system", "enabled", "disabled_reason", "created_at")
    list_filter = ("enabled",)
    search_fields = ("name", "url", "target_system")
    actions = ["rotate_secrets"]

    def save_model(self, request, obj, form, change):
        if change:
            if obj.enabled and "enabled" in form.changed_data:
                obj.disabled_reason = ""
            super().save_model(request, obj, form, change)
            return
        created, secret = services.create_endpoint(
            name=obj.name, url=obj.url, event_types=obj.event_types, target_system=obj.target_system,
            payload_template_id=obj.payload_template_id, enabled=obj.enabled, timeout_seconds=obj.timeout_seconds,
        )
        obj.pk, obj.secret_encrypted = created.pk, created.secret_encrypted
        obj._state.adding = False
        messages.warning(request, f"Signing secret for {obj.name} (copy it now, it is not shown again): {secret}")

    @admin.action(description="Rotate the signing secret of the selected endpoints")
    def rotate_secrets(self, request, queryset):
        for endpoint in queryset:
            secret = services.rotate_secret(endpoint=endpoint)
            messages.warning(request, f"New signing secret for {endpoint.name} (shown once): {secret}")


class DeliveryAttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    fields = ("number", "started_at", "duration_ms", "status_code", "outcome", "error", "response")
    readonly_fields = fields
    ordering = ("started_at", "id")

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class RetrySinceForm(forms.Form):
    since = forms.SplitDateTimeField(
        widget=admin.widgets.AdminSplitDateTime, help_text="Dead messages that died at or after this time."
    )


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    """Outgoing messages. Filter by status ``dead`` for the dead-letter queue; retry one, many or all since."""

    list_display = ("id", "transport", "event_type", "endpoint", "status", "attempts", "next_attempt_at",
                    "last_status_code", "short_error", "created_at")
    list_filter = ("status", "transport", "event_type", "endpoint")
    search_fields = ("=id", "event_type", "last_error")
    date_hierarchy = "created_at"
    actions = ["retry_selected"]
    inlines = [DeliveryAttemptInline]
    readonly_fields = [f.name for f in OutboxMessage._meta.fields]
    list_select_related = ("endpoint",)
    change_list_template = "admin/integrations/outboxmessage/change_list.html"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="last error")
    def short_error(self, obj: OutboxMessage) -> str:
        return obj.last_error[:120]

    @admin.action(description="Retry the selected messages now")
    def retry_selected(self, request, queryset: QuerySet):
        ids = list(queryset.values_list("id", flat=True))  # read before the retry changes their status
        count = outbox.retry(message_ids=ids)
        skipped = len(ids) - count
        messages.success(request, f"{count} message(s) queued again." + (
            f" {skipped} skipped (delivering or delivered)." if skipped else ""))

    def get_urls(self):
        return [
            path("retry-dead-since/", self.admin_site.admin_view(self.retry_dead_since_view),
                 name="integrations_outboxmessage_retry_dead_since"),
            *super().get_urls(),
        ]

    def retry_dead_since_view(self, request):
        if not self.has_view_permission(request):
            return HttpResponseRedirect(reverse("admin:index"))
        dead = OutboxMessage.objects.filter(status=OutboxMessage.Status.DEAD)
        if request.method == "POST":
            form = RetrySinceForm(request.POST)
            if form.is_valid():
                count = outbox.retry_dead_since(form.cleaned_data["since"])
                messages.success(request, f"{count} dead message(s) since {form.cleaned_data['since']:%Y-%m-%d %H:%M} "
                                          "queued again.")
                return HttpResponseRedirect(reverse("admin:integrations_outboxmessage_changelist"))
        else:
            form = RetrySinceForm(initial={"since": timezone.now() - timezone.timedelta(days=1)})
        context = {
            **self.admin_site.each_context(request),
            "title": "Retry all dead messages since …",
            "form": form,
            "opts": self.model._meta,
            "dead_count": dead.count(),
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/integrations/outboxmessage/retry_dead_since.html", context)
