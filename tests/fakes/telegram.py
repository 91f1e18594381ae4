"""A fake Telegram Bot API on 127.0.0.1: getMe, sendMessage, setWebhook (JSON or form bodies).

    with FakeTelegram(token="123:abc") as tg:
        tg.fail_next("sendMessage", 429, retry_after=7)      # or 403 "bot was blocked by the user"
        ... point telegram.api_base at tg.base_url ...
        tg.sent  # [{"chat_id": ..., "text": ...}, ...] of accepted sendMessage calls

Unknown tokens get 401 like the real API; unknown methods 404.
"""

from __future__ import annotations

import json
import threading
from collections import defaultdict, deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

DESCRIPTIONS = {
    400: "Bad Request: chat not found",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    429: "Too Many Requests: retry after {retry_after}",
}


def _decode_form_value(value: str) -> Any:
    # python-telegram-bot and others send nested objects as JSON strings in form bodies.
    try:
        return json.loads(value)
    except ValueError:
        return value


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes: without TCP_NODELAY, Nagle plus the client's
    # delayed ACK add ~40 ms to every keep-alive request.
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        self._handle({})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip()
        if ctype == "application/json":
            params = json.loads(raw or b"{}")
        elif ctype == "application/x-www-form-urlencoded":
            params = {k: _decode_form_value(v) for k, v in parse_qsl(raw.decode())}
        else:
            params = {}
        self._handle(params)

    def _handle(self, params: dict[str, Any]) -> None:
        fake = self.server.fake
        path = self.path.split("?")[0]
        prefix, _, method = path.rpartition("/")
        if prefix != f"/bot{fake.token}":
            self._answer(401, {"ok": False, "error_code": 401, "description": DESCRIPTIONS[401]})
            return
        status, body = fake._dispatch(method, params)
        self._answer(status, body)

    def _answer(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    fake: FakeTelegram


class FakeTelegram:
    def __init__(self, *, token: str = "123456:TEST-token", username: str = "chronos_test_bot") -> None:
        self.token = token
        self.username = username
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.sent: list[dict[str, Any]] = []
        self.webhook: dict[str, Any] | None = None
        self._failures: dict[str, deque[tuple[int, dict[str, Any]]]] = defaultdict(deque)
        self._lock = threading.Lock()
        self._next_message_id = 1
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.fake = self
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> FakeTelegram:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    def fail_next(self, method: str, status: int, *, retry_after: int | None = None, description: str = "") -> None:
        """The next call of ``method`` answers ``status`` (429 with ``parameters.retry_after``)."""
        body: dict[str, Any] = {"ok": False, "error_code": status,
                                "description": description or DESCRIPTIONS.get(status, "Error").format(
                                    retry_after=retry_after)}
        if retry_after is not None:
            body["parameters"] = {"retry_after": retry_after}
        with self._lock:
            self._failures[method].append((status, body))

    def calls_of(self, method: str) -> list[dict[str, Any]]:
        return [params for name, params in self.calls if name == method]

    def _dispatch(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self._lock:
            self.calls.append((method, params))
            if self._failures[method]:
                return self._failures[method].popleft()
            if method == "getMe":
                return 200, {"ok": True, "result": {"id": int(self.token.split(":")[0]), "is_bot": True,
                                                    "first_name": "Chronos", "username": self.username}}
            if method == "setWebhook":
                if not params.get("url"):
                    return 400, {"ok": False, "error_code": 400, "description": "Bad Request: bad webhook: URL is empty"}
                self.webhook = params
                return 200, {"ok": True, "result": True, "description": "Webhook was set"}
            if method == "sendMessage":
                if "chat_id" not in params or not params.get("text"):
                    return 400, {"ok": False, "error_code": 400, "description": "Bad Request: message text is empty"}
                message_id = self._next_message_id
                self._next_message_id += 1
                self.sent.append(params)
                return 200, {"ok": True, "result": {"message_id": message_id, "chat": {"id": params["chat_id"]},
                                                    "text": params["text"]}}
        return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
