"""Forget the replay key of a signed callback that did not succeed, so the sender can retry it."""

from __future__ import annotations

import logging

logger = logging.getLogger(__name__)

# Set on the Django request by SignedCallbackAuthentication once the key is recorded.
SEEN_KEY_ATTR = "_chronos_seen_callback_key"


class ForgetFailedCallbackIdsMiddleware:
    """A webhook-id (or simple signature) is recorded before the view runs, so a concurrent replay
    is refused. If the callback then fails (any non-2xx, including a 500), the key is removed: a
    retry with the same id is the sender doing the right thing. Successful callbacks stay
    remembered, so replaying them is still refused with 409.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        key = getattr(request, SEEN_KEY_ATTR, None)
        if key and not 200 <= response.status_code < 300:
            from apps.integrations.models import SeenWebhookId

            try:
                SeenWebhookId.objects.filter(key=key).delete()
            except Exception:  # noqa: BLE001 - the response is already decided; a retry then gets 409
                logger.exception("could not forget the callback key of a failed request")
        return response
