"""Admin pieces for e-mail and webhook templates: placeholder list, live preview, test send.

:class:`TemplatePreviewAdminMixin` is mixed into the template admin. It adds a read-only
"Placeholders and preview" section to the change form (the allowed placeholders, a preview that
re-renders with sample data as the author types, and a "send test e-mail" button) and two admin
URLs: ``preview/`` (POST the form's fields, get the rendering as JSON) and ``<id>/send-test/``.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
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

# Re-renders through the admin's preview URL on every edit; the result goes into a sandboxed
# iframe (no scripts) so an author's HTML cannot act inside the admin.
_PREVIEW_JS = """
<script>
(function () {
  const form = document.currentScript.closest("form");
  const frame = document.getElementById("chronos-preview-frame");
  const info = document.getElementById("chronos-preview-info");
  const url = frame.dataset.url;
  let timer = null;
  function refresh() {
    const data = new FormData(form);
    fetch(url, {method: "POST", body: data, credentials: "same-origin"})
      .then(r => r.json())
      .then(out => {
        if (out.error) { info.textContent = out.error; frame.srcdoc = ""; return; }
        info.textContent = out.subject !== undefined ? "Subject: " + out.subject : "";
        if (out.html !== undefined) { frame.srcdoc = out.html || ("<pre>" + (out.text || "").replace(/[&<>]/g, c => ({"&": "&amp;", "<": "&lt;", ">": "&gt;"}[c])) + "</pre>"); }
        else { const pre = document.createElement("pre"); pre.textContent = out.json !== undefined ? out.json : (out.title + "\\n" + out.description); frame.srcdoc = pre.outerHTML; }
      })
      .catch(() => { info.textContent = "Preview unavailable."; });
  }
  form.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(refresh, 300); });
  refresh();
})();
</script>
"""


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
    """Placeholder help, live preview and test send for the Template admin."""

    preview_fieldset_title = "Placeholders and preview"

    def get_urls(self):
        opts = self.model._meta
        name = f"{opts.app_label}_{opts.model_name}"
        extra = [
            path("preview/", self.admin_site.admin_view(self.preview_view), name=f"{name}_preview"),
            path("<int:object_id>/send-test/", self.admin_site.admin_view(self.send_test_view), name=f"{name}_send_test"),
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
        rows = []
        for template_type in ("event", "email", "webhook"):
            keys = available_placeholders(template_type, getattr(obj, "variables", None) if obj else None)
            rows.append((template_type, ", ".join(keys)))
        return format_html(
            "<div style='max-width:60em'>{}<p>A key ending in <code>.*</code> takes any sub-key, e.g. "
            "<code>{{{{command.params.room}}}}</code>. Values are HTML-escaped in HTML bodies and JSON-encoded "
            "in webhook bodies.</p></div>",
            format_html_join("", "<p><b>{}</b>: <code>{}</code></p>", rows),
        )

    @admin.display(description="Preview (sample data)")
    def live_preview(self, obj) -> str:
        opts = self.model._meta
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_preview")
        parts = [
            format_html(
                "<div id='chronos-preview-info' style='margin-bottom:.5em'></div>"
                "<iframe id='chronos-preview-frame' data-url='{}' sandbox='' "
                "style='width:100%;max-width:60em;height:22em;border:1px solid #ccc;background:#fff'></iframe>",
                url,
            ),
            mark_safe(_PREVIEW_JS),  # noqa: S308 - a constant script, no user data in it
        ]
        if obj is not None and obj.pk and obj.type == "email":
            send_url = reverse(f"admin:{opts.app_label}_{opts.model_name}_send_test", args=[obj.pk])
            parts.append(
                format_html(
                    "<p style='margin-top:.5em'><input type='email' name='test_address' placeholder='you@example.com'> "
                    "<button type='submit' formaction='{}' formnovalidate class='button'>Send test e-mail</button> "
                    "<span class='help'>Sends the saved version with sample data.</span></p>",
                    send_url,
                )
            )
        return mark_safe("".join(str(part) for part in parts))  # noqa: S308 - every part is escaped above

    def preview_view(self, request: HttpRequest) -> JsonResponse:
        if request.method != "POST":
            return JsonResponse({"error": "POST the template's fields."}, status=405)
        if not self.has_view_permission(request):
            raise PermissionDenied
        return JsonResponse(render_preview(_fields_from_post(request)))

    def send_test_view(self, request: HttpRequest, object_id: int) -> HttpResponseRedirect:
        from apps.integrations.email import send_email

        template = get_object_or_404(self.model, pk=object_id)
        opts = self.model._meta
        back = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[object_id])
        if request.method != "POST":
            return HttpResponseRedirect(back)
        if not self.has_change_permission(request, template):
            raise PermissionDenied
        address = (request.POST.get("test_address") or "").strip()
        try:
            log = send_email(
                to=[address] if address else [],
                template=template,
                context=preview_context(template, {"recipient": {"email": address, "name": ""}}),
            )
        except ValidationError as exc:
            detail = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items()) if hasattr(
                exc, "error_dict"
            ) else " ".join(exc.messages)
            self.message_user(request, f"Test e-mail not sent: {detail}", level=messages.ERROR)
            return HttpResponseRedirect(back)
        self.message_user(request, f"Test e-mail {log.pk} queued for {address} (Message-ID {log.message_id}).")
        return HttpResponseRedirect(back)
