"""The browser harness: the real app served on loopback, driven by Debian's Chromium.

Never ``playwright install``: Playwright is pointed at /usr/bin/chromium. A missing
Chromium fails these tests (``.ci/run`` installs Debian's package); to leave them
out on purpose, deselect them: ``pytest -m "not browser"``.
"""

import gc
import io
import os
import shutil
import threading

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from app import create_app
from archive import curation, revisions
from archive.consent import ConsentChoices
from archive.db import open_db
from archive.media import AudioUpload, PhotoUpload
from archive.storage import LocalStorage
from archive.stories import StoryDraft
from archive.workflows import share_story
from search_index import sync
from tests import media_fixtures as mf
from tests.accounts import make_user
from tests.conftest import STORY_TEXT

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


def _story(db, storage, title, notes=None, audio_path=None, access="public"):
    uploads = [
        PhotoUpload(
            stream=io.BytesIO(mf.jpeg_with_metadata(size=(900, 600))),
            alt_text=f"A photo for {title}.",
            caption="Mid-autumn",
            others_consent=True,
        )
    ]
    if audio_path is not None:
        uploads.append(
            AudioUpload(
                stream=open(audio_path, "rb"),  # noqa: SIM115 - closed below
                filename="interview.mp3",
                transcript=None,
                vtt=mf.WEBVTT,
                voice_ack=True,
            )
        )
    draft = StoryDraft(
        title=title,
        body=STORY_TEXT + "\n\nA second paragraph about the river.",
        themes=["safe-spaces"],
        summary="A summary.",
        heritage=["Filipino", "Irish"],
        languages=["English"],
        era=1990,
        place="Manila",
        content_notes=notes,
        attribution="Lola's grandchild",
    )
    try:
        shared = share_story(
            db, storage, draft, ConsentChoices(access=access, quotation=True, adult=True), "text", uploads
        )
        return shared.story_id, shared.code
    finally:
        for upload in uploads:
            if isinstance(upload, AudioUpload):
                upload.stream.close()


@pytest.fixture
def media_archive(live_server, tmp_path):
    """Accounts, a published story with a photo and a recording, one behind content
    notes, one awaiting review (with a code), and a curator's revision."""
    app = live_server.app
    audio = tmp_path / "interview.mp3"
    mf.mp3_with_tags(audio, seconds=3)
    db = open_db(app.config["DATABASE"])
    storage = LocalStorage(app.config["MEDIA_DIR"])
    try:
        make_user(db, "root", "admin")
        make_user(db, "res", "researcher", status="pending")
        plain, _ = _story(db, storage, "Lanterns by the river", audio_path=audio)
        gated, _ = _story(db, storage, "The hospital winter", notes="hospital stay, grief", audio_path=audio)
        pending, code = _story(db, storage, "Kites on the seawall", audio_path=audio)
        for story_id in (plain, gated):
            curation.approve(db, story_id, None)
        with db.atomic():
            revisions.keep(db, db["stories"].get(pending), "curator_edit", None)
        sync(db, index_dir=app.config["INDEX_DIR"], timeout=10)
        revision = db["story_revisions"].rows.__next__()["id"]
    finally:
        db.close()
    return {"plain": plain, "gated": gated, "pending": pending, "code": code, "revision": revision}
