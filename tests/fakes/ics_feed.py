"""An iCalendar feed served over real HTTP on 127.0.0.1, with ETag/Last-Modified and 304s.

    with IcsFeedServer() as feed:
        feed.body = "BEGIN:VCALENDAR ..."       # a new body gets a new ETag
        feed.fail_next(503, retry_after="2")     # scripted failures before the next answers
        ... fetch feed.url ...
        feed.requests[-1]                        # (method, headers, status)
"""

from __future__ import annotations

import hashlib
import threading
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class IcsFeedServer:
    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.body = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//feed//EN\r\nEND:VCALENDAR\r\n"
        self.last_modified = "Fri, 20 Mar 2026 09:00:00 GMT"
        self.requests: list[tuple[str, dict[str, str], int]] = []
        self.auth: str | None = None  # "user:password" to require HTTP Basic
        self.redirect_to: str | None = None  # answer /calendar.ics with a 302 to this address
        self._failures: deque[tuple[int, str | None]] = deque()
        self._server = ThreadingHTTPServer((host, port), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/calendar.ics"

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha1(self.body.encode()).hexdigest()[:16] + '"'

    def fail_next(self, status: int, *, times: int = 1, retry_after: str | None = None) -> None:
        self._failures.extend([(status, retry_after)] * times)

    def _handler(self):
        feed = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                headers = {k: v for k, v in self.headers.items()}
                status, extra, body = 200, {}, b""
                if feed.redirect_to and self.path == "/calendar.ics":
                    status, extra = 302, {"Location": feed.redirect_to}
                elif feed._failures:
                    status, retry_after = feed._failures.popleft()
                    if retry_after:
                        extra["Retry-After"] = retry_after
                elif feed.auth is not None and not _basic_ok(self.headers.get("Authorization"), feed.auth):
                    status, extra = 401, {"WWW-Authenticate": 'Basic realm="feed"'}
                elif self.headers.get("If-None-Match") == feed.etag:
                    status = 304
                else:
                    body = feed.body.encode()
                    extra = {"ETag": feed.etag, "Last-Modified": feed.last_modified,
                             "Content-Type": "text/calendar; charset=utf-8"}
                feed.requests.append(("GET", headers, status))
                self.send_response(status)
                for name, value in extra.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        return Handler

    def __enter__(self) -> IcsFeedServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()


def _basic_ok(header: str | None, expected: str) -> bool:
    import base64

    if not header or not header.startswith("Basic "):
        return False
    try:
        return base64.b64decode(header[6:]).decode() == expected
    except ValueError:
        return False
