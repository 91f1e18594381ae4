from __future__ import annotations

from django import forms
from django.contrib import admin

from apps.audit.admin import AuditTrailMixin
from apps.core.jsonparse import JSONFieldsAdminMixin
from apps.workflows.models import Workflow
from apps.workflows.validation import workflow_errors


class WorkflowForm(forms.ModelForm):
    class Meta:
        model = Workflow
        fields = "__all__"

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        for field, messages in workflow_errors(data).items():
            for message in messages:
                self.add_error(field if field in self.fields else None, message)
        return data


@admin.register(Workflow)
class WorkflowAdmin(JSONFieldsAdminMixin, AuditTrailMixin, admin.ModelAdmin):
    """When a trigger command completes, the follow-up is queued (params may use placeholders)."""

    form = WorkflowForm
    list_display = (
        "name",
        "trigger_command",
        "trigger_system",
        "follow_up_command",
        "follow_up_system",
        "delay_seconds",
        "enabled",
    )
    list_filter = ("enabled", "trigger_system", "follow_up_system")
    search_fields = ("name", "trigger_command", "follow_up_command")
