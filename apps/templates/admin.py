from __future__ import annotations

from django import forms
from django.contrib import admin

from apps.audit.admin import AuditTrailMixin
from apps.core.jsonparse import JSONFieldsAdminMixin
from apps.templates.admin_preview import TemplatePreviewAdminMixin
from apps.templates.models import Template, TemplateUsage
from apps.templates.rendering import validate_template


class TemplateForm(forms.ModelForm):
    class Meta:
        model = Template
        fields = "__all__"

    def clean(self):
        cleaned = super().clean()
        seen: set[str] = set()
        for field, messages in validate_template(cleaned.get("type") or "event", cleaned).items():
            for message in messages:
                # The same unknown placeholder in subject and body is named once, on its first field.
                if message in seen:
                    continue
                seen.add(message)
                self.add_error(field if field in self.fields else None, message)
        return cleaned


class TemplateUsageInline(admin.TabularInline):
    model = TemplateUsage
    extra = 0
    can_delete = False
    readonly_fields = ("actor", "actor_name", "used_at")
    ordering = ("-used_at",)
    max_num = 0


@admin.register(Template)
class TemplateAdmin(JSONFieldsAdminMixin, TemplatePreviewAdminMixin, AuditTrailMixin, admin.ModelAdmin):
    form = TemplateForm

    class Media:
        js = ("dashboard/insert_at_cursor.js", "dashboard/template_form.js")
        css = {"all": ("dashboard/dashboard.css",)}
    list_display = ("title", "type", "usage_count", "last_used_at", "calendar_id", "updated_at")
    list_filter = ("type", "all_day")
    radio_fields = {"transparency": admin.HORIZONTAL}
    search_fields = ("title", "description", "subject")
    readonly_fields = ("usage_count", "last_used_at", "created_at", "updated_at")
    inlines = [TemplateUsageInline]
    fieldsets = (
        (None, {"fields": ("type", "title", "description", "variables")}),
        ("Event", {"fields": ("all_day", "default_time", "duration_minutes", "calendar_id", "tags", "attendees",
                              "transparency", "default_sub_tasks")}),
        ("E-mail", {"fields": ("subject", "body_html", "body_text")}),
        ("Webhook", {"fields": ("body_json",)}),
        ("Usage", {"fields": ("usage_count", "last_used_at", "created_at", "updated_at")}),
    )
