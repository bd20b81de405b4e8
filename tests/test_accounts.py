"""Accounts: password rules and hashing, the users CLI, signing in and out,
server-side sessions, throttling, cookies."""

import base64
import json
import time
import zlib
from pathlib import Path

import pytest
from argon2 import PasswordHasher, Type, extract_parameters

from app import create_app
from archive import sessions, users
from archive.db import open_db
from archive.errors import AccountError
from archive.users import Throttled, authenticate, create_user, find_user
from tests.accounts import PASSWORD, login, logout, make_user
from tests.conftest import csrf_token

# --- Passwords -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "password",
    ["short one", "password1234", "Password1234", "123456789012", "aaaaaaaaaaaaaaaa", "x" * 1025],
)
def test_password_rules_refuse_short_common_and_huge(password):
    assert users.password_problem(password) is not None


@pytest.mark.parametrize(
    "password",
    [
        "twelve chars",
        "correct horse battery",
        "ご飯を食べましたか今日は",
        "a" * 6 + "b" * 6 + "c",
        ("river stone " * 11)[:128],
        ("lantern moon " * 60)[:700],
    ],
)
def test_password_rules_accept_long_passphrases_without_composition_rules(password):
    # No digit, capital or symbol is required; 12 characters and up (128 and far beyond) are fine.
    assert users.password_problem(password) is None


def test_password_cannot_be_the_account_name():
    assert users.password_problem("historian-one", "Historian-One") is not None


def test_passwords_are_hashed_with_argon2id_at_owasp_strength(db):
    user_id = create_user(db, "hashme", PASSWORD, "curator")
    stored = db["users"].get(user_id)["password_hash"]
    assert PASSWORD not in stored
    params = extract_parameters(stored)
    assert params.type is Type.ID
    # OWASP: m=19 MiB, t=2, p=1 (or an equivalent trade-off).
    assert params.memory_cost >= 19456 and params.time_cost >= 2
    assert PasswordHasher().verify(stored, PASSWORD)


def test_account_names_are_case_insensitive_and_unique(db):
    create_user(db, "Mei", PASSWORD, "curator")
    assert find_user(db, "  MEI ")["username"] == "mei"
    with pytest.raises(AccountError):
        create_user(db, "mei", PASSWORD, "researcher")


# --- CLI -------------------------------------------------------------------------------------


def test_cli_creates_first_admin_from_stdin_and_lists(runner, db):
    result = runner.invoke(
        args=["users", "create", "root", "--role", "admin", "--password-stdin"], input=PASSWORD + "\n"
    )
    assert result.exit_code == 0, result.output
    user = find_user(db, "root")
    assert (user["role"], user["status"]) == ("admin", "active")
    assert authenticate(db, "root", PASSWORD)["id"] == user["id"]
    listing = runner.invoke(args=["users", "list"])
    assert "root" in listing.output and "admin" in listing.output and "active" in listing.output
    assert PASSWORD not in listing.output


def test_cli_create_prompts_for_the_password_twice(runner, db):
    result = runner.invoke(
        args=["users", "create", "cura", "--role", "curator"], input=f"{PASSWORD}\n{PASSWORD}\n"
    )
    assert result.exit_code == 0, result.output
    assert authenticate(db, "cura", PASSWORD) is not None


def test_cli_refuses_a_weak_password_from_stdin(runner, db):
    result = runner.invoke(
        args=["users", "create", "weak", "--role", "curator", "--password-stdin"], input="password1234\n"
    )
    assert result.exit_code != 0
    assert "too common" in result.output
    assert find_user(db, "weak") is None


def test_cli_set_role_and_disable(runner, db, client):
    make_user(db, "root", "admin")
    make_user(db, "kim", "curator")
    login(client, "kim")
    assert client.get("/curate").status_code == 200
    assert runner.invoke(args=["users", "set-role", "kim", "researcher"]).exit_code == 0
    assert find_user(db, "kim")["role"] == "researcher"
    # A role change ends the account's sessions: the next request is not signed in.
    assert client.get("/curate").status_code == 302
    assert runner.invoke(args=["users", "disable", "kim"]).exit_code == 0
    assert find_user(db, "kim")["status"] == "disabled"
    assert login(client, "kim").status_code == 400
    missing = runner.invoke(args=["users", "disable", "nobody"])
    assert missing.exit_code != 0 and "No account" in missing.output


def test_cli_will_not_remove_the_last_admin(runner, db):
    make_user(db, "root", "admin")
    result = runner.invoke(args=["users", "disable", "root"])
    assert result.exit_code != 0
    assert find_user(db, "root")["status"] == "active"


# --- Signing in and out ------------------------------------------------------------------------


def _session_cookie(client):
    cookie = client.get_cookie("session")
    return cookie.value if cookie else None


