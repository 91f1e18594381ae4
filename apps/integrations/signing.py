"""Webhook secrets and signatures (Standard Webhooks plus the simple ``X-Chronos-Signature``).

Both schemes sign the exact body bytes sent, keyed with the base64-decoded part of the
``whsec_`` secret:

- ``webhook-signature: v1,<base64 HMAC-SHA256("{id}.{timestamp}.{body}")>``
- ``X-Chronos-Signature: sha256=<hex HMAC-SHA256("{timestamp}.{body}")>``
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets

SECRET_PREFIX = "whsec_"


def generate_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def secret_key_bytes(secret: str) -> bytes:
    """The HMAC key: the bytes behind ``whsec_``. Raises ``ValueError`` on a malformed secret."""
    raw = secret[len(SECRET_PREFIX):] if secret.startswith(SECRET_PREFIX) else secret
    try:
        return base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("webhook secret is not whsec_<base64>") from None


def standard_signature(key: bytes, msg_id: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


def chronos_signature(key: bytes, timestamp: int, body: bytes) -> str:
    return "sha256=" + hmac.new(key, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def sign_headers(secret: str, msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    key = secret_key_bytes(secret)
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": standard_signature(key, msg_id, timestamp, body),
        "X-Chronos-Timestamp": str(timestamp),
        "X-Chronos-Signature": chronos_signature(key, timestamp, body),
    }


def verify_standard(key: bytes, msg_id: str, timestamp: int, body: bytes, header: str) -> bool:
    """True when any ``v1,`` entry of a (space-separated) ``webhook-signature`` header matches."""
    expected = standard_signature(key, msg_id, timestamp, body)
    matched = False
    for candidate in header.split():
        matched |= hmac.compare_digest(candidate.encode(), expected.encode())
    return matched


def verify_chronos(key: bytes, timestamp: int, body: bytes, header: str) -> bool:
    expected = chronos_signature(key, timestamp, body)
    return hmac.compare_digest(header.strip().encode(), expected.encode())
