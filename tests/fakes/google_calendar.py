"""A fake Google Calendar v3 server on 127.0.0.1 for tests and benchmarks.

It speaks the subset of the API that google-api-python-client uses for calendar sync, over real
HTTP, so the real client library is exercised end to end (point it here with
``client_options={"api_endpoint": fake.api_endpoint}``):

- ``events.list`` with ``maxResults``/``pageToken`` pagination (listings are snapshotted, so
  pages stay consistent while the calendar changes), ``singleEvents`` (recurring series expanded
  into instances carrying ``recurringEventId``; without it, masters with ``recurrence`` plus each
  changed or cancelled instance, as Google lists them), ``timeMin``/``timeMax``, ``showDeleted`` and
  ``syncToken`` (changes since the token, cancelled items included; ``410`` once expired);
  ``nextSyncToken`` only on the last page;
- ``events.insert`` (client-chosen ids, ``409`` on duplicates), ``get``, ``patch``, ``update``,
  ``delete`` (``404`` unknown, ``410`` already deleted, ``412`` when ``If-Match`` is stale),
  also on single instances of a series;
- ``freeBusy.query`` (as Google: without cancelled, show-as-free and declined entries); ``POST /token`` for OAuth refreshes;
- switchable failures: :meth:`fail_next` makes the next N requests answer 429/500/...;
- a request log (:attr:`requests`).

Run it alone (for ``bench/``): ``python -m tests.fakes.google_calendar --seed 20000 --calendar c1``.
"""

from __future__ import annotations

import argparse
import copy
import itertools
import json
import threading
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit
from zoneinfo import ZoneInfo

PREFIX = "/calendar/v3/"
MAX_INSTANCES = 1000