def test_login_rotates_the_session_and_logout_ends_it_for_replayed_cookies(app, db):
    make_user(db, "cura", "curator")
    browser = app.test_client()
    csrf_token(browser, "/login")  # an anonymous session with a CSRF token exists before sign-in
    before = _session_cookie(browser)
    assert before
    response = login(browser, "cura")
    assert response.status_code == 302 and response.headers["Location"] == "/curate"
    after = _session_cookie(browser)
    assert after and after != before
    assert browser.get("/curate").status_code == 200

    # The pre-login cookie is not signed in.
    attacker = app.test_client()
    attacker.set_cookie("session", before)
    assert attacker.get("/curate").status_code == 302

    # The signed-in cookie works until logout...
    thief = app.test_client()
    thief.set_cookie("session", after)
    assert thief.get("/curate").status_code == 200
    assert db["login_sessions"].count == 1

    logout(browser)
    assert db["login_sessions"].count == 0
    assert browser.get("/curate").status_code == 302
    # ...and a copy replayed after logout is no longer signed in.
    replay = app.test_client()
    replay.set_cookie("session", after)
    response = replay.get("/curate")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_session_cookie_holds_a_token_whose_hash_is_stored(app, db, client):
    make_user(db, "cura", "curator")
    login(client, "cura")
    payload = _session_cookie(client).split(".")[0]
    compressed = payload.startswith(".")
    raw = base64.urlsafe_b64decode(payload.lstrip(".") + "==")
    data = json.loads(zlib.decompress(raw) if compressed else raw)
    token = data["_user_id"]
    assert db["login_sessions"].count == 1
    stored = next(db["login_sessions"].rows)["token_hash"]
    assert token != stored and len(token) >= 40
    # No hash of IP address and user agent (flask-login's "_id") in the cookie.
    assert "_id" not in data


def test_idle_session_ends(app, db, client):
    make_user(db, "cura", "curator")
    login(client, "cura")
    assert client.get("/curate").status_code == 200
    db.execute("UPDATE login_sessions SET last_seen = last_seen - ?", [sessions.IDLE_TIMEOUT + 5])
    db.conn.commit()
    assert client.get("/curate").status_code == 302
    assert db["login_sessions"].count == 0


def test_session_ends_after_its_maximum_age_even_when_busy(db):
    user_id = make_user(db, "cura", "curator")
    start = time.time()
    token = sessions.start(db, user_id, at=start)
    at = start
    while at < start + sessions.MAX_AGE - 60:
        at += sessions.IDLE_TIMEOUT - 60
        assert sessions.resolve(db, token, at=min(at, start + sessions.MAX_AGE - 1)) is not None
    assert sessions.resolve(db, token, at=start + sessions.MAX_AGE + 1) is None


def test_login_redirects_only_to_local_next(db, client):
    make_user(db, "cura", "curator")
    response = login(client, "cura", next_path="//evil.example/")
    assert response.headers["Location"] == "/curate"
    logout(client)
    response = login(client, "cura", next_path="/curate/status/approved")
    assert response.headers["Location"] == "/curate/status/approved"


def test_logout_needs_a_post_with_csrf(db, client):
    make_user(db, "cura", "curator")
    login(client, "cura")
    assert client.get("/logout").status_code == 200  # a confirmation page, not a logout
    assert client.get("/curate").status_code == 200
    assert client.post("/logout").status_code == 400  # no CSRF token
    assert client.get("/curate").status_code == 200


# --- Identical answers and throttling ------------------------------------------------------------


def _normalised(response):
    html = response.get_data(as_text=True)
    start = html.index('name="csrf_token"')
    end = html.index(">", start)
    return response.status_code, html[:start] + html[end:]


def test_unknown_account_and_wrong_password_get_the_same_answer(db, app):
    make_user(db, "cura", "curator")
    wrong = login(app.test_client(), "cura", "not the right password at all")
    unknown = login(app.test_client(), "nobody-here", "not the right password at all")
    # The name field echoes what was typed; compare with the same name in both.
    unknown_same_name = login(app.test_client(), "cura2", "not the right password at all")
    assert wrong.status_code == unknown.status_code == 400
    assert "do not match" in wrong.get_data(as_text=True)
    status_w, body_w = _normalised(wrong)
    status_u, body_u = _normalised(unknown_same_name)
    assert status_w == status_u
    assert body_w.replace('value="cura"', "") == body_u.replace('value="cura2"', "")


def test_unknown_account_costs_a_password_hash_too(db):
    make_user(db, "cura", "curator")
    users._dummy_hash()  # computed once, then used for every unknown name
    before = users._dummy_hash.cache_info().hits
    assert authenticate(db, "nobody-here", "whatever password 1") is None
    assert users._dummy_hash.cache_info().hits == before + 1
    # A known name with a wrong password does not take that path.
    assert authenticate(db, "cura", "whatever password 1") is None
    assert users._dummy_hash.cache_info().hits == before + 1


