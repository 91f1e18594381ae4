"""The API scopes of the contract (docs/api.md, "Scopes")."""

from __future__ import annotations

SCOPES: dict[str, str] = {
    "events.read": "GET events, links, availability, templates, analytics",
    "events.write": "create/update/delete events, checklists, links; templates/{id}/use; POST availability/optimize",
    "templates.manage": "create/update/delete templates (event, email, webhook payload)",
    "commands.read": "list and inspect commands",
    "commands.manage": "poll (claim), complete, fail, create commands",
    "sync.run": "trigger a calendar sync",
    "integrations.manage": "outbox list/retry, email send, integration settings",
    "backups.manage": "create, list, download backups",
    "audit.read": "read the audit log",
    "admin": "everything, including whitelists, workflows, API keys",
}
ALL_SCOPES = tuple(SCOPES)


def validate_scopes(scopes: list[str]) -> list[str]:
    """Return the scopes unchanged, or raise ``ValueError`` naming the unknown ones."""
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown:
        raise ValueError(f"unknown scope(s): {', '.join(unknown)}; known: {', '.join(SCOPES)}")
    if not scopes:
        raise ValueError("at least one scope is required")
    return list(dict.fromkeys(scopes))
