"""Fixtures in the flaskr style: a fresh data directory per test, real SQLite, real files."""

import re

import jinja2
import pytest
from flask import Flask

from app import create_app
from archive.db import open_db
from archive.storage import LocalStorage


class SharedTemplateCode(jinja2.BytecodeCache):
    """Compiled templates kept in memory for every app a test run makes.

    Each test builds its own app, and each app's Jinja environment would parse and
    compile every template it renders again: about a third of the suite's time.
    Jinja keys the code by template name and source checksum, so an edited template
    is compiled afresh."""

    def __init__(self):
        self._code = {}

    def load_bytecode(self, bucket):
        if bucket.key in self._code:
            bucket.bytecode_from_string(self._code[bucket.key])

    def dump_bytecode(self, bucket):
        self._code[bucket.key] = bucket.bytecode_to_string()


@pytest.fixture(autouse=True, scope="session")
def shared_template_code():
    """Every app made in this process (by fixtures or by tests) shares compiled templates."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Flask, "jinja_options", {**Flask.jinja_options, "bytecode_cache": SharedTemplateCode()})
        yield


@pytest.fixture
def app(tmp_path):
    """An app whose data directory is this test's own temporary folder."""
    app = create_app({"TESTING": True, "DATA_DIR": str(tmp_path / "data"), "SECRET_KEY": "test"})
    yield app


def media_storage(app) -> LocalStorage:
    """The app's media storage, for domain calls made by tests (the web layer
    makes the same from MEDIA_DIR)."""
    return LocalStorage(app.config["MEDIA_DIR"])


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def db(app):
    """A connection to the app's real SQLite file."""
    conn = open_db(app.config["DATABASE"])
    yield conn
    conn.close()


@pytest.fixture
def curator(app, db):
    """A signed-in curator's client (account "cura")."""
    from tests.accounts import login, make_user  # tests.accounts imports this module

    make_user(db, "cura", "curator")
    client = app.test_client()
    assert login(client, "cura").status_code == 302
    return client


def csrf_token(client, path="/submit"):
    """Fetch a page and return the CSRF token its form carries."""
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


STORY_TEXT = (
    "My grandmother taught me to fold dumplings at the kitchen table every new year. "
    "She kept teaching me after I came out, and that was how she said she loved me."
)


def submission(token, **overrides):
    """Form data for a valid submission with only the required fields."""
    data = {
        "csrf_token": token,
        "title": "Dumplings",
        "body": STORY_TEXT,
        "themes": ["intergenerational-dialogue"],
        "archiving_consent": "y",
        "access": "public",
        "adult": "y",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def post_my_story(client, code, action, **fields):
    """Send one of /my-story's forms with a receipt code (action: open, edit, narrow,
    withdraw, withdraw_confirm) and return the response."""
    data = {"csrf_token": csrf_token(client, "/my-story"), "code": code, "action": action, **fields}
    return client.post("/my-story", data=data)


RECEIPT_COOKIE = "crossings_receipt"


def sent(response):
    """Read and close a test client's response to a POST, and the request body with it:
    the test client keeps a body over 500 KB in a temporary file that it closes only
    at the end of a redirect it followed itself."""
    response.get_data()
    response.close()
    response.request.input_stream.close()
    return response


def submit(client, **overrides):
    """Submit a story through the form, following the redirect to the receipt page;
    returns (response, story_id, receipt_code).

    Afterwards the browser forgets the receipt (as another browser would), so that
    a test may send the same text twice as two stories."""
    response = sent(client.post("/submit", data=submission(csrf_token(client), **overrides)))
    if response.status_code == 303:
        response = client.get(response.headers["Location"])
    html = response.get_data(as_text=True)
    code = re.search(r'id="receipt-code">([^<]+)<', html)
    story_id = re.search(r'id="story-id">([^<]+)<', html)
    client.delete_cookie(RECEIPT_COOKIE, path="/submit")
    return response, story_id and story_id.group(1), code and code.group(1)
