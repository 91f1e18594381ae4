from __future__ import annotations

from django.contrib import admin

from apps.audit.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the audit log can be searched and filtered, never edited."""

    list_display = ("ts", "actor_name", "action", "entity", "entity_id", "ip", "request_id")
    list_filter = ("action", "entity", "actor")
    search_fields = ("entity_id", "actor", "actor_name", "request_id")
    date_hierarchy = "ts"
    readonly_fields = [f.name for f in AuditEntry._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class AuditTrailMixin:
    """Adds a link to an object's audit trail on its admin change page."""

    change_form_template = "admin/audit_trail_change_form.html"

    def change_view(self, request, object_id, form_url="", extra_context=None):
        from apps.audit.registry import entity_name

        extra_context = extra_context or {}
        entity = getattr(self, "audit_entity", None) or entity_name(self.model)
        extra_context["audit_entries"] = AuditEntry.objects.filter(
            entity=entity, entity_id=str(object_id)
        ).order_by("-id")[:50]
        return super().change_view(request, object_id, form_url, extra_context=extra_context)
