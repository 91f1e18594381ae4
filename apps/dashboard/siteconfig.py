from __future__ import annotations

from django.contrib.admin.apps import AdminConfig


class ChronosAdminConfig(AdminConfig):
    """Django's admin with the Chronos site: the dashboard as its index, menus grouped by use."""

    default_site = "apps.dashboard.site.ChronosAdminSite"
