"""Test helpers shared across apps."""

from __future__ import annotations

from rest_framework.test import APIClient


class ApiClientFactory:
    def __call__(self, scopes: list[str] | None = None, **kwargs) -> APIClient:
        from apps.core.models import ApiKey

        key, full = ApiKey.issue(name=kwargs.pop("name", "test"), scopes=scopes or ["admin"], **kwargs)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {full}")
        client.api_key = key
        client.raw_key = full
        return client
