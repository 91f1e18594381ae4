"""Google credentials: a stored OAuth user token or a service-account key, paths from config.

Problems never raise anything but :class:`CredentialsError` with one readable line, which
``/health``, the admin and the sync run show as is. Nothing here talks to the network except
refreshing an expired user token (and then the new token is saved back).
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

from django.conf import settings

from apps.sync.sources.base import CredentialsError
from chronos.config import current

logger = logging.getLogger(__name__)

def _path(raw: str) -> Path:
    p = Path(raw).expanduser()
    return p if p.is_absolute() else settings.BASE_DIR / p


def scopes() -> list[str]:
    return list(current().google.scopes)


def credentials_path() -> Path | None:
    raw = current().google.credentials_file
    return _path(raw) if raw else None


def token_path() -> Path:
    raw = current().google.token_file
    return _path(raw) if raw else Path(settings.DATA_DIR) / "google_token.json"


def _read_json(path: Path, what: str) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CredentialsError(f"Google {what} file not found ({path.name})") from None
    except (OSError, ValueError) as exc:
        raise CredentialsError(f"Google {what} file {path.name} is not readable JSON: {type(exc).__name__}") from None
    if not isinstance(data, dict):
        raise CredentialsError(f"Google {what} file {path.name} is not a JSON object")
    return data


def save_user_token(creds) -> None:
    """Write a user token with owner-only permissions (it grants calendar access)."""
    path = token_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(creds.to_json())
    os.replace(tmp, path)


def load():
    """Usable credentials, refreshed if needed; :class:`CredentialsError` otherwise."""
    cred_file = credentials_path()
    if cred_file is not None and cred_file.exists():
        info = _read_json(cred_file, "credentials")
        if info.get("type") == "service_account":
            from google.oauth2 import service_account

            try:
                creds = service_account.Credentials.from_service_account_info(info, scopes=scopes())
            except (ValueError, KeyError) as exc:
                raise CredentialsError(f"Google service-account key is unusable: {exc}") from None
            subject = current().google.subject
            return creds.with_subject(subject) if subject else creds
    tok = token_path()
    if not tok.exists():
        if cred_file is None:
            raise CredentialsError("Google credentials are not configured (set google.credentials_file "
                                   "or CHRONOS_GOOGLE_CREDENTIALS)")
        if not cred_file.exists():
            raise CredentialsError(f"Google credentials file not found ({cred_file.name})")
        raise CredentialsError("Google user token missing: run `python manage.py google_auth` once")
    from google.auth.exceptions import GoogleAuthError, RefreshError
    from google.auth.transport.requests import Request
    from google.oauth2.credentials import Credentials

    info = _read_json(tok, "token")
    try:
        creds = Credentials.from_authorized_user_info(info, scopes=info.get("scopes") or scopes())
    except ValueError as exc:
        raise CredentialsError(f"Google user token is unusable ({exc}); run `python manage.py google_auth`") from None
    token_uri = current().google.token_uri
    if token_uri:
        # The library pins Google's token endpoint when reading a token; a local fake needs its own.
        expiry = creds.expiry
        creds = creds.with_token_uri(token_uri)
        creds.expiry = expiry  # the copy does not carry it over
    if not creds.valid:
        if not creds.refresh_token:
            raise CredentialsError("Google user token expired and has no refresh token; run "
                                   "`python manage.py google_auth`")
        try:
            creds.refresh(Request())
        except RefreshError as exc:
            raise CredentialsError(f"Google token refresh was refused ({str(exc)[:120]}); run "
                                   "`python manage.py google_auth`") from None
        except (GoogleAuthError, OSError) as exc:
            raise CredentialsError(f"Google token refresh failed: {type(exc).__name__}") from None
        save_user_token(creds)
    return creds


def problem() -> str:
    """One line describing why Google credentials cannot be used, or "" when they look fine.

    Cheap and offline: it checks files, not the network (a refresh is not attempted here).
    """
    cred_file = credentials_path()
    try:
        if cred_file is not None and cred_file.exists():
            info = _read_json(cred_file, "credentials")
            if info.get("type") == "service_account":
                missing = [k for k in ("client_email", "private_key", "token_uri") if not info.get(k)]
                return f"Google service-account key lacks {', '.join(missing)}" if missing else ""
        tok = token_path()
        if not tok.exists():
            if cred_file is None:
                return "Google credentials are not configured (set google.credentials_file or CHRONOS_GOOGLE_CREDENTIALS)"
            if not cred_file.exists():
                return f"Google credentials file not found ({cred_file.name})"
            return "Google user token missing: run `python manage.py google_auth` once"
        info = _read_json(tok, "token")
        if not info.get("refresh_token") and not info.get("token"):
            return "Google user token is empty; run `python manage.py google_auth`"
    except CredentialsError as exc:
        return str(exc)
    return ""
