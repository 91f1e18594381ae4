"""Helpers to set up whitelist entries in tests of any app."""

from __future__ import annotations

from apps.whitelists.models import Whitelist


def allow(
    system: str,
    action: str,
    allowed: dict[str, str] | None = None,
    required: list[str] | None = None,
    *,
    enabled: bool = True,
) -> Whitelist:
    entry, _ = Whitelist.objects.update_or_create(
        system=system.upper(),
        action=action.upper(),
        defaults={"allowed_params": allowed or {}, "required_params": required or [], "enabled": enabled},
    )
    return entry
