"""The receipt cannot be lost: sent twice, reloaded, or sent again after going
Back, the same form shows the same receipt; the code is kept only sealed, and
only for the window."""

import re
import time
from pathlib import Path

from archive import receipts
from archive.ids import hash_code
from tests.conftest import RECEIPT_COOKIE, csrf_token, submission


def form_key(client):
    html = client.get("/submit").get_data(as_text=True)
    return re.search(r'name="submission_key" type="hidden" value="([^"]+)"', html).group(1)


def receipt_of(response):
    html = response.get_data(as_text=True)
    code = re.search(r'id="receipt-code">([^<]+)<', html)
    return code and code.group(1)


def send(client, key, **overrides):
    return client.post("/submit", data=submission(csrf_token(client), submission_key=key, **overrides))


def test_storing_redirects_to_a_receipt_page_whose_address_holds_no_code(client, db):
    key = form_key(client)
    response = send(client, key)
    assert response.status_code == 303
    assert response.headers["Location"] == "/submit/received"
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith(f"{RECEIPT_COOKIE}={key};")
    for part in ("HttpOnly", "SameSite=Strict", "Path=/submit", "Max-Age="):
        assert part in cookie
    max_age = int(re.search(r"Max-Age=(\d+)", cookie).group(1))
    assert receipts.WINDOW - 60 < max_age <= receipts.WINDOW
    page = client.get("/submit/received")
    code = receipt_of(page)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert db["stories"].count == 1 and db["stories"].rows.__next__()["receipt_hash"] == hash_code(code)
    assert code not in response.headers["Location"]
    # A reload shows the same code.
    assert receipt_of(client.get("/submit/received")) == code
    assert "the only way back to your story" in page.get_data(as_text=True)


def test_the_same_form_sent_again_shows_the_same_receipt_and_stores_nothing(client, db):
    key = form_key(client)
    first = receipt_of(client.get(send(client, key).headers["Location"]))
    other_browser = client.application.test_client()
    again = other_browser.post(
        "/submit", data=submission(csrf_token(other_browser), submission_key=key), follow_redirects=True
    )
    # Even without the cookie (it was dropped with the first request), the form key opens it.
    assert receipt_of(again) == first
    assert "We already have this story." in again.get_data(as_text=True)
    assert db["stories"].count == 1


def test_back_and_send_again_with_a_fresh_form_shows_the_first_receipt(client, db):
    first = receipt_of(client.get(send(client, form_key(client)).headers["Location"]))
    # Back to the form: a fresh form (new key), filled in the same way.
    again = send(client, form_key(client))
    assert again.status_code == 303 and again.headers["Location"] == "/submit/received?again=1"
    assert receipt_of(client.get(again.headers["Location"])) == first
    assert db["stories"].count == 1
    # A different story from the same browser is a new story with its own code.
    other = send(client, form_key(client), title="Kites over the harbour")
    second = receipt_of(client.get(other.headers["Location"]))
    assert second and second != first and db["stories"].count == 2


def test_without_the_form_key_the_receipt_is_not_shown(client, app):
    send(client, form_key(client))
    stranger = app.test_client()
    response = stranger.get("/submit/received")
    assert response.status_code == 410 and 'id="receipt-code"' not in response.get_data(as_text=True)
    # A cookie with a guessed key opens nothing either.
    stranger.set_cookie(RECEIPT_COOKIE, "guess", path="/submit")
    assert stranger.get("/submit/received").status_code == 410


def test_receipt_as_a_text_file(client):
    send(client, form_key(client))
    code = receipt_of(client.get("/submit/received"))
    response = client.get("/submit/received/receipt.txt")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    assert response.headers["Content-Disposition"] == 'attachment; filename="crossings-receipt.txt"'
    assert response.headers["Cache-Control"] == "no-store"
    text = response.get_data(as_text=True)
    assert f"Receipt code: {code}" in text and "http://localhost/my-story" in text
    assert "Joining page" not in text  # a story told by one person


def test_a_conversations_receipt_file_says_where_the_other_narrators_join(client):
    send(client, form_key(client), narrators="2")
    text = client.get("/submit/received/receipt.txt").get_data(as_text=True)
    invitations = re.findall(r"Invitation code for narrator \d: (\S+)", text)
    assert len(invitations) == 2 and "Joining page: http://localhost/join" in text


def test_forget_now_ends_the_window_in_the_archive_and_the_browser(client, db):
    send(client, form_key(client))
    page = client.get("/submit/received").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post("/submit/received/forget", data={"csrf_token": token})
    assert response.status_code == 303
    assert f"{RECEIPT_COOKIE}=;" in response.headers["Set-Cookie"]
    assert db["receipt_windows"].count == 0
    after = client.get(response.headers["Location"])
    assert after.status_code == 200 and "no longer on this browser" in after.get_data(as_text=True)


def test_the_sealed_code_is_gone_from_the_database_files_when_the_window_ends(client, db, app):
    key = form_key(client)
    send(client, key)
    code = receipt_of(client.get("/submit/received"))
    sealed = db["receipt_windows"].rows.__next__()["sealed"]
    files = [Path(app.config["DATABASE"]), Path(app.config["DATABASE"] + "-wal")]

    def stored():
        return b"".join(f.read_bytes() for f in files if f.exists())

    assert sealed in stored() and code.encode() not in stored()
    # Still inside the window: nothing ends.
    assert receipts.purge_expired(db, at=time.time() + receipts.WINDOW - 60) == 0
    assert receipts.purge_expired(db, at=time.time() + receipts.WINDOW + 1) == 1
    assert sealed not in stored()
    assert receipts.reopen(db, key) is None


def test_a_window_ends_on_the_first_request_after_it_is_over(client, db, app):
    send(client, form_key(client))
    assert db["receipt_windows"].count == 1
    db.execute("UPDATE receipt_windows SET expires = ?", [time.time() - 1])
    db.conn.commit()
    app.extensions["crossings_expiry"] = {"next": 0.0}  # the once-a-minute check is due
    assert client.get("/themes").status_code == 200
    assert db["receipt_windows"].count == 0


def test_sealing_uses_the_form_key(app, db):
    from archive.ids import new_receipt_code

    code = new_receipt_code()
    db["stories"].insert(
        {"id": "s1", "status": "pending", "submission_hash": receipts.submission_hash("k" * 22)}
    )
    with db.atomic():
        receipts.keep(db, "k" * 22, "s1", code, at=1000.0)
    assert receipts.reopen(db, "k" * 22, at=1001.0).code == code
    assert receipts.reopen(db, "k" * 22, at=1000.0 + receipts.WINDOW) is None
    # A row copied to another story, or a wrong key, does not open.
    assert receipts.reopen(db, "j" * 22, at=1001.0) is None
    db["stories"].insert(
        {"id": "s2", "status": "pending", "submission_hash": receipts.submission_hash("m" * 22)}
    )
    sealed = db["receipt_windows"].get("s1")["sealed"]
    db["receipt_windows"].insert({"story_id": "s2", "sealed": sealed, "expires": 5000.0})
    assert receipts.reopen(db, "m" * 22, at=1001.0) is None


def test_withdrawal_deletes_the_window(client, db):
    from tests.conftest import post_my_story

    send(client, form_key(client))
    code = receipt_of(client.get("/submit/received"))
    post_my_story(client, code, "withdraw_confirm", confirm="y")
    assert db["receipt_windows"].count == 0
    assert client.get("/submit/received").status_code == 410
