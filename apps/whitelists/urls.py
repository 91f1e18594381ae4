from __future__ import annotations

from django.urls import path

from apps.whitelists import api

urlpatterns = [
    # Before the router: its detail route would otherwise take "export"/"import" as an id.
    path("whitelists/export", api.WhitelistExportView.as_view(), name="whitelist-export"),
    path("whitelists/import", api.WhitelistImportView.as_view(), name="whitelist-import"),
    *api.router.urls,
]
