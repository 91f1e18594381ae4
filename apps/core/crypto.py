"""Encryption at rest for stored secrets (webhook signing secrets, calendar passwords, ...).

The Fernet key is derived from ``SECRET_KEY`` with HKDF, so the secrets stay readable across
restarts without another key to manage, and a database dump alone does not reveal them.
Rotating ``SECRET_KEY`` makes stored secrets unreadable: regenerate them afterwards.
"""

from __future__ import annotations

import base64
import functools

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings


class SecretUnreadable(Exception):
    """The stored secret cannot be decrypted (``SECRET_KEY`` changed since it was written)."""


@functools.lru_cache(maxsize=4)
def _fernet(secret_key: str) -> Fernet:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"chronos-integrations",
                   info=b"webhook-secrets").derive(secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(derived))


def encrypt(value: str) -> str:
    return _fernet(settings.SECRET_KEY).encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet(settings.SECRET_KEY).decrypt(token.encode()).decode()
    except InvalidToken:
        raise SecretUnreadable("stored secret cannot be decrypted; was SECRET_KEY changed?") from None
