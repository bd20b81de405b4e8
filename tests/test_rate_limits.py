"""Rate limits at their documented numbers (README, "Rate limits"): the limit
passes, the limit plus one gets a friendly 429 with Retry-After, and no address
is ever written down."""

import glob
import os
import time
from pathlib import Path

import pytest

from app import create_app
from stories import rate_limits
from tests.accounts import make_user
from tests.conftest import csrf_token, submission


@pytest.fixture
def app(tmp_path, monkeypatch):
    rate_limits._clients.day = None  # a fresh key and fresh counters for each test
    # Counting up to a limit must not cross a window's end (clock hours and
    # minutes): hold the clock in the middle of the current hour.
    middle = time.time() // 3600 * 3600 + 1800
    monkeypatch.setattr(rate_limits, "clock", lambda: middle)
    return create_app(
        {"TESTING": True, "DATA_DIR": str(tmp_path / "data"), "SECRET_KEY": "test", "RATE_LIMITS": True}
    )


def _address(n: int) -> dict:
    return {"REMOTE_ADDR": f"198.51.100.{n}"}


def _assert_friendly_429(response, api=False):
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    assert response.headers["Cache-Control"] == "no-store"
    if api:
        assert "Too many attempts" in response.get_json()["error"]["message"]
    else:
        html = response.get_data(as_text=True)
        assert "Too many attempts from here" in html and "Please wait" in html
        assert 'id="quick-exit"' in html  # our own page, with the way out


def test_search_allows_its_number_per_minute_then_429(client):
    limit = rate_limits.LIMITS["search"].per_client
    assert limit == 60
    for _ in range(limit):
        assert client.get("/search?q=tea", environ_base=_address(1)).status_code == 200
    _assert_friendly_429(client.get("/search?q=tea", environ_base=_address(1)))
    _assert_friendly_429(client.get("/api/v1/stories?q=tea", environ_base=_address(1)), api=True)
    # Another client is not affected.
    assert client.get("/search?q=tea", environ_base=_address(2)).status_code == 200


def test_submissions_allow_their_number_per_hour_then_429(client):
    limit = rate_limits.LIMITS["submit"].per_client
    assert limit == 20
    token = csrf_token(client)
    for _ in range(limit):  # refused forms count too: each one is decoded and checked
        response = client.post("/submit", data=submission(token, title=""), environ_base=_address(3))
        assert response.status_code == 400
    response = client.post("/submit", data=submission(token), environ_base=_address(3))
    _assert_friendly_429(response)


def _lookup(client, token, code, n):
    return client.post(
        "/my-story", data={"csrf_token": token, "code": code, "action": "open"}, environ_base=_address(n)
    )


def test_wrong_receipt_codes_are_limited_per_client_and_right_ones_cost_nothing(client):
    from tests.conftest import submit

    _response, _story_id, code = submit(client)
    token = csrf_token(client, "/my-story")
    limit = rate_limits.LIMITS["receipt"].per_client
    assert limit == 10
    for i in range(limit - 1):
        assert _lookup(client, token, f"WRONG-{i:05d}", 4).status_code == 200
    for _ in range(5):  # the contributor's own code, as often as they like
        assert "Your story" in _lookup(client, token, code, 4).get_data(as_text=True)
    assert _lookup(client, token, "WRONG-LAST1", 4).status_code == 200  # the tenth wrong one
    _assert_friendly_429(_lookup(client, token, "WRONG-LAST2", 4))
    _assert_friendly_429(_lookup(client, token, code, 4))  # once spent, nothing is looked up


def test_receipt_guessing_across_many_clients_meets_the_archive_wide_budget(client):
    token = csrf_token(client, "/my-story")
    per_client, archive_wide = (
        rate_limits.LIMITS["receipt"].per_client,
        rate_limits.LIMITS["receipt"].archive_wide,
    )
    assert archive_wide == 100
    for n in range(archive_wide // per_client):
        for i in range(per_client):
            assert _lookup(client, token, f"GUESS-{n}-{i}", 10 + n).status_code == 200
    _assert_friendly_429(_lookup(client, token, "GUESS-FRESH", 99))  # a client never seen before


def test_failed_sign_ins_are_limited_per_client(app, client, db):
    make_user(db, "cura", "curator")
    limit = rate_limits.LIMITS["login"].per_client
    assert limit == 20
    token = csrf_token(client, "/login")
    for i in range(limit):  # different names: the per-account wait does not start
        data = {"csrf_token": token, "username": f"nobody{i}", "password": "wrong password here"}
        assert client.post("/login", data=data, environ_base=_address(5)).status_code == 400
    data = {"csrf_token": token, "username": "cura", "password": "wrong password here"}
    _assert_friendly_429(client.post("/login", data=data, environ_base=_address(5)))


def test_registration_is_limited_per_client_and_archive_wide(client):
    per_client, archive_wide = (
        rate_limits.LIMITS["register"].per_client,
        rate_limits.LIMITS["register"].archive_wide,
    )
    assert (per_client, archive_wide) == (5, 30)
    token = csrf_token(client, "/register")
    for n in range(archive_wide // per_client):
        for _ in range(per_client):
            data = {"csrf_token": token, "username": "x"}  # refused forms count too
            assert client.post("/register", data=data, environ_base=_address(20 + n)).status_code == 400
    _assert_friendly_429(client.post("/register", data={"csrf_token": token}, environ_base=_address(20)))
    _assert_friendly_429(client.post("/register", data={"csrf_token": token}, environ_base=_address(90)))


def test_a_new_day_brings_a_new_key_and_fresh_counts(client):
    for _ in range(60):
        client.get("/search", environ_base=_address(6))
    assert client.get("/search", environ_base=_address(6)).status_code == 429
    old_key = rate_limits._clients.key
    rate_limits._clients.day = None  # as if midnight (UTC) had passed
    assert client.get("/search", environ_base=_address(6)).status_code == 200
    assert rate_limits._clients.key != old_key


def test_no_address_is_written_anywhere(app, client, db):
    token = csrf_token(client, "/my-story")
    for n in range(12):
        client.get("/search?q=tea", environ_base=_address(n))
        _lookup(client, token, "NOT-A-CODE", n)
    assert db["rate_counters"].count >= 1
    assert {tuple(sorted(row)) for row in db["rate_counters"].rows} == {("count", "name", "window")}
    for path in glob.glob(os.path.join(app.config["DATA_DIR"], "**", "*"), recursive=True):
        if os.path.isfile(path):
            content = Path(path).read_bytes()
            assert b"198.51.100" not in content, path
