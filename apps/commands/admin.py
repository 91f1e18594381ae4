from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.template.response import TemplateResponse

from apps.audit.admin import AuditTrailMixin
from apps.commands import services
from apps.commands.models import Command


class FailReasonForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3, "cols": 60}), max_length=2000)


def _each(modeladmin, request, queryset, fn, verb: str, **kwargs) -> None:
    done, refused = 0, []
    for command in queryset.order_by("id"):
        try:
            fn(command_id=command.pk, **kwargs)
            done += 1
        except services.IllegalTransition as exc:
            refused.append(str(exc))
    if done:
        modeladmin.message_user(request, f"{verb} {done} command(s).", messages.SUCCESS)
    for message in refused:
        modeladmin.message_user(request, message, messages.WARNING)


@admin.action(description="Requeue (PENDING now, fresh retries)")
def requeue(modeladmin, request, queryset):
    _each(modeladmin, request, queryset, services.requeue, "Requeued")


@admin.action(description="Mark completed (runs workflows)")
def mark_completed(modeladmin, request, queryset):
    _each(modeladmin, request, queryset, services.mark_completed, "Completed")


@admin.action(description="Mark failed (asks for a reason)")
def mark_failed(modeladmin, request, queryset):
    if "apply" in request.POST:
        form = FailReasonForm(request.POST)
        if form.is_valid():
            _each(modeladmin, request, queryset, services.mark_failed, "Failed", reason=form.cleaned_data["reason"])
            return None
    else:
        form = FailReasonForm()
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": "Mark commands failed",
        "commands": queryset.order_by("id"),
        "form": form,
        "opts": modeladmin.model._meta,
        "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "admin/commands/command/mark_failed.html", context)


@admin.register(Command)
class CommandAdmin(AuditTrailMixin, admin.ModelAdmin):
    """The queue: filter by status/system; requeue, complete or fail by hand (all audited)."""

    list_display = (
        "id",
        "command",
        "target_system",
        "status",
        "retries",
        "max_retries",
        "created_at",
        "timeout_at",
        "short_error",
    )
    list_filter = ("status", "target_system")
    search_fields = ("command", "target_system", "source_event_id", "idempotency_key")
    actions = [requeue, mark_completed, mark_failed]
    readonly_fields = [f.name for f in Command._meta.fields]
    list_per_page = 100

    @admin.display(description="last error")
    def short_error(self, obj: Command) -> str:
        return obj.last_error[:80]

    def has_add_permission(self, request) -> bool:
        # Commands are created through the whitelist (API, ACTION entries, workflows), never by hand here.
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        # The detail page is read-only; status changes go through the audited actions.
        return False
