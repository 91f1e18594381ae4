"""A real HTTP server on 127.0.0.1 that records webhook deliveries and answers scripted statuses.

    with WebhookReceiver() as receiver:
        receiver.script(500, (429, {"Retry-After": "30"}), 200)   # answers for the next requests
        ... deliver to receiver.url ...
        receiver.requests[0].headers["webhook-id"], receiver.requests[0].body

``hang=True`` makes every request block until :meth:`release` (a receiver that never answers);
``on_request`` is called with each recorded request (e.g. to call Chronos back).
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    status: int = 0
    received_at: float = field(default_factory=time.monotonic)  # when it arrived (monotonic clock)

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class _Answer:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b'{"ok": true}'


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes: without TCP_NODELAY, Nagle plus the client's
    # delayed ACK add ~40 ms to every keep-alive request.
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, *args) -> None:  # keep test output clean
        pass

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        receiver = self.server.receiver
        request = RecordedRequest(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body)
        answer = receiver._next_answer(request)
        with receiver._lock:
            receiver.requests.append(request)
        if receiver.hang:
            receiver._hanging.set()
            receiver._release.wait(timeout=receiver.hang_seconds)
        request.status = answer.status
        if receiver.on_request is not None:
            receiver.on_request(request)
        self.send_response(answer.status)
        for key, value in answer.headers.items():
            self.send_header(key, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer.body)))
        try:
            self.end_headers()
            self.wfile.write(answer.body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client went away (e.g. a killed worker); nothing to answer

    do_POST = do_PUT = do_GET = _handle


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128
    receiver: WebhookReceiver


class WebhookReceiver:
    def __init__(self, *, default_status: int = 200, hang: bool = False, hang_seconds: float = 30,
                 host: str = "127.0.0.1", port: int = 0) -> None:
        self.requests: list[RecordedRequest] = []
        self.default_status = default_status
        self.hang = hang
        self.hang_seconds = hang_seconds
        self.on_request: Callable[[RecordedRequest], None] | None = None
        self.responder: Callable[[RecordedRequest], int | tuple | None] | None = None
        self._script: deque[_Answer] = deque()
        self._lock = threading.Lock()
        self._hanging = threading.Event()
        self._release = threading.Event()
        self._server = _Server((host, port), _Handler)
        self._server.receiver = self
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://{self._server.server_address[0]}:{self.port}/hook"

    def start(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._release.set()
        if self._thread.is_alive():  # shutdown() waits for serve_forever, which may never have run
            self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> WebhookReceiver:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def script(self, *answers: int | tuple) -> None:
        """Queue answers for the next requests: a status, or ``(status, headers[, body])``."""
        with self._lock:
            self._script.extend(self._answer(a) for a in answers)

    def wait_until_hanging(self, timeout: float = 10) -> bool:
        return self._hanging.wait(timeout)

    def release(self) -> None:
        self._release.set()

    def clear(self) -> None:
        with self._lock:
            self.requests.clear()

    @staticmethod
    def _answer(spec: int | tuple) -> _Answer:
        if isinstance(spec, int):
            return _Answer(status=spec)
        status, headers, *rest = spec
        body = rest[0] if rest else b'{"ok": true}'
        return _Answer(status=status, headers=dict(headers), body=body if isinstance(body, bytes) else body.encode())

    def _next_answer(self, request: RecordedRequest) -> _Answer:
        if self.responder is not None:
            spec = self.responder(request)
            if spec is not None:
                return self._answer(spec)
        with self._lock:
            if self._script:
                return self._script.popleft()
        return _Answer(status=self.default_status)


def _serve_forever(port_file: str, fail_once_every: int) -> None:
    """``python -m tests.fakes.webhook_receiver``: a standalone receiver for benchmarks.

    ``GET /_stats`` answers the counts; with ``--fail-once-every N`` the first request of every
    N-th message (by id) answers 500.
    """
    import uuid

    receiver = WebhookReceiver()
    successes: dict[str, int] = {}
    seen: set[str] = set()
    lock = threading.Lock()

    def respond(request: RecordedRequest):
        if request.method == "GET" and request.path == "/_stats":
            with lock:
                body = json.dumps({"requests": len(receiver.requests), "unique_ids": len(seen),
                                   "succeeded": sum(successes.values()),
                                   "succeeded_twice": sum(1 for n in successes.values() if n > 1)})
            return (200, {}, body)
        msg_id = request.headers.get("webhook-id", "")
        with lock:
            first = msg_id not in seen
            seen.add(msg_id)
            if fail_once_every and first and msg_id and uuid.UUID(msg_id).int % fail_once_every == 0:
                return 500
            successes[msg_id] = successes.get(msg_id, 0) + 1
        return 200

    receiver.responder = respond
    receiver.start()
    with open(port_file, "w") as fh:
        fh.write(str(receiver.port))
    threading.Event().wait()


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--fail-once-every", type=int, default=0)
    args = parser.parse_args()
    _serve_forever(args.port_file, args.fail_once_every)
