"""A real Radicale CalDAV server on 127.0.0.1 for the tests and ``bench/sync.py``.

Radicale runs in its own process with plain-text htpasswd users and a throw-away storage
folder. ``make_calendar()`` creates a fresh collection (MKCALENDAR) so tests never share one;
``put``/``delete``/``get`` change it the way another CalDAV client would (with plain HTTP).
"""

from __future__ import annotations

import base64
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

USER, PASSWORD = "alice", "app-password-1"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RadicaleServer:
    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="chronos-radicale-"))
        self.port = _free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> RadicaleServer:
        (self.dir / "users").write_text(f"{USER}:{PASSWORD}\n")
        config = self.dir / "config"
        config.write_text(
            "[server]\n"
            f"hosts = 127.0.0.1:{self.port}\n"
            "[auth]\n"
            "type = htpasswd\n"
            f"htpasswd_filename = {self.dir / 'users'}\n"
            "htpasswd_encryption = plain\n"
            "delay = 0\n"
            "[storage]\n"
            f"filesystem_folder = {self.dir / 'collections'}\n"
            "[logging]\n"
            "level = error\n"
            "[web]\n"
            "type = none\n")
        self.proc = subprocess.Popen([sys.executable, "-m", "radicale", "--config", str(config)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return self
            except OSError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise RuntimeError("radicale did not start") from None
                time.sleep(0.05)

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()

    def __enter__(self) -> RadicaleServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- another client's view of the server ------------------------------------------------
    def request(self, method: str, url: str, body: str | bytes | None = None,
                headers: dict[str, str] | None = None, timeout: float = 30) -> tuple[int, dict[str, str], bytes]:
        token = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
        data = body.encode() if isinstance(body, str) else body
        request = urllib.request.Request(url, data=data, method=method,
                                         headers={"Authorization": f"Basic {token}", **(headers or {})})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, dict(exc.headers), exc.read()

    def make_calendar(self, name: str | None = None) -> str:
        url = f"{self.base}/{USER}/{name or uuid.uuid4().hex[:12]}/"
        status, _, _ = self.request("MKCALENDAR", url)
        assert status == 201, status
        return url

    def put(self, calendar_url: str, name: str, ics: str) -> str:
        status, headers, _ = self.request("PUT", calendar_url + name, ics.replace("\n", "\r\n"),
                                          {"Content-Type": "text/calendar"})
        assert status in (201, 204), status
        return headers.get("ETag", "")

    def get(self, calendar_url: str, name: str) -> tuple[int, str, str]:
        status, headers, body = self.request("GET", calendar_url + name)
        return status, headers.get("ETag", ""), body.decode("utf-8", "replace")

    def delete(self, calendar_url: str, name: str) -> int:
        return self.request("DELETE", calendar_url + name)[0]


def vevent(uid: str, summary: str, start: str, end: str, *, extra: str = "") -> str:
    """One VCALENDAR with one VEVENT; ``start``/``end`` are iCalendar property tails, e.g.
    ``;TZID=Europe/Berlin:20260321T090000`` or ``;VALUE=DATE:20260322``."""
    return ("BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//test//EN\nBEGIN:VEVENT\n"
            f"UID:{uid}\nDTSTAMP:20260301T000000Z\nDTSTART{start}\nDTEND{end}\nSUMMARY:{summary}\n{extra}"
            "END:VEVENT\nEND:VCALENDAR\n")
