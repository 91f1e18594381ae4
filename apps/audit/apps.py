from __future__ import annotations

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AuditConfig(AppConfig):
    name = "apps.audit"
    label = "audit"
    verbose_name = "Audit log"

    def ready(self) -> None:
        from apps.audit import guards

        # Table rebuilds in later SQLite migrations drop triggers: put them back after every migrate.
        post_migrate.connect(guards.ensure_after_migrate, dispatch_uid="audit_guards")
