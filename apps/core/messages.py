"""Admin messages stored in the session are sealed: some show a secret once (a new API key).

Django's default message storage keeps messages in a signed (not encrypted) cookie and moves
what does not fit (rotating many keys at once) into the session, that is into the database
table ``django_session`` in readable form. The session part is encrypted here with
:mod:`apps.core.crypto`; the cookie goes only to the browser that is shown the secret anyway.
"""

from __future__ import annotations

from django.contrib.messages.storage.cookie import CookieStorage
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.messages.storage.session import SessionStorage

from apps.core import crypto


class SealedSessionStorage(SessionStorage):
    def serialize_messages(self, messages):
        return crypto.encrypt(super().serialize_messages(messages))

    def deserialize_messages(self, data):
        if data and isinstance(data, str):
            try:
                data = crypto.decrypt(data)
            except crypto.SecretUnreadable:
                return []  # sealed under an older SECRET_KEY: nothing to show
        return super().deserialize_messages(data)


class SealedFallbackStorage(FallbackStorage):
    """Django's default (cookie, then session), with the session part sealed."""

    storage_classes = (CookieStorage, SealedSessionStorage)
