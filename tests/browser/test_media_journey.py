"""A contributor attaches a photo and a recording in real Chromium; readers see and hear them."""

import http.client
import re

import pytest

from archive.curation import approve
from archive.db import open_db
from archive.media import list_media
from tests import media_fixtures as mf
from tests.conftest import STORY_TEXT, submit

pytestmark = pytest.mark.browser


def fill_story(page, title):
    page.get_by_label("Title").fill(title)
    page.get_by_label("Your story").fill(STORY_TEXT)
    page.get_by_label("Intergenerational dialogue").check()
    page.get_by_label(re.compile("^I consent")).check()
    page.get_by_label("Public", exact=True).check()
    page.get_by_label("I am 18 or older").check()


def attach_media(page, tmp_path):
    photo = tmp_path / "IMG_2041.jpg"
    photo.write_bytes(mf.jpeg_with_metadata(orientation=6, size=(900, 600)))
    recording = tmp_path / "interview.mp3"
    mf.mp3_with_tags(recording, seconds=3)
    captions = tmp_path / "interview.vtt"
    captions.write_bytes(mf.WEBVTT)

    page.get_by_text("Add photos (up to 6)").click()
    page.get_by_label("Photo 1", exact=True).set_input_files(str(photo))
    page.get_by_label("Describe photo 1 for people who cannot see it").fill("A paper lantern over a doorway.")
    page.get_by_label("Caption for photo 1 (optional)").fill("Mid-autumn, 1998")
    page.get_by_label(re.compile("^No one else who could be recognised appears in photo 1")).check()

    page.get_by_text("Add recordings (up to 3)").click()
    page.get_by_label("Recording 1", exact=True).set_input_files(str(recording))
    page.get_by_label(
        re.compile("^I understand that a voice can identify the person speaking in recording 1")
    ).check()
    page.get_by_label(re.compile("^Timed captions for recording 1")).set_input_files(str(captions))


def submit_and_read_receipt(page):
    page.get_by_role("button", name="Send my story").click()
    code = page.locator("#receipt-code").inner_text().strip()
    story_id = page.locator("#story-id").inner_text().strip()
    assert re.fullmatch(r"[0-9A-Z]{5}(-[0-9A-Z]{1,5}){5}", code)
    return story_id


def approve_story(live_server, story_id):
    db = open_db(live_server.app.config["DATABASE"])
    try:
        approve(db, story_id, None)
        return list_media(db, story_id)
    finally:
        db.close()


def test_attach_photo_and_recording_then_see_and_hear_them(page, live_server, tmp_path):
    page.goto(live_server.url + "/submit")
    fill_story(page, "The lantern over the door")
    attach_media(page, tmp_path)
    story_id = submit_and_read_receipt(page)

    items = {m["kind"]: m for m in approve_story(live_server, story_id)}
    assert items["photo"]["alt_text"] == "A paper lantern over a doorway."
    assert (items["photo"]["width"], items["photo"]["height"]) == (600, 900)  # stored upright

    page.goto(f"{live_server.url}/stories/{story_id}")
    image = page.get_by_role("img", name="A paper lantern over a doorway.")
    image.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    assert image.evaluate("img => img.currentSrc").endswith(f"/media/{items['photo']['id']}/display")
    # Upright: the rendered box is taller than wide.
    box = image.bounding_box()
    assert box["height"] > box["width"]
    assert page.get_by_text("Mid-autumn, 1998").is_visible()

    audio = page.locator("audio")
    assert audio.get_attribute("controls") is not None
    page.wait_for_function("a => a.readyState >= 1", arg=audio.element_handle(), timeout=10_000)
    assert audio.evaluate("a => a.duration") == pytest.approx(3, abs=0.3)

    # With JavaScript, choosing a line of the transcript seeks the player.
    page.get_by_role("link", name="Listen from 0:00").nth(1).click()
    page.wait_for_function(
        "a => Math.abs(a.currentTime - 0.8) < 0.3", arg=audio.element_handle(), timeout=5_000
    )
    assert page.url.endswith(f"/stories/{story_id}")  # stayed on the page

    page.screenshot(path=str(tmp_path / "story-with-media.png"), full_page=True)
    assert page.foreign_requests == []


def test_player_and_transcript_work_without_javascript(browser, live_server, tmp_path):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(live_server.url + "/submit")
        fill_story(page, "Without scripts")
        attach_media(page, tmp_path)
        story_id = submit_and_read_receipt(page)
        items = {m["kind"]: m for m in approve_story(live_server, story_id)}

        page.goto(f"{live_server.url}/stories/{story_id}")
        assert page.locator("audio[controls]").count() == 1
        assert page.get_by_text("smelled of ginger & rain.").is_visible()
        cue = page.get_by_role("link", name="Listen from 0:00").nth(1)
        assert cue.get_attribute("href") == f"/media/{items['audio']['id']}/audio#t=0.800"
        # The link opens the recording itself at that time.
        response = page.request.get(live_server.url + cue.get_attribute("href").split("#")[0])
        assert response.status == 200 and response.headers["content-type"] == "audio/mpeg"
    finally:
        context.close()


