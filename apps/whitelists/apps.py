from __future__ import annotations

from django.apps import AppConfig


class WhitelistsConfig(AppConfig):
    name = "apps.whitelists"
    label = "whitelists"
    verbose_name = "Whitelists: what external systems may be asked to do"

    def ready(self) -> None:
        from apps.audit.registry import register
        from apps.whitelists.models import Whitelist

        register(Whitelist, entity="whitelist")
