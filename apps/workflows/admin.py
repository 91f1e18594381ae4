from __future__ import annotations

import json

from django import forms
from django.contrib import admin

from apps.audit.admin import AuditTrailMixin
from apps.core.jsonparse import JSONFieldsAdminMixin
from apps.workflows.models import Workflow
from apps.workflows.validation import workflow_errors

MAX_PARAMS = 8


def _pairs() -> list[tuple[str, str]]:
    """(value, label) for every whitelisted action: "N8N|BACKUP" -> "BACKUP on N8N"."""
    from apps.whitelists.models import Whitelist

    return [(f"{system}|{action}", f"{action} on {system}" + ("" if enabled else " (disabled)"))
            for system, action, enabled in Whitelist.objects.order_by("system", "action")
            .values_list("system", "action", "enabled")]


class WorkflowForm(forms.ModelForm):
    """Trigger and follow-up picked from the whitelist; follow-up parameters as name/value rows."""

    trigger = forms.ChoiceField(label="When this command completes", help_text="From the whitelist.")
    follow_up = forms.ChoiceField(label="Queue this command", help_text="From the whitelist.")

    class Meta:
        model = Workflow
        fields = ["name", "delay_seconds", "enabled"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = _pairs()
        known = {value for value, _ in choices}
        instance = self.instance
        current = []
        if instance.pk:
            for system, action in ((instance.trigger_system, instance.trigger_command),
                                   (instance.follow_up_system, instance.follow_up_command)):
                value = f"{system}|{action}"
                if value not in known:
                    current.append((value, f"{action} on {system} (not in the whitelist)"))
                    known.add(value)
            self.fields["trigger"].initial = f"{instance.trigger_system}|{instance.trigger_command}"
            self.fields["follow_up"].initial = f"{instance.follow_up_system}|{instance.follow_up_command}"
            for i, (name, value) in enumerate(list((instance.follow_up_params or {}).items())[:MAX_PARAMS]):
                self.fields[f"param_{i}_name"].initial = name
                self.fields[f"param_{i}_value"].initial = value if isinstance(value, str) else json.dumps(value)
        self.fields["trigger"].choices = self.fields["follow_up"].choices = [("", "---------"), *choices, *current]

    def clean(self):
        data = super().clean()
        params = {}
        for i in range(MAX_PARAMS):
            name = (data.get(f"param_{i}_name") or "").strip()
            value = data.get(f"param_{i}_value") or ""
            if not name:
                if value.strip():
                    self.add_error(f"param_{i}_name", "Name the parameter this value is for.")
                continue
            if name in params:
                self.add_error(f"param_{i}_name", f"{name}: listed twice; keep one row per parameter.")
                continue
            params[name] = value
        data["follow_up_params"] = params
        if self.errors:
            return data
        trigger_system, _, trigger_command = data["trigger"].partition("|")
        follow_system, _, follow_command = data["follow_up"].partition("|")
        data.update(trigger_system=trigger_system, trigger_command=trigger_command,
                    follow_up_system=follow_system, follow_up_command=follow_command)
        targets = {"trigger_command": "trigger", "trigger_system": "trigger", "follow_up_command": "follow_up",
                   "follow_up_system": "follow_up", "follow_up_params": None}
        for field, messages in workflow_errors(data).items():
            for message in messages:
                target = targets.get(field, field)
                self.add_error(target if target in self.fields else None, message)
        return data

    def _post_clean(self):
        super()._post_clean()
        for name in ("trigger_system", "trigger_command", "follow_up_system", "follow_up_command",
                     "follow_up_params"):
            if name in self.cleaned_data:
                setattr(self.instance, name, self.cleaned_data[name])


for _i in range(MAX_PARAMS):
    WorkflowForm.declared_fields[f"param_{_i}_name"] = WorkflowForm.base_fields[f"param_{_i}_name"] = forms.CharField(
        label="Parameter", required=False, max_length=64, widget=forms.TextInput(attrs={"placeholder": "name"}))
    WorkflowForm.declared_fields[f"param_{_i}_value"] = WorkflowForm.base_fields[f"param_{_i}_value"] = \
        forms.CharField(label="value", required=False, max_length=2000,
                        widget=forms.TextInput(attrs={"placeholder": "text or {{command.result.id}}", "size": 40}))


@admin.register(Workflow)
class WorkflowAdmin(JSONFieldsAdminMixin, AuditTrailMixin, admin.ModelAdmin):
    """When a trigger command completes, the follow-up is queued (params may use placeholders)."""

    form = WorkflowForm

    def get_fieldsets(self, request, obj=None):
        used = len(obj.follow_up_params or {}) if obj is not None else 0
        rows = min(MAX_PARAMS, max(3, used + 2))
        from apps.workflows.validation import ROOTS

        return (
            (None, {"fields": ("name", "trigger", "follow_up", "delay_seconds", "enabled")}),
            ("Follow-up parameters", {
                "fields": [(f"param_{i}_name", f"param_{i}_value") for i in range(rows)],
                "description": "Each value is text, or a placeholder of the completed command such as "
                               "{{command.result.url}} or {{command.params.keep}}; placeholders start with "
                               + ", ".join(ROOTS) + ". Names are checked against the follow-up's whitelist entry."}),
        )
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
