from __future__ import annotations

from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.utils import timezone

from apps.audit.admin import AuditTrailMixin
from apps.core.models import ApiKey, Heartbeat
from apps.core.scopes import SCOPES
from chronos.config import current


class ApiKeyForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        choices=[(s, f"{s} — {d}") for s, d in SCOPES.items()], widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = ApiKey
        fields = ["name", "scopes", "expires_at"]


def grace() -> timedelta:
    return timedelta(hours=current().api.key_rotation_grace_hours)


@admin.register(ApiKey)
class ApiKeyAdmin(AuditTrailMixin, admin.ModelAdmin):
    """Create keys here: the secret is shown once in the confirmation message, then only its hash remains."""

    form = ApiKeyForm
    list_display = ("name", "key_id", "scope_list", "created_at", "expires_at", "revoked_at", "last_used_at")
    list_filter = ("revoked_at",)
    search_fields = ("name", "key_id")
    readonly_fields = ("key_id", "created_at", "last_used_at", "revoked_at", "created_by")
    actions = ["revoke_keys", "rotate_keys"]

    @admin.display(description="scopes")
    def scope_list(self, obj: ApiKey) -> str:
        return ", ".join(obj.scopes)

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        key, full = ApiKey.issue(
            name=obj.name, scopes=form.cleaned_data["scopes"], expires_at=obj.expires_at,
            created_by=request.user.get_username(),
        )
        obj.pk, obj.key_id = key.pk, key.key_id
        obj._state.adding = False
        messages.warning(request, f"New API key (copy it now, it is not shown again): {full}")

    @admin.action(description="Revoke selected keys")
    def revoke_keys(self, request, queryset):
        now = timezone.now()
        count = 0
        for key in queryset.filter(revoked_at__isnull=True):
            key.revoked_at = now
            key.save(update_fields=["revoked_at"])
            count += 1
        messages.success(request, f"Revoked {count} key(s).")

    @admin.action(description="Rotate selected keys (old secret valid for the grace period)")
    def rotate_keys(self, request, queryset):
        for key in queryset.filter(revoked_at__isnull=True):
            full = key.rotate(grace=grace())
            messages.warning(request, f"New secret for {key.name} (shown once): {full}")


@admin.register(Heartbeat)
class HeartbeatAdmin(admin.ModelAdmin):
    """Processes that report being alive; the worker's row drives /health."""

    list_display = ("name", "kind", "hostname", "pid", "started_at", "last_seen")
    readonly_fields = ("name", "kind", "hostname", "pid", "started_at", "last_seen")

    def has_add_permission(self, request) -> bool:
        return False
