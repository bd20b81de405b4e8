"""The receipt cannot be lost, in real Chromium: two clicks while a 10 MB photo
uploads, a reload, Back and Send again, a saved text file, a printed page; and
after the window the sealed code is gone from the database files."""

import os
import re
import time
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Error as PlaywrightError

from archive import receipts
from archive.db import open_db
from archive.ids import hash_code
from tests.browser.test_media_journey import fill_story

pytestmark = pytest.mark.browser

CODE = re.compile(r"[0-9A-Z]{5}(-[0-9A-Z]{1,5}){5}")


@pytest.fixture(scope="module")
def big_photo(tmp_path_factory):
    """A 10 MB photo (noise does not compress, so the PNG stays that size)."""
    path = tmp_path_factory.mktemp("photos") / "big.png"
    side = 1830
    Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(path, compress_level=1)
    assert path.stat().st_size >= 10_000_000
    return path


def stored(live_server):
    db = open_db(live_server.app.config["DATABASE"])
    try:
        return list(db["stories"].rows)
    finally:
        db.close()


def fill_with_photo(page, photo, title="Lanterns in the rain"):
    fill_story(page, title)
    page.get_by_text("Add photos (up to 6)").click()
    page.get_by_label("Photo 1", exact=True).set_input_files(str(photo))
    page.get_by_label("Describe photo 1 for people who cannot see it").fill("Rain on a paper lantern.")
    page.get_by_label(re.compile("^No one else who could be recognised appears in photo 1")).check()


def click_send_twice(page):
    """Two real mouse clicks on "Send my story", 200 ms apart."""
    button = page.get_by_role("button", name="Send my story")
    button.scroll_into_view_if_needed()
    box = button.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.click(x, y)
    page.wait_for_timeout(200)
    page.mouse.click(x, y)


def receipt_code(page):
    # Without JavaScript the second click aborts the first navigation: a wait that was
    # following the aborted one ends with ERR_ABORTED, and the next one finds the receipt.
    deadline = time.monotonic() + 60
    while True:
        try:
            page.wait_for_url(re.compile(r"/submit/received"), timeout=60_000)
            break
        except PlaywrightError as exc:
            if "ERR_ABORTED" not in str(exc) or time.monotonic() > deadline:
                raise
    code = page.locator("#receipt-code").inner_text().strip()
    assert CODE.fullmatch(code)
    return code


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_two_clicks_while_a_10_mb_photo_uploads_end_on_the_receipt(
    browser, live_server, big_photo, javascript
):
    context = browser.new_context(java_script_enabled=javascript)
    page = context.new_page()
    page.goto(live_server.url + "/submit")
    fill_with_photo(page, big_photo)
    click_send_twice(page)
    if javascript:
        # The first click disabled the button and said so.
        button = page.get_by_role("button", name="Sending…")
        assert button.count() == 0 or button.is_disabled()
    code = receipt_code(page)
    rows = stored(live_server)
    assert len(rows) == 1 and rows[0]["receipt_hash"] == hash_code(code)
    # The print button works only with JavaScript; without it only the Ctrl+P hint shows.
    assert page.get_by_role("button", name="Print this page").is_visible() == javascript
    context.close()


def test_the_receipt_survives_a_reload_back_and_send_again_and_saves_as_text(page, live_server, tmp_path):
    page.goto(live_server.url + "/submit")
    fill_story(page, "Kites over the harbour")
    page.get_by_role("button", name="Send my story").click()
    code = receipt_code(page)
    assert "the only way back to your story" in page.content()

    page.reload()
    assert page.locator("#receipt-code").inner_text().strip() == code

    # Back to the form, and send it again (refilled if the browser did not keep it).
    page.go_back()
    page.wait_for_url(live_server.url + "/submit")
    if not page.get_by_label("Title").input_value():
        fill_story(page, "Kites over the harbour")
    page.get_by_role("button", name="Send my story").click()
    assert receipt_code(page) == code
    assert page.locator("#already-received").is_visible()
    assert len(stored(live_server)) == 1

    with page.expect_download() as download:
        page.get_by_role("link", name="Save as a text file").click()
    saved = Path(download.value.path()).read_text(encoding="utf-8")
    assert f"Receipt code: {code}" in saved and download.value.suggested_filename == "crossings-receipt.txt"

    # The printed page keeps the code and leaves out the site's controls.
    page.emulate_media(media="print")
    assert page.locator("#receipt-code").is_visible()
    assert not page.locator(".exit-bar").is_visible()
    assert not page.get_by_role("link", name="Save as a text file").is_visible()
    assert f"{live_server.url}/my-story" in page.locator(".print-only").inner_text()
    page.emulate_media(media="screen")

    # When the window has ended, the sealed code is gone from the database files, WAL included.
    database = Path(live_server.app.config["DATABASE"])
    db = open_db(database)
    try:
        sealed = db["receipt_windows"].rows.__next__()["sealed"]
        assert receipts.purge_expired(db, at=time.time() + receipts.WINDOW + 1) == 1
    finally:
        db.close()
    raw = b"".join(p.read_bytes() for p in (database, Path(f"{database}-wal")) if p.exists())
    assert sealed not in raw and code.encode() not in raw
    page.reload()
    assert page.locator("#receipt-code").count() == 0
    assert "This receipt is no longer shown" in page.content()
