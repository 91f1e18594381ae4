"""Over real HTTP, against the server ``manage.py start`` runs: a 413 leaves the connection usable.

Before, a 3 MB body was a 400 and the server dropped the connection with the body unread, so
the requests pipelined behind it were never answered.
"""

from __future__ import annotations

import json
import socket

import pytest

from tests.core.start_process import StartProcess


def _request(method: str, path: str, key: str, body: bytes = b"") -> bytes:
    head = (f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {key}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n")
    return head.encode() + body


def _responses(sock: socket.socket, count: int) -> list[tuple[int, dict, bytes]]:
    """Read ``count`` HTTP/1.1 responses off one connection (Content-Length or chunked bodies)."""
    stream = sock.makefile("rb")
    answers = []
    for _ in range(count):
        status_line = stream.readline()
        if not status_line:
            break  # the server closed the connection
        status = int(status_line.split()[1])
        headers = {}
        while (line := stream.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode().partition(":")
            headers[name.strip().lower()] = value.strip()
        if "content-length" in headers:
            body = stream.read(int(headers["content-length"]))
        else:
            body = b""
            while (size := int(stream.readline().strip(), 16)) > 0:
                body += stream.read(size)
                stream.readline()
            stream.readline()
        answers.append((status, headers, body))
    return answers


@pytest.mark.slow
def test_a_too_large_body_is_413_and_the_pipelined_requests_behind_it_are_answered(tmp_path, monkeypatch):
    config = tmp_path / "chronos.yaml"
    config.write_text("api:\n  max_body_bytes: 1048576\nemail:\n  max_total_attachment_bytes: 700000\n")
    monkeypatch.setenv("CHRONOS_CONFIG", str(config))
    start = StartProcess(tmp_path)
    try:
        start.wait_started()
        key = start.api_key()
        event = json.dumps({"title": "After the big one", "calendar_id": "mock",
                            "start_time": "2031-03-01T08:00:00Z", "end_time": "2031-03-01T09:00:00Z"}).encode()
        big = b'{"title": "' + b"x" * 3_000_000 + b'"}'
        near = b'{"title": "' + b"x" * 1_000_000 + b'"}'  # under the limit: read, refused by the view
        with socket.create_connection(("127.0.0.1", start.port), timeout=60) as sock:
            sock.sendall(_request("POST", "/api/v1/events", key, big)
                         + _request("GET", "/api/v1/events?page_size=1", key)
                         + _request("POST", "/api/v1/events", key, near)
                         + _request("POST", "/api/v1/events", key, event))
            answers = _responses(sock, 4)

        assert [a[0] for a in answers] == [413, 200, 400, 201], (answers, start.output()[-3000:])
        assert json.loads(answers[0][2]) == {
            "detail": "Request body too large: 3000013 bytes, the limit is 1048576 (api.max_body_bytes)."}
        assert answers[0][1]["content-type"] == "application/json"
        assert "title" in json.loads(answers[2][2])
        assert json.loads(answers[3][2])["title"] == "After the big one"
    finally:
        start.kill()