def test_wrong_passwords_slow_down_per_account_with_growing_delays(db):
    make_user(db, "cura", "curator")
    make_user(db, "other", "curator")
    t = 1_000_000.0
    waits = []
    for _ in range(8):
        # Try again exactly when allowed: each failure makes the next wait longer.
        t += users.retry_after(db, "cura", t)
        assert authenticate(db, "cura", "wrong password again", at=t) is None
        waits.append(users.retry_after(db, "cura", t))
    assert waits[: users.FREE_ATTEMPTS - 1] == [0] * (users.FREE_ATTEMPTS - 1)
    grown = waits[users.FREE_ATTEMPTS - 1 :]
    assert all(b > a for a, b in zip(grown, grown[1:], strict=False)) and grown[0] > 0
    # While waiting, even the right password is refused, without saying whether it was right.
    with pytest.raises(Throttled):
        authenticate(db, "cura", PASSWORD, at=t)
    # Another account is not affected (per account, not per address).
    assert authenticate(db, "other", PASSWORD, at=t) is not None
    # Not a permanent lockout: after the wait the right password works, and the count resets.
    t += users.retry_after(db, "cura", t)
    assert authenticate(db, "cura", PASSWORD, at=t) is not None
    assert users.retry_after(db, "cura", t) == 0


def test_failures_are_forgotten_after_a_quiet_day(db):
    t = 1_000_000.0
    for name in ("cura", "ghost"):
        for _ in range(users.FREE_ATTEMPTS + 1):
            t += users.retry_after(db, name, t)
            authenticate(db, name, "wrong password again", at=t)
    assert db["login_throttle"].count == 2
    later = t + users.FORGET_AFTER + 60
    assert authenticate(db, "someone", "wrong password again", at=later) is None
    # The old names are gone; only the fresh failure is remembered, and it starts from one.
    assert db["login_throttle"].count == 1
    assert next(db["login_throttle"].rows)["failures"] == 1


def test_delays_are_capped():
    assert users.delay_after(1000) == users.MAX_DELAY
    assert users.delay_after(users.FREE_ATTEMPTS) >= 1


def test_throttling_answers_the_same_for_unknown_and_known_accounts(db, app):
    make_user(db, "cura", "curator")
    answers = {}
    for name in ("cura", "ghost"):
        client = app.test_client()
        for _ in range(users.FREE_ATTEMPTS):
            assert login(client, name, "wrong password again").status_code == 400
        answers[name] = login(client, name, PASSWORD if name == "cura" else "wrong password again")
    assert answers["cura"].status_code == answers["ghost"].status_code == 429
    for response in answers.values():
        assert "Too many attempts for this account" in response.get_data(as_text=True)
    # The right password during the wait did not sign in.
    assert db["login_sessions"].count == 0


def test_login_stores_no_address_or_user_agent(app, db, client):
    make_user(db, "cura", "curator")
    headers = {"X-Forwarded-For": "203.0.113.77", "User-Agent": "DistinctiveAgent/9.9"}
    client.post(
        "/login",
        data={"csrf_token": csrf_token(client, "/login"), "username": "cura", "password": "wrong one here"},
        headers=headers,
    )
    data = {"csrf_token": csrf_token(client, "/login"), "username": "cura", "password": PASSWORD}
    assert client.post("/login", data=data, headers=headers).status_code == 302
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    blob = Path(app.config["DATABASE"]).read_bytes()
    assert b"203.0.113.77" not in blob and b"DistinctiveAgent" not in blob


def test_disabled_account_gets_the_wrong_password_answer(db, app):
    user_id = make_user(db, "cura", "curator")
    db["users"].update(user_id, {"status": "disabled"})
    response = login(app.test_client(), "cura")
    assert response.status_code == 400
    assert "do not match" in response.get_data(as_text=True)


# --- Cookies -----------------------------------------------------------------------------------


def _login_set_cookie(app, db):
    make_user(db, "cura", "curator")
    client = app.test_client()
    response = login(client, "cura")
    return "; ".join(response.headers.getlist("Set-Cookie"))


def test_session_cookie_is_httponly_and_samesite_lax(app, db):
    cookie = _login_set_cookie(app, db)
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain HTTP in tests


def test_session_cookie_is_secure_when_https_is_configured(tmp_path, monkeypatch):
    monkeypatch.setenv("CROSSINGS_HTTPS", "1")
    app = create_app({"TESTING": True, "DATA_DIR": str(tmp_path / "https"), "SECRET_KEY": "t"})
    db = open_db(app.config["DATABASE"])
    try:
        cookie = _login_set_cookie(app, db)
    finally:
        db.close()
    assert "Secure" in cookie and "HttpOnly" in cookie
