from __future__ import annotations

import json

from django import forms
from django.contrib import admin
from django.utils.html import format_html, format_html_join

from apps.audit.admin import AuditTrailMixin
from apps.core.jsonparse import JSONFieldsAdminMixin
from apps.workflows.models import Workflow
from apps.workflows.rendering import COMMAND_PLACEHOLDERS, EVENT_PLACEHOLDERS, WORKFLOW_PLACEHOLDERS
from apps.workflows.validation import param_errors, workflow_errors

MAX_PARAMS = 8


def _entries() -> list[tuple[str, str, bool, dict]]:
    """(system, action, enabled, allowed_params) of every whitelist entry, in one query."""
    from apps.whitelists.models import Whitelist

    return list(Whitelist.objects.order_by("system", "action")
                .values_list("system", "action", "enabled", "allowed_params"))


class PlaceholderInput(forms.TextInput):
    """A parameter value box with a picker beside it that inserts a placeholder at the cursor.

    The picker lists the completed command's fields, its parameters (those of the chosen
    trigger's whitelist entry; static/dashboard/workflow_form.js swaps them when the trigger
    changes), the entry it came from and the workflow itself.
    """

    trigger_params: list[str] = []

    def render(self, name, value, attrs=None, renderer=None):
        box = super().render(name, value, attrs, renderer)
        groups = [("The completed command", [*COMMAND_PLACEHOLDERS, "command.result."]),
                  ("Its parameters", [f"command.params.{p}" for p in self.trigger_params]),
                  ("The calendar entry it came from", EVENT_PLACEHOLDERS),
                  ("This workflow", WORKFLOW_PLACEHOLDERS)]
        options = format_html_join("", '<optgroup label="{}" data-group="{}">{}</optgroup>', (
            (label, index, format_html_join("", '<option value="{}">{}</option>',
                                            ((key, "command.result.<key>" if key.endswith(".") else key)
                                             for key in keys)))
            for index, (label, keys) in enumerate(groups)))
        return format_html('{} <select class="placeholder-picker" data-for="{}" aria-label="Insert a placeholder">'
                           '<option value="">Insert placeholder …</option>{}</select>',
                           box, (attrs or {}).get("id", ""), options)


class WorkflowForm(forms.ModelForm):
    """Trigger and follow-up picked from the whitelist; follow-up parameters as name/value rows."""

    trigger = forms.ChoiceField(label="When this command completes", help_text="From the whitelist.")
    follow_up = forms.ChoiceField(label="Queue this command", help_text="From the whitelist.")

    class Meta:
        model = Workflow
        fields = ["name", "delay_seconds", "enabled"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        entries = _entries()
        choices = [(f"{system}|{action}", f"{action} on {system}" + ("" if enabled else " (disabled)"))
                   for system, action, enabled, _ in entries]
        params_of = {f"{system}|{action}": sorted(allowed or {}) for system, action, _, allowed in entries}
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
        # The pickers offer the chosen trigger's parameters (the script swaps them on a change).
        self.fields["trigger"].widget.attrs["data-params"] = json.dumps(params_of)
        trigger = self.data.get("trigger") if self.is_bound else self.fields["trigger"].initial
        for i in range(MAX_PARAMS):
            self.fields[f"param_{i}_value"].widget.trigger_params = params_of.get(trigger or "", [])

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
        # A parameter's problem is shown on its own row; the rest above the form.
        from apps.whitelists.models import Whitelist

        entry = Whitelist.objects.filter(system=follow_system, action=follow_command).first()
        on_rows = param_errors(entry, params) if entry is not None else {}
        for i in range(MAX_PARAMS):
            name = (data.get(f"param_{i}_name") or "").strip()
            if name in on_rows:
                self.add_error(f"param_{i}_value", on_rows[name])
        for field, messages in workflow_errors(data).items():
            for message in messages:
                if message in on_rows.values():
                    continue
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
                        widget=PlaceholderInput(attrs={"placeholder": "text or {{command.result.id}}", "size": 40}))


@admin.register(Workflow)
class WorkflowAdmin(JSONFieldsAdminMixin, AuditTrailMixin, admin.ModelAdmin):
    """When a trigger command completes, the follow-up is queued (params may use placeholders)."""

    form = WorkflowForm

    class Media:
        js = ("dashboard/insert_at_cursor.js", "dashboard/workflow_form.js")
        css = {"all": ("dashboard/dashboard.css",)}

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
                               + ", ".join(ROOTS) + " (the picker beside each value inserts one). Rows are checked against the "
                               "follow-up's whitelist entry: each name must be one of its parameters, a plain "
                               "value must fit the parameter's type, and every required parameter needs a row."}),
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
