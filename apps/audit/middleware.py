"""Names the signed-in admin user as the actor of changes made through the admin."""

from __future__ import annotations

from apps.audit import actor as audit_actor


class AuditContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Bearer-key requests are named by the API authentication; only cookie sessions here.
        if "HTTP_AUTHORIZATION" not in request.META:
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated:
                audit_actor.set_actor(actor=f"user:{user.pk}", actor_name=user.get_username(), scope="admin-ui")
        return self.get_response(request)
