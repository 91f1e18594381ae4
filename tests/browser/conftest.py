"""Browser tests: the real server (``manage.py start``) driven by Debian's chromium through Playwright.

Run with ``make test-browser`` (it installs chromium if missing and sets CHRONOS_BROWSER_TESTS=1);
the two database suites leave this folder alone.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "browser-test-password-1"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def chromium_path() -> str:
    found = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        pytest.fail("chromium is not installed: run `make test-browser`, which installs it")
    return found


@pytest.fixture(scope="session")
def smtp():
    """A real SMTP server (aiosmtpd) the browser-tested Chronos sends to."""
    from tests.fakes.smtp import FakeSMTP

    server = FakeSMTP().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def server(smtp):
    """A Chronos started as a person starts it, on its own data folder and port; yields its base URL."""
    data = Path(tempfile.mkdtemp(prefix="chronos-browser-"))
    port = _free_port()
    smtp_port = smtp.port
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(CHRONOS_DATA_DIR=str(data), CHRONOS_HOST="127.0.0.1", CHRONOS_PORT=str(port),
               CHRONOS_ADMIN_PASSWORD=PASSWORD, CHRONOS_SMTP_HOST="127.0.0.1", CHRONOS_SMTP_PORT=str(smtp_port),
               CHRONOS_TESTING="0", PYTHONUNBUFFERED="1")
    log = open(data / "server.log", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen([sys.executable, "manage.py", "start"], cwd=ROOT, env=env, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"the server stopped at start:\n{(data / 'server.log').read_text()[-3000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.3)
    else:
        pytest.fail("the server did not listen within 90 s")
    yield {"base": base, "data": data, "smtp_port": smtp_port}
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
    log.close()
    shutil.rmtree(data, ignore_errors=True)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture
def page(browser, server):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, base_url=server["base"])
    page = context.new_page()
    page.set_default_timeout(15000)
    page.goto("/admin/login/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")
    yield page
    context.close()


def shot(page, name: str) -> None:
    """Save a documentation screenshot when SCREENSHOTS names a folder (docs/screenshots)."""
    folder = os.environ.get("SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        # The whole page at the test's width: grow the window to the page's height rather than
        # full_page=True, which lets Chromium lay wide pages out wider than the window.
        size = page.viewport_size
        height = min(4000, int(page.evaluate("document.documentElement.scrollHeight")))
        page.set_viewport_size({"width": size["width"], "height": max(size["height"], height)})
        page.screenshot(path=str(Path(folder) / f"{name}.png"))
        page.set_viewport_size(size)
