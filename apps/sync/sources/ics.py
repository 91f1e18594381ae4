"""A read-only subscription to an iCalendar (``.ics``) feed over HTTP(S).

Each fetch is a conditional GET: the token is the feed's validators from the last answer
(``ETag`` and ``Last-Modified``), sent back as ``If-None-Match`` / ``If-Modified-Since``. A 304
means nothing changed; a 200 is the whole feed again, so the listing is marked complete and
the engine removes stored entries the feed no longer has. Entries are grouped by UID (a series
and its overrides are one entry); an entry's etag is a digest of its VEVENTs, so an unchanged
entry in a changed feed is skipped.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urljoin

import requests

from apps.core.timefmt import parse_retry_after
from apps.integrations import netguard
from apps.integrations.pinned import pinned_session
from apps.sync import ical
from apps.sync.sources.base import CredentialsError, Page, RemoteEvent, SourceError, Window
from apps.sync.sources.http import Retryable, guard_url, with_retries
from chronos.config import current

MAX_REDIRECTS = 5


class ReadOnlySource(SourceError):
    """A feed cannot be written to."""


class IcsFeedSource:
    """One iCalendar feed URL (optionally with HTTP Basic credentials)."""

    writable = False
    inline_exceptions = True  # a series' changed occurrences come inside its entry

    def __init__(self, *, url: str, username: str = "", password: str = "", calendar_tz: str = "UTC",
                 sleep: Callable[[float], None] | None = None, session: requests.Session | None = None) -> None:
        if url.startswith("webcal://"):
            url = "https://" + url[len("webcal://"):]
        guard_url(url)
        self.url = url
        self.auth = (username, password) if username else None
        self.calendar_tz = calendar_tz
        self.sleep = sleep
        # Connects only to the addresses guard_url checked (no second lookup: DNS rebinding).
        self.session = session or pinned_session()
        self.last_status: int | None = None

    def _fetch(self, validators: dict[str, str]) -> requests.Response | None:
        cfg = current().sync
        headers = {"User-Agent": "Chronos-Feed/1", "Accept": "text/calendar, */*;q=0.5"}
        if validators.get("etag"):
            headers["If-None-Match"] = validators["etag"]
        if validators.get("last_modified"):
            headers["If-Modified-Since"] = validators["last_modified"]

        def get() -> requests.Response | None:
            url = self.url
            for _hop in range(MAX_REDIRECTS + 1):
                try:
                    response = self.session.get(url, headers=headers, auth=self.auth, stream=True,
                                                timeout=cfg.http_timeout_seconds, allow_redirects=False)
                except netguard.Refused as exc:  # the name now resolves somewhere refused
                    raise SourceError(f"address refused: {exc}") from None
                except netguard.Unresolvable as exc:  # the pinned connection resolves the name itself
                    raise Retryable(f"feed unreachable: {exc}") from None
                except requests.RequestException as exc:
                    raise Retryable(f"feed unreachable: {type(exc).__name__}: {str(exc)[:200]}") from None
                if response.status_code not in (301, 302, 303, 307, 308) or "Location" not in response.headers:
                    break
                # Each hop passes the address guard: a redirect must not lead to a refused host.
                url = urljoin(url, response.headers["Location"])
                response.close()
                guard_url(url)
            else:
                raise SourceError(f"feed redirects more than {MAX_REDIRECTS} times")
            self.last_status = response.status_code
            if response.status_code == 304:
                return None
            if response.status_code in (401, 403):
                raise CredentialsError(f"feed refused access ({response.status_code}); check the user name and "
                                       "password, or the private link", status=response.status_code)
            if response.status_code == 404:
                raise SourceError("feed not found (404); check the URL", status=404)
            if response.status_code == 429 or response.status_code >= 500:
                raise Retryable(f"feed server answered {response.status_code}", status=response.status_code,
                                retry_after=parse_retry_after(response.headers.get("Retry-After")))
            if response.status_code >= 300:
                raise SourceError(f"feed server answered {response.status_code}", status=response.status_code)
            body = bytearray()
            for chunk in response.iter_content(65536):
                body.extend(chunk)
                if len(body) > cfg.feed_max_bytes:
                    raise SourceError(f"feed is larger than sync.feed_max_bytes ({cfg.feed_max_bytes} bytes)")
            response._content = bytes(body)
            return response
        return with_retries(get, sleep=self.sleep)

    def entries(self, text: bytes) -> list[RemoteEvent]:
        try:
            cal = ical.parse_calendar(text)
        except ical.ICalError as exc:
            raise SourceError(f"feed is {exc}") from None
        groups: dict[str, list] = {}
        for component in ical.vevents(cal):
            uid = str(component.get("UID") or "")
            if not uid:  # RFC 5545 requires a UID; derive a stable one from the content
                uid = "nouid-" + hashlib.sha1(component.to_ical()).hexdigest()[:16]
            groups.setdefault(uid, []).append(component)
        out = []
        for uid, components in groups.items():
            digest = hashlib.sha1(b"".join(sorted(c.to_ical() for c in components))).hexdigest()[:20]
            try:
                out.append(ical.to_remote(components, external_id=uid, etag=digest, calendar_tz=self.calendar_tz))
            except (ical.ICalError, ValueError, KeyError, TypeError) as exc:
                raise SourceError(f"feed entry {uid[:80]} is not readable: {str(exc)[:200]}") from None
        return out

    def list_events(self, *, window: Window | None = None, sync_token: str | None = None) -> Iterator[Page]:
        validators: dict[str, str] = {}
        if sync_token:
            try:
                validators = json.loads(sync_token)
            except ValueError:
                validators = {}
        response = self._fetch(validators)
        if response is None:  # 304 Not Modified
            yield Page(items=[], next_sync_token=sync_token or "")
            return
        items = [e for e in self.entries(response.content) if not e.cancelled]
        token = json.dumps({"etag": response.headers.get("ETag", ""),
                            "last_modified": response.headers.get("Last-Modified", ""),
                            "fetched": True}, sort_keys=True)
        yield Page(items=items, next_sync_token=token, complete=True)

    def body_for(self, event) -> dict[str, Any]:
        return ical.body_for(event)

    def _refuse(self, *args: Any, **kwargs: Any):
        raise ReadOnlySource("an iCalendar feed is read-only", status=405)

    get_event = insert_event = patch_event = delete_event = _refuse

    def check(self) -> str:
        response = self._fetch({})
        entries = self.entries(response.content)
        series = sum(1 for e in entries if e.recurrence)
        return (f"connected; the feed holds {len(entries)} {'entry' if len(entries) == 1 else 'entries'} "
                f"({series} recurring)")
