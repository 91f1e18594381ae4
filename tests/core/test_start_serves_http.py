"""The web server ``manage.py start`` runs answers over real HTTP: health, static files, API."""

from __future__ import annotations

import io
import json
import signal
import time
import urllib.error
import urllib.request
import zipfile
from concurrent.futures import ThreadPoolExecutor
from email.message import Message

import pytest

from tests.core.start_process import StartProcess


def _get(url: str, headers: dict | None = None, data: bytes | None = None) -> tuple[int, Message, bytes]:
    """Status, headers (looked up regardless of case: granian sends them in lower case) and body."""
    request = urllib.request.Request(url, headers=headers or {}, data=data)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def _healthy(base: str, within: float) -> tuple[int, Message, bytes]:
    """/health until it says healthy (it says starting until the worker's first heartbeat)."""
    deadline = time.monotonic() + within
    while True:
        answer = _get(f"{base}/health")
        if (answer[0] == 200 and json.loads(answer[2])["status"] == "healthy") or time.monotonic() > deadline:
            return answer
        time.sleep(0.2)


@pytest.mark.slow
def test_the_started_web_server_answers_health_static_files_and_the_api(tmp_path):
    start = StartProcess(tmp_path)
    try:
        start.wait_started()
        status, headers, body = _healthy(start.base, within=30)
        assert status == 200, body
        assert json.loads(body)["status"] == "healthy"
        assert headers["X-Request-ID"]

        status, headers, body = _get(f"{start.base}/static/admin/css/base.css")
        assert status == 200
        assert headers["Content-Type"].startswith("text/css")
        assert len(body) > 1000

        key = start.api_key()
        auth = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}

        # Large bodies reach Django whole (wsgi.input, CONTENT_LENGTH): the entry comes after
        # almost 1 MB of comment, and a 3 MB body is read up to the import's limit.
        padding = "".join(f"# {i:06d} {'x' * 90}\n" for i in range(10_000))
        document = padding + "version: 1\nwhitelists:\n  - system: LARGE\n    action: BODY\n"
        yaml_auth = {**auth, "Content-Type": "application/yaml"}
        status, _, body = _get(f"{start.base}/api/v1/whitelists/import", headers=yaml_auth, data=document.encode())
        assert status == 200, body[:500]
        status, _, body = _get(f"{start.base}/api/v1/whitelists?system=LARGE", headers=auth)
        assert [e["action"] for e in json.loads(body)["items"]] == ["BODY"]
        status, _, body = _get(f"{start.base}/api/v1/whitelists/import", headers=yaml_auth, data=b"#" * 3_000_000)
        assert status == 400
        assert b"document larger than" in body

        # A file response (a backup archive, written by the worker) streams whole.
        status, headers, body = _get(f"{start.base}/api/v1/backups", headers=auth, data=b"")
        assert status == 202, body
        name = json.loads(body)["name"]
        deadline = time.monotonic() + 60
        while True:
            entries = json.loads(_get(f"{start.base}/api/v1/backups", headers=auth)[2])["items"]
            backup = next(e for e in entries if e["name"] == name)
            if backup["status"] not in ("queued", "running") or time.monotonic() > deadline:
                break
            time.sleep(0.3)
        assert backup["status"] == "ok", backup
        status, headers, body = _get(f"{start.base}{backup['download_url']}", headers=auth)
        assert status == 200
        assert len(body) == backup["size"] == int(headers["Content-Length"])
        assert zipfile.ZipFile(io.BytesIO(body)).testzip() is None

        # Requests that each take a while run side by side on the worker threads.
        def create(i: int) -> int:
            body = json.dumps({"title": f"Parallel {i}", "calendar_id": "mock",
                               "start_time": f"2031-02-{i + 1:02d}T08:00:00Z",
                               "end_time": f"2031-02-{i + 1:02d}T09:00:00Z"}).encode()
            return _get(f"{start.base}/api/v1/events", headers=auth, data=body)[0]

        with ThreadPoolExecutor(8) as pool:
            assert list(pool.map(create, range(16))) == [201] * 16

        start.proc.send_signal(signal.SIGTERM)
        start.finish()
        # The access log goes to standard output, one line per request.
        assert '"GET /health HTTP/1.1" 200' in start.output()
    finally:
        start.kill()
