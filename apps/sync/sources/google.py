"""Google Calendar v3 through google-api-python-client.

The client is built from the discovery document bundled with the library (no network fetch).
``google.api_endpoint`` (``CHRONOS_GOOGLE_API_ENDPOINT``) points it at any server speaking the
Calendar v3 API, path included, e.g. ``http://127.0.0.1:8765/calendar/v3/``.

429/5xx and connection errors are retried by the library with exponential backoff; the sleep
function is injectable so tests never really wait.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

from apps.sync import credentials as creds_module
from apps.sync.mapping import from_google, parse_datetime
from apps.sync.sources.base import (
    Page,
    PreconditionFailed,
    PushResult,
    RemoteEvent,
    RemoteGone,
    SourceError,
    SyncTokenExpired,
    Window,
)
from chronos.config import current

MAX_PAGE_SIZE = 2500


def default_sleep(seconds: float) -> None:
    """Backoff between retries (a module function so tests can replace it)."""
    time.sleep(seconds)


def _rfc3339(value) -> str:
    return value.isoformat().replace("+00:00", "Z")


def _error_message(exc) -> str:
    try:
        body = json.loads(exc.content.decode("utf-8"))
        message = body.get("error", {}).get("message") or ""
    except (ValueError, AttributeError):
        message = ""
    return f"Google API {exc.resp.status}: {message or exc.resp.reason}"[:300]


def build_service(*, credentials=None, api_endpoint: str = "", timeout: float = 60):
    """A Calendar v3 service object. ``credentials`` default to the configured ones."""
    import google_auth_httplib2
    import httplib2
    from googleapiclient.discovery import build

    if credentials is None:
        credentials = creds_module.load()
    # http= and credentials= are mutually exclusive in build(): wrap the credentials ourselves
    # to control the socket timeout.
    http = google_auth_httplib2.AuthorizedHttp(credentials, http=httplib2.Http(timeout=timeout))
    options = {"api_endpoint": api_endpoint} if api_endpoint else None
    return build("calendar", "v3", http=http, client_options=options, cache_discovery=False,
                 static_discovery=True)


class GoogleCalendarSource:
    """One Google calendar. Not thread-safe (httplib2): one instance per sync run."""

    writable = True

    def __init__(self, *, calendar_id: str, calendar_tz: str = "UTC", service=None, credentials=None,
                 api_endpoint: str | None = None, page_size: int | None = None, num_retries: int | None = None,
                 timeout: float | None = None, sleep: Callable[[float], None] | None = None) -> None:
        cfg = current().google
        self.calendar_id = calendar_id
        self.calendar_tz = calendar_tz
        self.page_size = max(1, min(page_size or cfg.page_size, MAX_PAGE_SIZE))
        self.num_retries = cfg.num_retries if num_retries is None else num_retries
        self.sleep = sleep
        endpoint = cfg.api_endpoint if api_endpoint is None else api_endpoint
        self.service = service or build_service(
            credentials=credentials, api_endpoint=endpoint, timeout=timeout or cfg.timeout_seconds)

    # -- plumbing -------------------------------------------------------------------------
    def _execute(self, request, *, headers: dict[str, str] | None = None) -> Any:
        from googleapiclient.errors import HttpError

        request._sleep = self.sleep or default_sleep  # the library backs off through this attribute
        if headers:
            request.headers.update(headers)
        try:
            return request.execute(num_retries=self.num_retries)
        except HttpError as exc:
            status = exc.resp.status
            message = _error_message(exc)
            if status in (404, 410):
                raise RemoteGone(message, status=status) from None
            if status == 412:
                raise PreconditionFailed(message, status=status) from None
            raise SourceError(message, status=status) from None
        except OSError as exc:
            raise SourceError(f"Google API unreachable: {type(exc).__name__}: {exc}"[:300]) from None

    # -- reads ----------------------------------------------------------------------------
    def list_events(self, *, window: Window | None = None, sync_token: str | None = None) -> Iterator[Page]:
        # Series stay series: masters with their rules, and each changed or cancelled occurrence
        # as an item of its own (recurringEventId + originalStartTime), as Google models them.
        params: dict[str, Any] = {"calendarId": self.calendar_id, "singleEvents": False,
                                  "maxResults": self.page_size}
        if sync_token:
            # Google refuses timeMin/timeMax together with syncToken; deleted items come anyway.
            params["syncToken"] = sync_token
        elif window is not None:
            params.update(timeMin=_rfc3339(window.start), timeMax=_rfc3339(window.end))
        page_token = None
        while True:
            try:
                body = self._execute(self.service.events().list(**params, pageToken=page_token))
            except RemoteGone as exc:
                if sync_token and exc.status == 410:
                    raise SyncTokenExpired(str(exc), status=410) from None
                raise SourceError(str(exc), status=exc.status) from None
            items = [from_google(item, calendar_tz=self.calendar_tz) for item in body.get("items") or []]
            page_token = body.get("nextPageToken")
            # Short and empty pages are normal; only the absence of nextPageToken ends the listing.
            if not page_token:
                yield Page(items=items, next_sync_token=body.get("nextSyncToken"))
                return
            yield Page(items=items)

    def get_event(self, external_id: str) -> RemoteEvent:
        item = self._execute(self.service.events().get(calendarId=self.calendar_id, eventId=external_id))
        return from_google(item, calendar_tz=self.calendar_tz)

    # -- writes ---------------------------------------------------------------------------
    @staticmethod
    def _result(item: dict[str, Any]) -> PushResult:
        updated = item.get("updated")
        return PushResult(external_id=str(item["id"]), etag=str(item.get("etag") or ""),
                          updated=parse_datetime(updated) if updated else None)

    def insert_event(self, body: dict[str, Any]) -> PushResult:
        item = self._execute(self.service.events().insert(calendarId=self.calendar_id, body=body))
        return self._result(item)

    def patch_event(self, external_id: str, body: dict[str, Any], *, if_match: str = "") -> PushResult:
        request = self.service.events().patch(calendarId=self.calendar_id, eventId=external_id, body=body)
        item = self._execute(request, headers={"If-Match": if_match} if if_match else None)
        return self._result(item)

    def delete_event(self, external_id: str, *, if_match: str = "") -> None:
        request = self.service.events().delete(calendarId=self.calendar_id, eventId=external_id)
        self._execute(request, headers={"If-Match": if_match} if if_match else None)

    def freebusy(self, *, calendar_ids: list[str], start, end) -> dict[str, Any]:
        body = {"timeMin": _rfc3339(start), "timeMax": _rfc3339(end), "items": [{"id": c} for c in calendar_ids]}
        return self._execute(self.service.freebusy().query(body=body))
