"""The browser harness: the real app served on loopback, driven by Debian's Chromium.

Never ``playwright install``: Playwright is pointed at /usr/bin/chromium. A missing
Chromium fails these tests (``.ci/run`` installs Debian's package); to leave them
out on purpose, deselect them: ``pytest -m "not browser"``.
"""

import gc
import os
import shutil
import threading

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from app import create_app

CHROMIUM = os.environ.get("CROSSINGS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


_RESPONSE_KEY = "crossings.tests.response"


class _ClosingHandler(WSGIRequestHandler):
    """Werkzeug's development server skips closing a response (and so its open file)
    when the browser drops the connection mid-way, as Chromium does with media and
    navigations; the file would then be closed by the garbage collector during some
    later test, as a ResourceWarning. Close it when the drop happens."""

    def connection_dropped(self, error, environ=None):
        response = (environ or {}).get(_RESPONSE_KEY)
        if response is not None and hasattr(response, "close"):
            response.close()


def serve(app):
    """Start ``app`` on a free loopback port in a thread; returns the server with ``.url``.
    Stop it with ``stop(server)``."""

    def remember_response(environ, start_response):
        response = app(environ, start_response)
        environ[_RESPONSE_KEY] = response
        return response

    server = make_server("127.0.0.1", 0, remember_response, threaded=True, request_handler=_ClosingHandler)
    server.thread = threading.Thread(target=server.serve_forever, daemon=True)
    server.thread.start()
    server.app = app
    server.url = f"http://127.0.0.1:{server.server_port}"
    return server


def stop(server):
    """Stop a server started by ``serve`` and collect what its requests left behind,
    so that any leak is reported in the test that caused it."""
    server.shutdown()
    server.thread.join(timeout=5)
    server.server_close()
    gc.collect()


@pytest.fixture
def live_server(tmp_path):
    """Serve a fresh app on a free loopback port for the length of one test."""
    app = create_app({"TESTING": True, "DATA_DIR": str(tmp_path / "data"), "SECRET_KEY": "browser"})
    server = serve(app)
    yield server
    stop(server)


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the session."""
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        pytest.fail(f"Chromium not found at {CHROMIUM}: install Debian's chromium package (see .ci/run)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh browser context (no cookies) and page; records requests to other hosts."""
    context = browser.new_context()
    page = context.new_page()
    page.foreign_requests = []

    def watch(request):
        if not request.url.startswith((live_server.url, "data:", "about:")):
            page.foreign_requests.append(request.url)

    page.on("request", watch)
    yield page
    context.close()
