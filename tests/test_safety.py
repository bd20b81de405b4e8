"""What every response carries, and what nothing ever records."""

import glob
import logging
import os
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import csrf_token, submission

ROUTES = [
    "/",
    "/themes",
    "/themes/safe-spaces",
    "/submit",
    "/my-story",
    "/collections",
    "/join",
    "/stories/nope",
    "/nope",
]


@pytest.mark.parametrize("path", ROUTES)
def test_security_headers_on_every_route(client, path):
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp
    assert "'unsafe-inline'" not in csp and "http" not in csp
    assert "script-src 'self'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_error_pages_are_friendly(app):
    @app.route("/boom")
    def boom():
        raise RuntimeError("secret detail")

    client = app.test_client()
    response = client.get("/nope")
    assert response.status_code == 404
    assert "We could not find that page" in response.get_data(as_text=True)
    response = client.get("/boom")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "Something went wrong" in html and "secret detail" not in html and "Traceback" not in html


def test_oversized_request_gets_413_page(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    response = client.post("/submit", data=submission("x", body="y" * 5000))
    assert response.status_code == 413
    assert "Nothing was saved" in response.get_data(as_text=True)


def test_every_page_has_quick_exit_skip_link_and_one_h1(client):
    for path in ("/", "/themes", "/submit", "/my-story", "/collections", "/join", "/nope"):
        html = client.get(path).get_data(as_text=True)
        assert 'id="quick-exit"' in html and "Leave this site" in html
        assert 'class="skip-link" href="#main"' in html
        assert html.count("<h1") == 1
        assert '<html lang="en">' in html


def test_no_third_party_sources_in_pages(client):
    for path in ("/", "/themes", "/submit", "/my-story"):
        html = client.get(path).get_data(as_text=True)
        for attr in ('src="http', 'src="//', 'href="//'):
            assert attr not in html
        assert html.count('href="http') == 1  # the quick-exit link, which loads nothing


def test_no_ip_or_user_agent_in_logs_or_database(app, tmp_path, caplog):
    """Through a real HTTP server, as Werkzeug logs it in production."""

    from tests.browser.conftest import serve, stop

    server = serve(app)
    base = server.url
    headers = {
        "X-Forwarded-For": "203.0.113.77",
        "User-Agent": "DistinctiveAgent/9.9 (tracking-me)",
        "Referer": "https://example.org/secret-referrer",
    }
    caplog.set_level(logging.DEBUG)
    try:
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
        html = opener.open(urllib.request.Request(base + "/submit", headers=headers)).read().decode()
        import re

        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
        data = submission(token)
        body = urllib.parse.urlencode(data, doseq=True).encode()
        response = opener.open(urllib.request.Request(base + "/submit", data=body, headers=headers))
        assert 'id="receipt-code"' in response.read().decode()
        opener.open(urllib.request.Request(base + "/?q=private-search-words", headers=headers)).read()
    finally:
        stop(server)
    logged = caplog.text
    assert "GET /submit" in logged or "POST /submit" in logged  # the log is there...
    for needle in (
        "203.0.113.77",
        "127.0.0.1",
        "DistinctiveAgent",
        "secret-referrer",
        "private-search-words",
    ):
        assert needle not in logged  # ...without who made the request
    for path in glob.glob(os.path.join(app.config["DATA_DIR"], "**", "*"), recursive=True):
        if os.path.isfile(path):
            content = Path(path).read_bytes()
            for needle in (b"203.0.113.77", b"DistinctiveAgent", b"secret-referrer"):
                assert needle not in content, path


def test_csrf_token_form_field_present(client):
    assert csrf_token(client, "/my-story")


def test_data_files_are_private_to_the_archive_account(tmp_path):
    import stat

    from app import create_app

    app = create_app({"TESTING": True, "DATA_DIR": str(tmp_path / "fresh")})  # key generated on start
    app.test_client().get("/")
    data_dir = app.config["DATA_DIR"]
    assert stat.S_IMODE(os.stat(data_dir).st_mode) == 0o700
    for name in ("crossings.db", "secret_key"):
        path = os.path.join(data_dir, name)
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600, name
    wal = app.config["DATABASE"] + "-wal"
    if os.path.exists(wal):
        assert stat.S_IMODE(os.stat(wal).st_mode) == 0o600
