"""Scope checks. Every API view declares the scope each of its actions needs.

A view sets ``required_scopes``: a dict from DRF action name (viewsets) or HTTP method
(plain views) to a scope, with optional ``"read"``/``"write"`` fallbacks for safe/unsafe
methods. A view that declares nothing for a request is refused: scopes fail closed.
"""

from __future__ import annotations

from rest_framework import permissions

from apps.core.auth import Principal


def scope_for(view, request) -> str | None:
    table: dict[str, str] = getattr(view, "required_scopes", None) or {}
    action = getattr(view, "action", None)
    if action and action in table:
        return table[action]
    if request.method in table:
        return table[request.method]
    fallback = "read" if request.method in permissions.SAFE_METHODS else "write"
    return table.get(fallback)


def principal_has_scope(user, scope: str) -> bool:
    if isinstance(user, Principal):
        # API keys and signed webhook callbacks answer for their own scopes.
        return user.has_scope(scope)
    # Staff users signed in to the admin use the browsable API with full rights.
    return bool(user and getattr(user, "is_authenticated", False) and user.is_staff)


class HasScope(permissions.BasePermission):
    message = "This API key lacks the required scope."

    def has_permission(self, request, view) -> bool:
        if getattr(view, "public", False):
            return True
        user = request.user
        if not user or not getattr(user, "is_authenticated", False):
            return False
        if request.method == "OPTIONS" or not hasattr(view, request.method.lower()):
            # No handler for this method: let DRF answer 405 instead of a misleading 403.
            return True
        scope = scope_for(view, request)
        if scope is None:
            self.message = "This endpoint declares no scope for this request."
            return False
        if principal_has_scope(user, scope):
            return True
        self.message = f"This API key lacks the '{scope}' scope."
        return False
