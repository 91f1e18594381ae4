"""Any CalDAV server (Nextcloud, Radicale, Baïkal, iCloud, Fastmail) through the ``caldav`` library.

One calendar collection is one Chronos calendar; one resource (``<name>.ics``) is one entry, its
name the entry's ``external_id``. Reading:

- with a token: RFC 6578 ``sync-collection`` returns the changed and removed resources since
  then (an expired token, 403 ``valid-sync-token``, makes the engine list fully);
- without one: ``sync-collection`` from scratch (all resources and a token), then the data in
  ``calendar-multiget`` batches of ``sync.multiget_batch``;
- a server without sync-collection: the collection's ``getctag`` decides whether anything
  changed; if so the ETags of all resources are compared with the known ones and only the
  changed resources are fetched. The token is then ``ctag:<value>``.

Writing: a new entry is PUT with ``If-None-Match: *`` under a name we choose (so a retry is
idempotent), edits with ``If-Match: <etag>`` after reading the current resource (only the
master VEVENT's exchanged fields change; alarms, rules and overrides stay), deletes with
``If-Match``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from django.utils import timezone

from apps.core.timefmt import parse_retry_after
from apps.sync import ical
from apps.sync.sources.base import (
    CredentialsError,
    Page,
    PreconditionFailed,
    PushResult,
    RemoteEvent,
    RemoteGone,
    SourceError,
    SyncTokenExpired,
    Window,
)
from apps.sync.sources.http import Retryable, guard_url, with_retries
from chronos.config import current

CTAG = "{http://calendarserver.org/ns/}getctag"
_VALID_SYNC_TOKEN = "{DAV:}valid-sync-token"


@dataclass
class FoundCalendar:
    """One calendar a CalDAV account offers (for the admin's pick list)."""

    url: str
    name: str


def _client(url: str, username: str, password: str):
    import caldav

    return caldav.DAVClient(url=url, username=username or None, password=password or None,
                            timeout=int(current().sync.http_timeout_seconds), enable_rfc6764=False,
                            rate_limit_handle=False, headers={"User-Agent": "Chronos-CalDAV/1"})


def _explain(exc: Exception, what: str) -> SourceError:
    """A library or network error as one line a person can act on."""
    from caldav.lib import error

    status = getattr(exc, "status", None)
    if isinstance(exc, error.RateLimitError) or (isinstance(status, int) and (status == 429 or status >= 500)):
        return Retryable(f"CalDAV server answered {status or 429} to {what}", status=status or 429,
                         retry_after=getattr(exc, "retry_after_seconds", None))
    if isinstance(exc, error.AuthorizationError):
        if status == 401:
            return CredentialsError("CalDAV server refused the user name or password (401); check the "
                                    "account and use an app password where the provider requires one", status=401)
        return CredentialsError(f"CalDAV server denies access to this calendar ({status or 403}); check that the "
                                "URL is a calendar this account may read", status=status or 403)
    if isinstance(exc, error.NotFoundError) or status == 404:
        return RemoteGone(f"CalDAV server has no such resource ({what}, 404)", status=404)
    if isinstance(exc, OSError) or type(exc).__module__.split(".")[0] in ("niquests", "urllib3", "requests"):
        return Retryable(f"CalDAV server unreachable ({what}): {type(exc).__name__}: {str(exc)[:200]}")
    if isinstance(exc, error.DAVError):
        return SourceError(f"CalDAV {what} failed: {str(exc)[:300]}", status=status)
    return SourceError(f"CalDAV {what} failed: {type(exc).__name__}: {str(exc)[:300]}", status=status)


def _call(fn: Callable[[], Any], what: str, sleep=None) -> Any:
    def attempt():
        try:
            return fn()
        except SourceError:
            raise  # already ours (expired token, 412 …)
        except Exception as exc:  # noqa: BLE001 - caldav's, the OS's and niquests' errors share no base
            raise _explain(exc, what) from None
    return with_retries(attempt, sleep=sleep)


def _check_status(response, what: str) -> None:
    status = response.status
    if status < 300:
        return
    if status == 412:
        raise PreconditionFailed(f"CalDAV {what}: the entry changed on the server (412)", status=412)
    if status in (404, 410):
        raise RemoteGone(f"CalDAV {what}: no such entry ({status})", status=status)
    if status in (401, 403):
        raise CredentialsError(f"CalDAV server refused {what} ({status}); check the account's rights", status=status)
    if status == 429 or status >= 500:
        raise Retryable(f"CalDAV server answered {status} to {what}", status=status,
                        retry_after=parse_retry_after(response.headers.get("Retry-After")))
    raise SourceError(f"CalDAV server answered {status} to {what}", status=status)


def discover(url: str, username: str, password: str) -> list[FoundCalendar]:
    """Calendars of an account: the URL may be the server, the principal or one calendar."""
    guard_url(url)
    client = _client(url, username, password)

    def find() -> list[FoundCalendar]:
        import caldav

        try:
            calendars = client.principal().calendars()
        except Exception:  # noqa: BLE001 - the URL may be a calendar on a server without principal discovery
            calendars = [caldav.Calendar(client=client, url=url)]
            calendars[0].get_display_name()  # raises when it is not a reachable collection
        found = []
        for cal in calendars:
            name = ""
            try:
                name = cal.get_display_name() or ""
            except Exception:  # noqa: BLE001 - a calendar without a display name keeps its URL
                name = ""
            found.append(FoundCalendar(url=str(cal.url), name=name or str(cal.url).rstrip("/").rsplit("/", 1)[-1]))
        return found
    return _call(find, "discovery")


class CalDAVSource:
    """One CalDAV calendar collection. Not thread-safe: one instance per sync run."""

    writable = True
    inline_exceptions = True  # a series' changed occurrences come inside its entry

    def __init__(self, *, url: str, username: str = "", password: str = "", calendar_tz: str = "UTC",
                 known_etags: Callable[[], dict[str, str]] | None = None, use_sync_token: bool = True,
                 sleep: Callable[[float], None] | None = None) -> None:
        import caldav

        guard_url(url)
        self.url = url if url.endswith("/") else url + "/"
        self.calendar_tz = calendar_tz
        # An e-mail login is the account's address: invitations it declined do not block time.
        self.own_addresses = [username] if "@" in username else []
        self.known_etags = known_etags or (lambda: {})
        self.use_sync_token = use_sync_token
        self.sleep = sleep
        self.batch = current().sync.multiget_batch
        self.client = _client(self.url, username, password)
        self.calendar = caldav.Calendar(client=self.client, url=self.url)
        self._base = unquote(urlsplit(self.url).path)

    # -- names -----------------------------------------------------------------------------
    def name_of(self, url: Any) -> str:
        path = unquote(urlsplit(str(url)).path)
        return path[len(self._base):] if path.startswith(self._base) else path

    def url_of(self, external_id: str) -> str:
        if external_id.startswith("/"):
            parts = urlsplit(self.url)
            return f"{parts.scheme}://{parts.netloc}{quote(external_id)}"
        return self.url + quote(external_id)

    def body_for(self, event) -> dict[str, Any]:
        return ical.body_for(event)

    # -- reads -----------------------------------------------------------------------------
    def _records(self, hrefs: list[str]) -> Iterator[list[RemoteEvent]]:
        """The entries behind ``hrefs``, fetched by calendar-multiget in batches."""
        from caldav.elements import dav

        for offset in range(0, len(hrefs), self.batch):
            chunk = hrefs[offset:offset + self.batch]
            objects = _call(lambda chunk=chunk: self.calendar.multiget([self.calendar.url.join(h) for h in chunk]),
                            "calendar-multiget", self.sleep)
            items = []
            for obj in objects:
                items.append(self._remote(self.name_of(obj.url), str((obj.props or {}).get(dav.GetEtag.tag) or ""),
                                          obj.data))
            yield items

    def _remote(self, name: str, etag: str, data: str) -> RemoteEvent:
        try:
            events = ical.vevents(ical.parse_calendar(data))
            if not events:  # a VTODO or VJOURNAL: not an event, nothing to keep
                return RemoteEvent(external_id=name, status="cancelled", etag=etag)
            remote = ical.to_remote(events, external_id=name, etag=etag, calendar_tz=self.calendar_tz,
                                    own_addresses=self.own_addresses)
        except (ical.ICalError, ValueError, KeyError, TypeError) as exc:
            raise SourceError(f"CalDAV entry {name} is not readable iCalendar: {str(exc)[:200]}") from None
        # The ETag alone tells versions apart here: clients do not all bump LAST-MODIFIED, so a
        # different ETag while a local change waits is a conflict whatever the timestamps say.
        remote.updated = None
        return remote

    def list_events(self, *, window: Window | None = None, sync_token: str | None = None) -> Iterator[Page]:
        if sync_token and sync_token.startswith("ctag:"):
            yield from self._list_by_etags(sync_token)
            return
        if not self.use_sync_token:
            yield from self._list_by_etags("")
            return
        from caldav.elements import dav
        from caldav.lib import error

        def report():
            try:
                return self.calendar.get_objects_by_sync_token(sync_token=sync_token or None, load_objects=False,
                                                               disable_fallback=True)
            except error.AuthorizationError as exc:
                if _VALID_SYNC_TOKEN in (exc.preconditions or []):
                    raise SyncTokenExpired("CalDAV sync token expired (403 valid-sync-token)", status=403) from None
                raise
            except error.ReportError as exc:
                if exc.status in (None, 400, 403, 405, 501) and not sync_token:
                    return None  # no sync-collection on this server: compare ETags instead
                raise

        collection = _call(report, "sync-collection", self.sleep)
        if collection is None:
            yield from self._list_by_etags("")
            return
        deleted = {self.name_of(u) for u in collection.deleted_urls}
        changed = [obj for obj in collection.objects if self.name_of(obj.url) not in deleted]
        removed = [RemoteEvent(external_id=name, status="cancelled") for name in sorted(deleted)]
        hrefs = [urlsplit(str(obj.url)).path for obj in changed
                 if (obj.props or {}).get(dav.GetEtag.tag) is not None or sync_token]
        yield from self._pages(hrefs, removed, str(collection.sync_token or ""))

    def _pages(self, hrefs: list[str], removed: list[RemoteEvent], token: str) -> Iterator[Page]:
        pages = list(self._records(hrefs)) if hrefs else []
        if removed:
            pages.append(removed)
        if not pages:
            pages = [[]]
        for index, items in enumerate(pages):
            yield Page(items=items, next_sync_token=token if index == len(pages) - 1 else None)

    def _list_by_etags(self, token: str) -> Iterator[Page]:
        """Servers without sync-collection: getctag first, then ETags against the known ones."""
        from caldav.elements import dav

        def props():
            response = self.calendar._query_properties([dav.GetEtag()], depth=1)
            return response.expand_simple_props([dav.GetEtag()])

        def ctag() -> str:
            try:
                return str(self.calendar.get_property(_ctag_prop()) or "")
            except Exception:  # noqa: BLE001 - a server without getctag: compare ETags every time
                return ""

        current_ctag = _call(ctag, "getctag", self.sleep)
        if token and current_ctag and token == f"ctag:{current_ctag}":
            yield Page(items=[], next_sync_token=token)
            return
        listing = _call(props, "PROPFIND", self.sleep)
        etags: dict[str, str] = {}
        paths: dict[str, str] = {}
        for href, values in listing.items():
            path = unquote(urlsplit(str(self.calendar.url.join(href))).path)
            if path.rstrip("/") == self._base.rstrip("/") or not values.get(dav.GetEtag.tag):
                continue
            name = self.name_of(path)
            etags[name] = str(values[dav.GetEtag.tag])
            paths[name] = urlsplit(str(self.calendar.url.join(href))).path
        known = self.known_etags() if token else {}
        changed = [paths[name] for name, etag in sorted(etags.items()) if known.get(name) != etag]
        removed = [RemoteEvent(external_id=name, status="cancelled") for name in sorted(set(known) - set(etags))]
        new_token = f"ctag:{current_ctag}" if current_ctag else "ctag:"
        # Without a token nothing is known, so nothing is removed here: a first listing is
        # complete, and the engine reconciles the stored entries it lacks.
        yield from self._pages(changed, removed, new_token)

    def get_event(self, external_id: str) -> RemoteEvent:
        response = self._get(external_id)
        return self._remote(external_id, str(response.headers.get("ETag") or ""), response._raw.decode("utf-8"))

    def _get(self, external_id: str):
        url = self.url_of(external_id)

        def get():
            response = self.client.request(url, "GET")
            _check_status(response, f"GET {external_id}")
            return response
        return _call(get, f"GET {external_id}", self.sleep)

    # -- writes ----------------------------------------------------------------------------
    def _put(self, external_id: str, text: str, headers: dict[str, str]) -> PushResult:
        url = self.url_of(external_id)

        def put():
            response = self.client.put(url, text, {"Content-Type": "text/calendar; charset=utf-8", **headers})
            _check_status(response, f"PUT {external_id}")
            return response
        response = _call(put, f"PUT {external_id}", self.sleep)
        etag = str(response.headers.get("ETag") or "")
        if not etag or etag.startswith("W/"):
            etag = str(self._get(external_id).headers.get("ETag") or "")  # the server did not say: ask
        return PushResult(external_id=external_id, etag=etag)

    def insert_event(self, body: dict[str, Any]) -> PushResult:
        external_id = str(body["id"])  # the resource name, kept as given: it is the local external_id too
        uid = external_id.removesuffix(".ics")
        text = ical.new_calendar(uid, body, timezone.now()).to_ical().decode("utf-8")
        try:
            return self._put(external_id, text, {"If-None-Match": "*"})
        except PreconditionFailed:
            # An earlier attempt got through (the name is ours): the same answer as Google's 409.
            raise SourceError(f"CalDAV entry {external_id} exists already", status=409) from None

    def patch_event(self, external_id: str, body: dict[str, Any], *, if_match: str = "") -> PushResult:
        response = self._get(external_id)
        current_etag = str(response.headers.get("ETag") or "")
        if if_match and current_etag and current_etag != if_match:
            raise PreconditionFailed(f"CalDAV entry {external_id} changed on the server (ETag differs)", status=412)
        try:
            cal = ical.update_calendar(ical.parse_calendar(response._raw), body, timezone.now())
        except ical.ICalError as exc:
            raise SourceError(f"CalDAV entry {external_id}: {exc}") from None
        headers = {"If-Match": if_match or current_etag} if (if_match or current_etag) else {}
        return self._put(external_id, cal.to_ical().decode("utf-8"), headers)

    def delete_event(self, external_id: str, *, if_match: str = "") -> None:
        url = self.url_of(external_id)

        def delete():
            response = self.client.delete(url, {"If-Match": if_match} if if_match else None)
            _check_status(response, f"DELETE {external_id}")
        _call(delete, f"DELETE {external_id}", self.sleep)

    def check(self) -> str:
        """One line for "Test connection": how many entries the calendar holds, or raise."""
        from caldav.elements import dav

        def count() -> int:
            response = self.calendar._query_properties([dav.GetEtag()], depth=1)
            listing = response.expand_simple_props([dav.GetEtag()])
            return sum(1 for href, values in listing.items() if values.get(dav.GetEtag.tag)
                       and unquote(urlsplit(str(self.calendar.url.join(href))).path).rstrip("/")
                       != self._base.rstrip("/"))
        total = _call(count, "PROPFIND", self.sleep)
        return f"connected; the calendar holds {total} {'entry' if total == 1 else 'entries'}"


def _ctag_prop():
    from caldav.elements.base import ValuedBaseElement

    class GetCTag(ValuedBaseElement):
        tag = CTAG

    return GetCTag()
