from __future__ import annotations

from django.apps import AppConfig


class WhitelistsConfig(AppConfig):
    name = "apps.whitelists"
    label = "whitelists"