def test_an_upload_over_the_cap_gets_our_own_413_page(page, live_server, tmp_path):
    live_server.app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024  # a small cap stands in for 728 MB
    big = tmp_path / "huge.jpg"
    big.write_bytes(b"\xff\xd8\xff" + bytes(3 * 1024 * 1024))
    page.goto(live_server.url + "/submit")
    fill_story(page, "Too much at once")
    page.get_by_text("Add photos (up to 6)").click()
    page.get_by_label("Photo 1", exact=True).set_input_files(str(big))
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.get_by_role("button", name="Send my story").click()
    assert posted.value.status == 413
    assert page.get_by_role("heading", level=1).inner_text() == "Too large"
    assert page.get_by_text("Nothing was saved").is_visible()
    db = open_db(live_server.app.config["DATABASE"])
    try:
        assert db["stories"].count == 0
    finally:
        db.close()
    assert mf.files_under(live_server.app.config["MEDIA_DIR"]) == []


def send_photo_story(page, live_server, tmp_path, size):
    """Submit a story with one photo of ``size`` through the form, approve it, return the photo row."""
    photo = tmp_path / "small.jpg"
    photo.write_bytes(mf.jpeg_with_metadata(size=size))
    page.goto(live_server.url + "/submit")
    fill_story(page, "A small photo")
    page.get_by_text("Add photos (up to 6)").click()
    page.get_by_label("Photo 1", exact=True).set_input_files(str(photo))
    page.get_by_label("Describe photo 1 for people who cannot see it").fill("A tram stop in the rain.")
    page.get_by_label(re.compile("^No one else who could be recognised appears in photo 1")).check()
    story_id = submit_and_read_receipt(page)
    (item,) = approve_story(live_server, story_id)
    return story_id, item


def test_a_small_photo_is_shown_at_its_own_size_never_stretched(page, live_server, tmp_path):
    # 400px wide: its thumbnail is as wide as its display copy.
    story_id, item = send_photo_story(page, live_server, tmp_path, size=(400, 300))
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/stories/{story_id}")
    image = page.get_by_role("img", name="A tram stop in the rain.")
    image.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    assert image.evaluate("img => img.currentSrc").endswith(f"/media/{item['id']}/display")
    box = image.bounding_box()
    assert (box["width"], box["height"]) == (400, 300)  # not upscaled to the 704px column

    # On a phone it is scaled down to the column, keeping its shape.
    page.set_viewport_size({"width": 320, "height": 640})
    column = page.locator("main").evaluate("m => m.clientWidth - 32")  # main's padding: 1rem each side
    box = image.bounding_box()
    assert box["width"] == pytest.approx(column, abs=1)
    assert box["height"] == pytest.approx(column * 3 / 4, abs=1)
    assert page.evaluate("document.documentElement.scrollWidth") <= 320


def test_a_refused_photo_at_320px_without_javascript_keeps_the_page_narrow(browser, live_server, tmp_path):
    not_a_photo = tmp_path / "scan.jpg"
    not_a_photo.write_bytes(b"this is not a photo at all" * 20)
    context = browser.new_context(java_script_enabled=False, viewport={"width": 320, "height": 640})
    page = context.new_page()
    try:
        page.goto(live_server.url + "/submit")
        fill_story(page, "A refused photo")
        page.get_by_text("Add photos (up to 6)").click()
        page.get_by_label("Photo 1", exact=True).set_input_files(str(not_a_photo))
        page.get_by_label("Describe photo 1 for people who cannot see it").fill("A scanned letter.")
        page.get_by_label(re.compile("^No one else who could be recognised appears in photo 1")).check()
        with page.expect_response(lambda r: r.request.method == "POST") as posted:
            page.get_by_role("button", name="Send my story").click()
        assert posted.value.status == 400
        assert (
            page.locator("#photo1-error").inner_text().startswith("This file is not a photo we can accept.")
        )

        assert page.evaluate("document.documentElement.scrollWidth") <= 320
        section = page.locator("#media-fields")
        overflow = section.evaluate(
            """f => { const right = f.getBoundingClientRect().right;
                      return [...f.querySelectorAll('*')].filter(e => e.getBoundingClientRect().right > right + 0.5)
                             .map(e => e.tagName + '#' + e.id); }"""
        )
        assert overflow == []
        # Nothing in the section is wider than the section can be at 320px: the file input's
        # own width (button and file name) once made it about 430px at its narrowest.
        narrowest = section.evaluate(
            "f => { f.style.width = 'min-content'; const w = f.getBoundingClientRect().width;"
            " f.style.width = ''; return w; }"
        )
        assert narrowest <= section.bounding_box()["width"]
        page.screenshot(path=str(tmp_path / "refused-photo-320.png"), full_page=True)
    finally:
        context.close()


def test_media_responses_carry_one_date_header(live_server, tmp_path):
    client = live_server.app.test_client()
    _response, story_id, _code = submit(client, **mf.photo_fields(1, mf.jpeg_with_metadata()))
    (item,) = approve_story(live_server, story_id)
    connection = http.client.HTTPConnection("127.0.0.1", live_server.server_port, timeout=10)
    try:
        path = f"/media/{item['id']}/display"
        for headers, status in (({}, 200), ({"Range": "bytes=0-9"}, 206)):
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            assert response.status == status
            assert len(response.msg.get_all("Date")) == 1, response.msg.get_all("Date")
            etag = response.getheader("ETag")
            connection.close()
        connection.request("GET", path, headers={"If-None-Match": etag})
        response = connection.getresponse()
        response.read()
        assert response.status == 304 and len(response.msg.get_all("Date")) == 1
    finally:
        connection.close()