def _rfc3339(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _parse_time(value: str) -> datetime:
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        raise ValueError("time without offset")
    return parsed.astimezone(UTC)


def _bounds(resource: dict[str, Any]) -> tuple[datetime, datetime]:
    """UTC start/end of a resource (all-day dates count from UTC midnight: good enough here)."""
    out = []
    for key in ("start", "end"):
        part = resource.get(key) or {}
        if part.get("dateTime"):
            out.append(_parse_time(part["dateTime"]))
        else:
            out.append(datetime.combine(date.fromisoformat(part["date"]), time.min, UTC))
    return out[0], out[1]


def time_field(value: datetime | date, tz: str | None = None) -> dict[str, Any]:
    """``{"dateTime", "timeZone"}`` for a datetime, ``{"date"}`` for a date."""
    if isinstance(value, datetime):
        zone = tz or (value.tzinfo.key if isinstance(value.tzinfo, ZoneInfo) else "UTC")
        shown = value.astimezone(ZoneInfo(zone))
        return {"dateTime": shown.isoformat(), "timeZone": zone}
    return {"date": value.isoformat()}


class ApiError(Exception):
    def __init__(self, status: int, message: str, reason: str = "") -> None:
        super().__init__(message)
        self.status, self.message, self.reason = status, message, reason or message


@dataclass
class Stored:
    resource: dict[str, Any]
    seq: int
    overrides: dict[str, tuple[dict[str, Any], int]] = field(default_factory=dict)  # instance id -> (patch, seq)


class FakeGoogleCalendar:
    """The server and its state. Use as a context manager or call :meth:`start`/:meth:`stop`."""

    def __init__(self, *, port: int = 0) -> None:
        self._lock = threading.RLock()
        self.calendars: dict[str, dict[str, Stored]] = {}
        self.seq = 0
        self.min_token_seq = 0
        self.requests: list[dict[str, Any]] = []
        self._failures: list[tuple[int, float | None]] = []
        self._listings: dict[str, list[dict[str, Any]]] = {}
        # Google may answer short or even empty pages that still carry a nextPageToken.
        self.trailing_empty_pages = 0
        self._listing_ids = itertools.count(1)
        self._ids = itertools.count(1)
        self._last_updated = datetime(2000, 1, 1, tzinfo=UTC)
        self.server = ThreadingHTTPServer(("127.0.0.1", port), _handler_for(self))
        self.server.daemon_threads = True
        self._thread: threading.Thread | None = None

    # -- lifecycle ------------------------------------------------------------------------
    @property
    def port(self) -> int:
        return self.server.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_endpoint(self) -> str:
        return f"{self.base_url}{PREFIX}"

    @property
    def token_uri(self) -> str:
        return f"{self.base_url}/token"

    def start(self) -> FakeGoogleCalendar:
        self._thread = threading.Thread(target=self.server.serve_forever, name="fake-google", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> FakeGoogleCalendar:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # -- test controls --------------------------------------------------------------------
    def fail_next(self, count: int = 1, *, status: int = 500, retry_after: float | None = None) -> None:
        """The next ``count`` API requests answer ``status`` (e.g. 429, 500, 503)."""
        with self._lock:
            self._failures.extend([(status, retry_after)] * count)

    def expire_sync_tokens(self) -> None:
        """Every token issued so far answers 410 from now on (Google's "full sync required")."""
        with self._lock:
            self.min_token_seq = self.seq + 1

    def calls(self, method: str | None = None, path_contains: str = "") -> list[dict[str, Any]]:
        return [r for r in self.requests if (method is None or r["method"] == method) and path_contains in r["path"]]

    def add_calendar(self, calendar_id: str) -> None:
        with self._lock:
            self.calendars.setdefault(calendar_id, {})

    def add_event(self, calendar_id: str, summary: str, start: datetime | date, end: datetime | date, *,
                  tz: str | None = None, event_id: str | None = None, **fields: Any) -> dict[str, Any]:
        """Create an event as if someone added it in Google Calendar; returns the resource."""
        body = {"summary": summary, "start": time_field(start, tz), "end": time_field(end, tz), **fields}
        if event_id:
            body["id"] = event_id
        with self._lock:
            return self._public(self._insert(calendar_id, body))

    def add_recurring(self, calendar_id: str, summary: str, start: datetime | date, end: datetime | date,
                      rrule: str, *, tz: str | None = None, **fields: Any) -> dict[str, Any]:
        return self.add_event(calendar_id, summary, start, end, tz=tz, recurrence=[rrule], **fields)

    def update_event(self, calendar_id: str, event_id: str, **changes: Any) -> dict[str, Any]:
        with self._lock:
            return self._patch(calendar_id, event_id, changes, if_match="")

    def delete_event(self, calendar_id: str, event_id: str) -> None:
        with self._lock:
            self._delete(calendar_id, event_id, if_match="")

    def get(self, calendar_id: str, event_id: str) -> dict[str, Any] | None:
        with self._lock:
            try:
                return self._get(calendar_id, event_id)
            except ApiError:
                return None

    def events(self, calendar_id: str) -> list[dict[str, Any]]:
        """What a full ``singleEvents`` listing would show now (no cancelled items)."""
        with self._lock:
            return [i for i in self._expanded(calendar_id, since=None) if i.get("status") != "cancelled"]

    def instances(self, calendar_id: str, master_id: str) -> list[dict[str, Any]]:
        with self._lock:
            return [i for i in self._expanded(calendar_id, since=None) if i.get("recurringEventId") == master_id]

    def seed(self, calendar_id: str, count: int, *, start: datetime, spacing_minutes: int = 47,
             duration_minutes: int = 30) -> None:
        """Fast bulk creation of ``count`` plain timed events (benchmarks)."""
        with self._lock:
            cal = self.calendars.setdefault(calendar_id, {})
            for n in range(count):
                begin = start + timedelta(minutes=spacing_minutes * n)
                seq = self._next_seq()
                eid = f"seed{n:07d}"
                cal[eid] = Stored(resource={
                    "kind": "calendar#event", "id": eid, "status": "confirmed", "etag": f'"{seq}"',
                    "summary": f"Seeded event {n}", "description": "bulk", "location": "Room 2",
                    "created": _rfc3339(begin), "updated": self._updated(),
                    "start": {"dateTime": _rfc3339(begin), "timeZone": "UTC"},
                    "end": {"dateTime": _rfc3339(begin + timedelta(minutes=duration_minutes)), "timeZone": "UTC"},
                    "attendees": [{"email": "kim@example.com"}],
                }, seq=seq)

    # -- state changes (lock held) --------------------------------------------------------
    def _next_seq(self) -> int:
        self.seq += 1
        return self.seq

    def _updated(self) -> str:
        now = datetime.now(UTC)
        # Strictly increasing even under frozen clocks: "updated" orders versions.
        self._last_updated = max(now, self._last_updated + timedelta(milliseconds=1))
        return _rfc3339(self._last_updated)

    def _calendar(self, calendar_id: str) -> dict[str, Stored]:
        if calendar_id not in self.calendars:
            raise ApiError(404, "Not Found", "notFound")
        return self.calendars[calendar_id]

    def _insert(self, calendar_id: str, body: dict[str, Any]) -> Stored:
        cal = self.calendars.setdefault(calendar_id, {})
        event_id = str(body.get("id") or f"evt{next(self._ids):06d}{self.seq:04d}")
        if event_id in cal:
            raise ApiError(409, "The requested identifier already exists.", "duplicate")
        if not body.get("start") or not body.get("end"):
            raise ApiError(400, "Missing time range.", "required")
        seq = self._next_seq()
        now = self._updated()
        resource = {k: v for k, v in copy.deepcopy(body).items() if v is not None}
        for key in ("start", "end"):
            resource[key] = {k: v for k, v in resource[key].items() if v is not None}
        resource.update(kind="calendar#event", id=event_id, status=body.get("status") or "confirmed",
                        etag=f'"{seq}"', created=now, updated=now)
        stored = Stored(resource=resource, seq=seq)
        cal[event_id] = stored
        return stored

    def _split_instance(self, cal: dict[str, Stored], event_id: str) -> tuple[Stored, str] | None:
        master_id, sep, _ = event_id.rpartition("_")
        if sep and master_id in cal and cal[master_id].resource.get("recurrence"):
            if any(i["id"] == event_id for i in self._instances_of(cal[master_id])):
                return cal[master_id], event_id
        return None

    def _get(self, calendar_id: str, event_id: str) -> dict[str, Any]:
        cal = self._calendar(calendar_id)
        if event_id in cal:
            return self._public(cal[event_id])
        inst = self._split_instance(cal, event_id)
        if inst is not None:
            return next(i for i in self._instances_of(inst[0]) if i["id"] == event_id)
        raise ApiError(404, "Not Found", "notFound")

    def _patch(self, calendar_id: str, event_id: str, body: dict[str, Any], *, if_match: str,
               replace: bool = False) -> dict[str, Any]:
        cal = self._calendar(calendar_id)
        if event_id not in cal:
            inst = self._split_instance(cal, event_id)
            if inst is None:
                raise ApiError(404, "Not Found", "notFound")
            master, iid = inst
            current = next(i for i in self._instances_of(master) if i["id"] == iid)
            if current.get("status") == "cancelled":
                raise ApiError(410, "Resource has been deleted", "deleted")
            if if_match and if_match != current["etag"]:
                raise ApiError(412, "Precondition Failed", "conditionNotMet")
            seq = self._next_seq()
            previous = master.overrides.get(iid, ({}, 0))[0]
            master.overrides[iid] = ({**previous, **copy.deepcopy(body), "etag": f'"{seq}"',
                                      "updated": self._updated()}, seq)
            return next(i for i in self._instances_of(master) if i["id"] == iid)
        stored = cal[event_id]
        if stored.resource.get("status") == "cancelled":
            raise ApiError(410, "Resource has been deleted", "deleted")
        if if_match and if_match != stored.resource["etag"]:
            raise ApiError(412, "Precondition Failed", "conditionNotMet")
        resource = stored.resource
        if replace:
            keep = {k: resource[k] for k in ("kind", "id", "created", "status")}
            resource = {**keep, **copy.deepcopy(body)}
        else:
            for key, value in copy.deepcopy(body).items():
                if value is None:
                    resource.pop(key, None)
                elif key in ("start", "end") and isinstance(value, dict):
                    resource[key] = {k: v for k, v in value.items() if v is not None}
                else:
                    resource[key] = value
        stored.seq = self._next_seq()
        resource.update(id=event_id, etag=f'"{stored.seq}"', updated=self._updated())
        stored.resource = resource
        return self._public(stored)

    def _delete(self, calendar_id: str, event_id: str, *, if_match: str) -> None:
        cal = self._calendar(calendar_id)
        if event_id not in cal:
            inst = self._split_instance(cal, event_id)
            if inst is None:
                raise ApiError(404, "Not Found", "notFound")
            master, iid = inst
            current = next(i for i in self._instances_of(master) if i["id"] == iid)
            if current.get("status") == "cancelled":
                raise ApiError(410, "Resource has been deleted", "deleted")
            if if_match and if_match != current["etag"]:
                raise ApiError(412, "Precondition Failed", "conditionNotMet")
            seq = self._next_seq()
            master.overrides[iid] = ({"status": "cancelled", "etag": f'"{seq}"', "updated": self._updated()}, seq)
            return
        stored = cal[event_id]
        if stored.resource.get("status") == "cancelled":
            raise ApiError(410, "Resource has been deleted", "deleted")
        if if_match and if_match != stored.resource["etag"]:
            raise ApiError(412, "Precondition Failed", "conditionNotMet")
        stored.seq = self._next_seq()
        stored.resource.update(status="cancelled", etag=f'"{stored.seq}"', updated=self._updated())

    # -- reads ----------------------------------------------------------------------------
    @staticmethod
    def _public(stored: Stored) -> dict[str, Any]:
        return copy.deepcopy(stored.resource)

    def _instances_of(self, master: Stored, *, since: int | None = None) -> list[dict[str, Any]]:
        from dateutil.rrule import rrulestr

        res = master.resource
        start_part = res["start"]
        all_day = "date" in start_part and not start_part.get("dateTime")
        rules = "\n".join(res.get("recurrence") or [])
        if all_day:
            first = datetime.combine(date.fromisoformat(start_part["date"]), time.min)
            length = date.fromisoformat(res["end"]["date"]) - first.date()
        else:
            zone = ZoneInfo(start_part.get("timeZone") or "UTC")
            # Expand in the series' own zone so the wall-clock time survives DST changes.
            # (aware in that zone: rrule keeps the wall-clock time, and EXDATE;TZID values compare)
            first = datetime.fromisoformat(start_part["dateTime"]).astimezone(zone)
            length = _parse_time(res["end"]["dateTime"]) - _parse_time(start_part["dateTime"])
        out = []
        for occurrence in itertools.islice(rrulestr(rules, dtstart=first, forceset=True), MAX_INSTANCES):
            if all_day:
                iid = f"{res['id']}_{occurrence:%Y%m%d}"
                start = {"date": occurrence.date().isoformat()}
                end = {"date": (occurrence.date() + length).isoformat()}
            else:
                aware = occurrence.replace(tzinfo=None).replace(tzinfo=zone)
                iid = f"{res['id']}_{aware.astimezone(UTC):%Y%m%dT%H%M%SZ}"
                start = {"dateTime": aware.isoformat(), "timeZone": zone.key}
                end_time = (aware.astimezone(UTC) + length).astimezone(zone)
                end = {"dateTime": end_time.isoformat(), "timeZone": zone.key}
            override, oseq = master.overrides.get(iid, ({}, 0))
            seq = max(master.seq, oseq)
            if since is not None and seq <= since:
                continue
            if res.get("status") == "cancelled" or override.get("status") == "cancelled":
                out.append({"kind": "calendar#event", "id": iid, "status": "cancelled", "recurringEventId": res["id"],
                            "etag": override.get("etag") or res["etag"], "_seq": seq,
                            "originalStartTime": start})
                continue
            instance = {k: copy.deepcopy(v) for k, v in res.items() if k != "recurrence"}
            instance.update(id=iid, recurringEventId=res["id"], originalStartTime=start, start=start, end=end, _seq=seq)
            instance.update(copy.deepcopy(override))
            out.append(instance)
        return out

    def _expanded(self, calendar_id: str, *, since: int | None, single: bool = True) -> list[dict[str, Any]]:
        out = []
        for stored in self._calendar(calendar_id).values():
            if single and stored.resource.get("recurrence"):
                if stored.resource.get("status") == "cancelled" and since is not None and stored.seq > since:
                    # A deleted series is reported by its master id (instances follow from it).
                    out.append({**stored.resource, "_seq": stored.seq})
                    continue
                out.extend(self._instances_of(stored, since=since))
            elif stored.resource.get("recurrence"):
                if since is None or stored.seq > since:
                    out.append({**stored.resource, "_seq": stored.seq, "_master": True})
                if stored.resource.get("status") != "cancelled":
                    # The exceptions: instances someone changed or cancelled.
                    out.extend(i for i in self._instances_of(stored, since=since) if i["id"] in stored.overrides)
            elif since is None or stored.seq > since:
                # Shallow copy: nested parts are replaced, never mutated, by later changes.
                out.append({**stored.resource, "_seq": stored.seq})
        return out

    def _list(self, calendar_id: str, query: dict[str, str]) -> dict[str, Any]:
        size = max(1, min(int(query.get("maxResults") or 250), 2500))
        page_token = query.get("pageToken")
        if page_token:
            key, _, offset_raw = page_token.partition(":")
            if key not in self._listings:
                raise ApiError(400, "Invalid page token", "invalid")
            items, snap = self._listings[key], int(offset_raw.split("@")[1])
            offset = int(offset_raw.split("@")[0])
        else:
            sync_token = query.get("syncToken")
            since = None
            if sync_token:
                if "timeMin" in query or "timeMax" in query:
                    raise ApiError(400, "Sync token cannot be used with timeMin/timeMax", "invalid")
                try:
                    since = int(sync_token.removeprefix("tok-"))
                except ValueError:
                    raise ApiError(410, "Sync token is no longer valid, a full sync is required.",
                                   "fullSyncRequired") from None
                if since < self.min_token_seq:
                    raise ApiError(410, "Sync token is no longer valid, a full sync is required.", "fullSyncRequired")
            single = query.get("singleEvents") == "true"
            show_deleted = since is not None or query.get("showDeleted") == "true"
            items = self._expanded(calendar_id, since=since, single=single)
            if not show_deleted:
                # Cancelled instances of a series stay in a non-single listing (as in Google).
                items = [i for i in items if i.get("status") != "cancelled"
                         or (not single and i.get("recurringEventId"))]
            if since is None and ("timeMin" in query or "timeMax" in query):
                try:
                    lo = _parse_time(query["timeMin"]) if "timeMin" in query else None
                    hi = _parse_time(query["timeMax"]) if "timeMax" in query else None
                except ValueError:
                    raise ApiError(400, "Bad Request: timeMin/timeMax need an offset", "badRequest") from None
                kept = []
                for item in items:
                    if item.get("_master") or (not single and item.get("recurringEventId")):
                        # A series (and its exceptions) overlaps while its first start is before
                        # timeMax; the fake does not work out where the rule ends.
                        first, _ = _bounds(item) if item.get("start") else (None, None)
                        if hi is None or first is None or first < hi:
                            kept.append(item)
                        continue
                    start, end = _bounds(item)
                    if (lo is None or end > lo) and (hi is None or start < hi):
                        kept.append(item)
                items = kept
            items.sort(key=lambda i: (i["_seq"], i["id"]))
            for item in items:
                item.pop("_seq", None)
                item.pop("_master", None)
            key = str(next(self._listing_ids))
            self._listings[key] = items
            snap, offset = self.seq, 0
        chunk = items[offset:offset + size]
        body: dict[str, Any] = {"kind": "calendar#events", "summary": calendar_id, "items": chunk}
        # Offsets past the end stand for the configured trailing empty pages.
        if offset + size < len(items) + self.trailing_empty_pages * size:
            body["nextPageToken"] = f"{key}:{offset + size}@{snap}"
        else:
            body["nextSyncToken"] = f"tok-{snap}"
            self._listings.pop(key, None)
        return body

    def _freebusy(self, body: dict[str, Any]) -> dict[str, Any]:
        lo, hi = _parse_time(body["timeMin"]), _parse_time(body["timeMax"])
        calendars: dict[str, Any] = {}
        for item in body.get("items") or []:
            cid = item.get("id")
            if cid not in self.calendars:
                calendars[cid] = {"errors": [{"domain": "global", "reason": "notFound"}], "busy": []}
                continue
            busy = []
            for event in self._expanded(cid, since=None):
                if event.get("status") == "cancelled" or event.get("transparency") == "transparent":
                    continue
                if any(a.get("self") and a.get("responseStatus") == "declined" for a in event.get("attendees") or []):
                    continue  # Google leaves invitations the owner declined out of freeBusy too
                start, end = _bounds(event)
                if end > lo and start < hi:
                    busy.append((max(start, lo), min(end, hi)))
            calendars[cid] = {"busy": [{"start": _rfc3339(s), "end": _rfc3339(e)} for s, e in sorted(busy)]}
        return {"kind": "calendar#freeBusy", "timeMin": body["timeMin"], "timeMax": body["timeMax"],
                "calendars": calendars}

    # -- HTTP dispatch --------------------------------------------------------------------
    def handle(self, method: str, raw_path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict | None]:
        parts = urlsplit(raw_path)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        with self._lock:
            entry = {"method": method, "path": unquote(parts.path), "query": query,
                     "if_match": headers.get("if-match", ""), "authorization": headers.get("authorization", "")}
            self.requests.append(entry)
            if self._failures:
                status, _ = self._failures.pop(0)
                entry["status"] = status
                return status, {"error": {"code": status, "message": "injected failure",
                                          "errors": [{"reason": "rateLimitExceeded" if status == 429 else "backendError"}]}}
            try:
                data: dict[str, Any] = {}
                if method in ("POST", "PATCH", "PUT") and body:
                    if "json" in headers.get("content-type", "json"):
                        data = json.loads(body)
                    else:  # the OAuth token endpoint is form-encoded
                        data = {k: v[-1] for k, v in parse_qs(body.decode()).items()}
                status, answer = self._route(method, parts.path, query, headers, data)
            except ApiError as exc:
                status, answer = exc.status, {"error": {"code": exc.status, "message": exc.message,
                                                        "errors": [{"reason": exc.reason, "message": exc.message}]}}
            except (ValueError, KeyError, TypeError) as exc:
                status, answer = 400, {"error": {"code": 400, "message": f"Bad Request: {exc}"}}
            entry["status"] = status
            return status, answer

    def _route(self, method: str, path: str, query: dict[str, str], headers: dict[str, str],
               data: dict[str, Any]) -> tuple[int, dict | None]:
        if path == "/token" and method == "POST":
            return 200, {"access_token": f"fake-access-{next(self._ids)}", "expires_in": 3600, "token_type": "Bearer"}
        if not path.startswith(PREFIX):
            raise ApiError(404, "Not Found", "notFound")
        segments = [unquote(s) for s in path[len(PREFIX):].split("/") if s]
        if segments == ["freeBusy"] and method == "POST":
            return 200, self._freebusy(data)
        if len(segments) >= 3 and segments[0] == "calendars" and segments[2] == "events":
            calendar_id = segments[1]
            if len(segments) == 3:
                if method == "GET":
                    return 200, self._list(calendar_id, query)
                if method == "POST":
                    return 200, self._public(self._insert(calendar_id, data))
            elif len(segments) == 4:
                event_id, if_match = segments[3], headers.get("if-match", "")
                if method == "GET":
                    return 200, self._get(calendar_id, event_id)
                if method in ("PATCH", "PUT"):
                    return 200, self._patch(calendar_id, event_id, data, if_match=if_match, replace=method == "PUT")
                if method == "DELETE":
                    self._delete(calendar_id, event_id, if_match=if_match)
                    return 204, None
        raise ApiError(404, "Not Found", "notFound")


def _handler_for(fake: FakeGoogleCalendar) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as httplib2 expects

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, answer = fake.handle(self.command, self.path, headers, body)
            payload = b"" if answer is None else json.dumps(answer).encode()
            self.send_response(status)
            if answer is not None:
                self.send_header("Content-Type", "application/json; charset=UTF-8")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if payload:
                self.wfile.write(payload)

        do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
            return

    return Handler


def main() -> None:
    parser = argparse.ArgumentParser(description="Fake Google Calendar v3 server")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--calendar", default="primary")
    parser.add_argument("--seed", type=int, default=0, help="bulk-create this many events")
    parser.add_argument("--seed-start", default="", help="ISO start of the seeded events (default: now - 7 days)")
    parser.add_argument("--spacing-minutes", type=int, default=47, help="minutes between seeded events")
    parser.add_argument("--port-file", default="", help="write the chosen port here once listening")
    args = parser.parse_args()
    fake = FakeGoogleCalendar(port=args.port)
    fake.add_calendar(args.calendar)
    if args.seed:
        start = _parse_time(args.seed_start) if args.seed_start else datetime.now(UTC) - timedelta(days=7)
        fake.seed(args.calendar, args.seed, start=start.replace(second=0, microsecond=0),
                  spacing_minutes=args.spacing_minutes)
    if args.port_file:
        with open(args.port_file, "w", encoding="utf-8") as fh:
            fh.write(str(fake.port))
    print(fake.api_endpoint, flush=True)
    try:
        fake.server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
