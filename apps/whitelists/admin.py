from __future__ import annotations

from django import forms
from django.contrib import admin

from apps.audit.admin import AuditTrailMixin
from apps.core.jsonparse import JSONFieldsAdminMixin
from apps.whitelists.models import PARAM_TYPES, Fire, Whitelist
from apps.whitelists.services import NAME_RE, params_errors, timing_errors


class WhitelistForm(forms.ModelForm):
    """Checks parameter names and type names before saving (types: int, string, email, bool, datetime, url)."""

    class Meta:
        model = Whitelist
        fields = ["system", "action", "allowed_params", "required_params", "enabled", "fire", "fire_offset_minutes",
                  "description"]
        help_texts = {"allowed_params": f'JSON object {{"name": "type"}}; types: {", ".join(PARAM_TYPES)}'}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Entries saved before timing existed, and forms posted without it, fire on arrival.
        self.fields["fire"].required = False
        self.fields["fire_offset_minutes"].required = False

    def clean_fire(self):
        return self.cleaned_data.get("fire") or Fire.ON_ARRIVAL

    def clean_fire_offset_minutes(self):
        value = self.cleaned_data.get("fire_offset_minutes")
        return 0 if value is None else value

    def clean_system(self):
        return self._name("system")

    def clean_action(self):
        return self._name("action")

    def _name(self, field: str) -> str:
        value = (self.cleaned_data.get(field) or "").strip().upper()
        if not NAME_RE.match(value):
            raise forms.ValidationError("1-64 characters: letters, digits, _ . -")
        return value

    def clean(self):
        data = super().clean()
        if "allowed_params" in data and "required_params" in data:
            for field, messages in params_errors(data["allowed_params"], data["required_params"]).items():
                for message in messages:
                    self.add_error(field, message)
        if "fire" in data and "fire_offset_minutes" in data:
            for field, messages in timing_errors(data["fire"], data["fire_offset_minutes"]).items():
                for message in messages:
                    self.add_error(field, message)
        return data


@admin.register(Whitelist)
class WhitelistAdmin(JSONFieldsAdminMixin, AuditTrailMixin, admin.ModelAdmin):
    """What each external system may be asked to do, and with which typed parameters."""

    form = WhitelistForm
    list_display = ("system", "action", "enabled", "fire", "fire_offset_minutes", "description", "updated_at")
    list_filter = ("system", "enabled", "fire")
    search_fields = ("system", "action", "description")
