"""Admin pieces for e-mail and webhook templates: placeholder list, live preview, test send.

:class:`TemplatePreviewAdminMixin` is mixed into the template admin. It adds a read-only
"Placeholders and preview" section to the change form (the allowed placeholders, a preview that
re-renders with sample data as the author types, and a "send test e-mail" button) and two admin
URLs: ``preview/`` (POST the form's fields, get the rendering as JSON) and ``<id>/send-test/``.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, JsonResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from apps.templates.rendering import (
    TemplateRenderError,
    available_placeholders,
    preview_context,
    render_template,
    validate_template,
)

_FIELDS = ("type", "title", "description", "subject", "body_html", "body_text", "body_json")

def _fields_from_post(request: HttpRequest) -> dict[str, Any]:
    fields: dict[str, Any] = {name: request.POST.get(name, "") for name in _FIELDS}
    raw_variables = request.POST.get("variables", "") or "[]"
    try:
        fields["variables"] = json.loads(raw_variables)
    except ValueError:
        fields["variables"] = []
    return fields


def render_preview(fields: dict[str, Any]) -> dict[str, Any]:
    """Render unsaved template fields with sample data; ``{"error": ...}`` when they cannot be."""
    template_type = fields.get("type") or "event"
    errors = validate_template(template_type, fields)
    # For a preview only placeholder problems matter; missing bodies are reported on save.
    placeholder_errors = [msg for msgs in errors.values() for msg in msgs if "placeholder" in msg or "JSON" in msg]
    if "type" in errors:
        return {"error": errors["type"][0]}
    if placeholder_errors:
        return {"error": placeholder_errors[0]}
    try:
        return render_template(fields, preview_context(fields))
    except TemplateRenderError as exc:
        return {"error": str(exc)}


class TemplatePreviewAdminMixin:
    """Placeholder help and live preview for the Template admin."""

    preview_fieldset_title = "Placeholders and preview"

    def get_urls(self):
        opts = self.model._meta
        name = f"{opts.app_label}_{opts.model_name}"
        extra = [
            path("preview/", self.admin_site.admin_view(self.preview_view), name=f"{name}_preview"),
        ]
        return extra + super().get_urls()

    def get_readonly_fields(self, request, obj=None):
        return (*super().get_readonly_fields(request, obj), "available_placeholders", "live_preview")

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        fieldsets.append((self.preview_fieldset_title, {"fields": ("available_placeholders", "live_preview")}))
        return fieldsets

    @admin.display(description="Available placeholders")
    def available_placeholders(self, obj) -> str:
        # One list per type; the page shows the list of the chosen type, and a click inserts the
        # placeholder where the cursor was (static/dashboard/template_form.js).
        blocks = []
        for template_type in ("event", "email", "webhook"):
            keys = available_placeholders(template_type, getattr(obj, "variables", None) if obj else None)
            buttons = format_html_join(" ", '<button type="button" class="placeholder-key" data-key="{}">{}</button>',
                                       ((key.strip("{}"), key) for key in keys))
            blocks.append(format_html('<div class="placeholder-list" data-type="{}">{}</div>', template_type, buttons))
        return format_html(
            "<div class='placeholder-help'>{}<p class='help'>Click one to insert it at the cursor. A key ending in "
            "<code>.*</code> takes any sub-key, e.g. <code>{{{{command.params.room}}}}</code>. Values are "
            "HTML-escaped in HTML bodies and JSON-encoded in webhook bodies.</p></div>",
            format_html_join("", "{}", ((block,) for block in blocks)),
        )

    def preview_controls(self, obj) -> str:
        """HTML below the preview; the e-mail side adds its "send test e-mail" button here."""
        return ""

    @admin.display(description="Preview (sample data)")
    def live_preview(self, obj) -> str:
        opts = self.model._meta
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_preview")
        # The preview goes into a sandboxed iframe (no scripts), so an author's HTML cannot act
        # inside the admin; static/dashboard/template_form.js re-renders it as the author types.
        parts = [
            format_html(
                "<div id='chronos-preview-info' class='preview-info'></div>"
                "<iframe id='chronos-preview-frame' class='preview-frame' data-url='{}' sandbox=''></iframe>",
                url,
            ),
        ]
        parts.append(self.preview_controls(obj))
        return mark_safe("".join(str(part) for part in parts))  # noqa: S308 - every part is escaped above

    def preview_view(self, request: HttpRequest) -> JsonResponse:
        if request.method != "POST":
            return JsonResponse({"error": "POST the template's fields."}, status=405)
        if not self.has_view_permission(request):
            raise PermissionDenied
        return JsonResponse(render_preview(_fields_from_post(request)))
