"""The ``webhook`` transport: a signed JSON POST to a :class:`WebhookEndpoint`.

The body is built once per attempt from the stored payload (deterministically, so every
attempt sends the same bytes unless the endpoint's payload template changed) and signed over
exactly those bytes. Redirects are not followed: a 3xx counts as a failed attempt.

Connections go through :class:`~apps.integrations.pinned.PinnedAddressAdapter`: the host is
resolved and checked once per connection, and the connection goes to exactly the addresses
checked. Of the receiver's answer only an excerpt is read and kept (``EXCERPT_BYTES``): an endpoint
aimed at an internal service must not become a way to read that service's pages.
"""

from __future__ import annotations

import json
import threading
import time
from datetime import datetime
from urllib.parse import urlsplit

import requests

from apps.core.timefmt import parse_retry_after
from apps.integrations import netguard, signing
from apps.integrations.pinned import pinned_session
from apps.integrations.transports.base import DeliveryResult, Transport, TransportError, register
from chronos.config import current

# Retrying these can succeed; every other 4xx is the receiver refusing the message for good.
RETRYABLE_4XX = {408, 409, 425, 429}

# How much of an answer is read: the excerpt kept with the attempt, and at most DRAIN_BYTES more
# read and dropped so the connection can be kept alive (a longer answer closes it instead).
EXCERPT_BYTES = 256
DRAIN_BYTES = 64 * 1024

_local = threading.local()


def session() -> requests.Session:
    """One keep-alive session per thread: reusing connections matters for throughput."""
    s = getattr(_local, "session", None)
    if s is None:
        s = _local.session = pinned_session()
    return s


def read_excerpt(response: requests.Response) -> str:
    """The start of the answer's body as text: ``EXCERPT_BYTES`` and a few more, so that the
    outbox can tell an answer that was cut (it keeps at most ``max_response_bytes``)."""
    kept = b""
    read = 0
    try:
        for chunk in response.iter_content(chunk_size=4096):
            if len(kept) < EXCERPT_BYTES + 4:
                kept += chunk[:EXCERPT_BYTES + 4 - len(kept)]
            read += len(chunk)
            if read > EXCERPT_BYTES + DRAIN_BYTES:
                break
    except requests.RequestException:
        pass  # a broken or slow body: the status line is what counts
    finally:
        response.close()  # releases a fully read connection, closes one that was not
    return kept.decode("utf-8", errors="replace")


def default_body(message) -> dict:
    return {
        "type": message.event_type,
        "timestamp": message.created_at.isoformat().replace("+00:00", "Z"),
        "data": message.payload,
    }


def render_body(message) -> bytes:
    endpoint = message.endpoint
    if endpoint is not None and endpoint.payload_template_id:
        from apps.integrations.templating import render_payload_template

        rendered = render_payload_template(endpoint.payload_template_id, default_body(message))
        if rendered is not None:
            return rendered.encode()
    return json.dumps(default_body(message), separators=(",", ":"), ensure_ascii=False).encode()


def _check_url(url: str) -> None:
    """A URL that can never be sent to. Where it points is checked when connecting (pinned)."""
    parts = urlsplit(url)
    try:
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError as exc:
        raise TransportError(f"invalid URL: {exc}", permanent=True) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise TransportError(f"invalid URL: {url!r}", permanent=True)


def _push_of(message) -> tuple[int, datetime | None] | None:
    """``(command id, lease the push took)`` of a command push; the lease is None on old messages."""
    target = message.target or {}
    command_id = target.get("push_command_id")
    if command_id is None:
        return None
    raw = target.get("push_lease_until")
    try:
        lease = datetime.fromisoformat(raw) if isinstance(raw, str) else None
    except ValueError:
        lease = None
    return int(command_id), lease


def _stale_push(message) -> str:
    """Why a command push must not be sent any more ('' if it may)."""
    push = _push_of(message)
    if push is None or push[1] is None:
        return ""
    from apps.commands.models import Command

    command_id, lease = push
    row = Command.objects.filter(pk=command_id).values_list("status", "timeout_at").first()
    if row is None:
        return f"command {command_id} no longer exists"
    status, timeout_at = row
    if status != Command.Status.PROCESSING or timeout_at != lease:
        return f"command {command_id} is no longer held by this push (status {status}, its lease expired)"
    return ""


@register
class WebhookTransport(Transport):
    name = "webhook"

    def deliver(self, message) -> DeliveryResult:
        endpoint = message.endpoint
        if endpoint is None:
            raise TransportError("webhook endpoint was deleted", permanent=True)
        if not endpoint.enabled:
            raise TransportError(f"webhook endpoint {endpoint.name!r} is disabled", permanent=True)
        _check_url(endpoint.url)
        stale = _stale_push(message)
        if stale:
            # Nothing to tell the receiver: the command is no longer this push's to hand out.
            return DeliveryResult(detail=f"not sent: {stale}")
        body = render_body(message)
        timestamp = int(time.time())
        try:
            secret = endpoint.secret
            headers = signing.sign_headers(secret, str(message.id), timestamp, body)
        except Exception as exc:  # noqa: BLE001 - unreadable/malformed secret: nothing to retry
            raise TransportError(f"cannot sign: {exc}", permanent=True) from None
        headers.update({"Content-Type": "application/json", "User-Agent": current().integrations.webhooks.user_agent})
        timeout = min(endpoint.timeout_seconds or current().integrations.webhooks.default_timeout_seconds, current().integrations.webhooks.max_timeout_seconds)
        try:
            response = session().post(endpoint.url, data=body, headers=headers, timeout=timeout,
                                      allow_redirects=False, stream=True)
        except netguard.Refused as exc:
            raise TransportError(f"destination refused: {exc} (integrations.webhooks)", permanent=True) from None
        except netguard.Unresolvable as exc:
            raise TransportError(f"connection failed: {exc}") from None
        except requests.Timeout:
            raise TransportError(f"timed out after {timeout}s") from None
        except requests.RequestException as exc:
            raise TransportError(f"connection failed: {type(exc).__name__}: {exc}") from None
        text = read_excerpt(response)
        code = response.status_code
        if 200 <= code < 300:
            return DeliveryResult(status_code=code, response_body=text)
        retry_after = parse_retry_after(response.headers.get("Retry-After")) if code in (429, 503) else None
        if code == 410:
            self._disable(endpoint)
            raise TransportError("410 Gone: endpoint disabled", permanent=True, status_code=code, response_body=text)
        if 300 <= code < 400:
            raise TransportError(f"HTTP {code}: redirect not followed", status_code=code, response_body=text)
        permanent = 400 <= code < 500 and code not in RETRYABLE_4XX
        raise TransportError(f"HTTP {code}", permanent=permanent, retry_after=retry_after,
                             status_code=code, response_body=text)

    @staticmethod
    def _disable(endpoint) -> None:
        from apps.integrations.models import WebhookEndpoint

        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(enabled=False, disabled_reason="receiver answered 410 Gone")
        endpoint.enabled = False

    def on_dead(self, message) -> None:
        """A push that ends dead returns the command to PENDING, so it stays pollable."""
        push = _push_of(message)
        if push is None:
            return
        from apps.commands.services import release_push

        release_push(command_id=push[0], lease_until=push[1])
