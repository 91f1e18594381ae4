from __future__ import annotations

from django import forms
from django.contrib import admin

from apps.audit.admin import AuditTrailMixin
from apps.core.jsonparse import JSONFieldsAdminMixin
from apps.whitelists.models import PARAM_TYPES, Fire, Whitelist
from apps.whitelists.services import NAME_RE, params_errors, timing_errors

MAX_ROWS = 12


class WhitelistForm(forms.ModelForm):
    """Parameters as rows (name, type, required) instead of JSON; checked as the API checks them."""

    class Meta:
        model = Whitelist
        fields = ["system", "action", "enabled", "fire", "fire_offset_minutes", "description"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = self.instance.allowed_params or {} if self.instance.pk else {}
        required = set(self.instance.required_params or []) if self.instance.pk else set()
        for i, (name, type_name) in enumerate(list(allowed.items())[:MAX_ROWS]):
            self.fields[f"param_{i}_name"].initial = name
            self.fields[f"param_{i}_type"].initial = type_name
            self.fields[f"param_{i}_required"].initial = name in required
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
        allowed: dict[str, str] = {}
        required: list[str] = []
        for i in range(MAX_ROWS):
            name = (data.get(f"param_{i}_name") or "").strip()
            if not name:
                if data.get(f"param_{i}_required"):
                    self.add_error(f"param_{i}_name", "Give the parameter a name, or untick required.")
                continue
            if name in allowed:
                self.add_error(f"param_{i}_name", f"{name}: listed twice; keep one row per parameter.")
                continue
            allowed[name] = data.get(f"param_{i}_type") or "string"
            if data.get(f"param_{i}_required"):
                required.append(name)
        for messages in params_errors(allowed, required).values():
            for message in messages:
                self.add_error(None, message)
        data["allowed_params"], data["required_params"] = allowed, required
        if "fire" in data and "fire_offset_minutes" in data:
            for field, messages in timing_errors(data["fire"], data["fire_offset_minutes"]).items():
                for message in messages:
                    self.add_error(field, message)
        return data

    def _post_clean(self):
        super()._post_clean()
        if "allowed_params" in self.cleaned_data:
            self.instance.allowed_params = self.cleaned_data["allowed_params"]
            self.instance.required_params = self.cleaned_data["required_params"]


for _i in range(MAX_ROWS):
    for _suffix, _field in (
        ("name", forms.CharField(label="Parameter", required=False, max_length=64,
                                 widget=forms.TextInput(attrs={"placeholder": "name", "size": 20}))),
        ("type", forms.ChoiceField(label="type", required=False, choices=[(t, t) for t in PARAM_TYPES])),
        ("required", forms.BooleanField(label="required", required=False)),
    ):
        WhitelistForm.declared_fields[f"param_{_i}_{_suffix}"] = WhitelistForm.base_fields[f"param_{_i}_{_suffix}"] = _field


@admin.register(Whitelist)
class WhitelistAdmin(JSONFieldsAdminMixin, AuditTrailMixin, admin.ModelAdmin):
    """What each external system may be asked to do, and with which typed parameters."""

    form = WhitelistForm
    list_display = ("system", "action", "parameters", "enabled", "fire", "fire_offset_minutes", "description",
                    "updated_at")
    list_filter = ("system", "enabled", "fire")
    search_fields = ("system", "action", "description")

    def get_fieldsets(self, request, obj=None):
        used = len(obj.allowed_params or {}) if obj is not None else 0
        rows = min(MAX_ROWS, max(4, used + 3))
        return (
            (None, {"fields": ("system", "action", "enabled", "description")}),
            ("When it fires", {"fields": ("fire", "fire_offset_minutes")}),
            ("Parameters", {"fields": [(f"param_{i}_name", f"param_{i}_type", f"param_{i}_required")
                                       for i in range(rows)],
                            "description": "One row per parameter; blank rows are ignored. "
                                           f"Types: {', '.join(PARAM_TYPES)}."}),
        )

    @admin.display(description="parameters")
    def parameters(self, obj: Whitelist) -> str:
        required = set(obj.required_params or [])
        return ", ".join(f"{name}: {kind}" + (" (required)" if name in required else "")
                         for name, kind in (obj.allowed_params or {}).items()) or "—"
