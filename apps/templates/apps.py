from __future__ import annotations

from django.apps import AppConfig


class TemplatesConfig(AppConfig):
    name = "apps.templates"
    label = "templates"

    def ready(self) -> None:
        from apps.audit.registry import register
        from apps.templates.models import Template

        # usage_count/last_used_at change on every use; TemplateUsage rows record those.
        register(Template, exclude=("usage_count", "last_used_at"), entity="template")
