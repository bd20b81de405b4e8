"""Readers and contributors in real Chromium: the content-notes gate holds back
photos, players and transcripts (with and without JavaScript); a contributor sees
their own photo and recording on /my-story; a curator's player knows its length
and fits 320 px."""

import re

import pytest

from tests.accounts import PASSWORD

pytestmark = pytest.mark.browser

LOADED = "img => img.complete && img.naturalWidth > 0"


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_content_notes_gate_the_photos_recordings_and_transcripts(
    browser, live_server, media_archive, javascript
):
    context = browser.new_context(java_script_enabled=javascript)
    page = context.new_page()
    media_requests = []
    page.on("request", lambda r: media_requests.append(r.url) if "/media/" in r.url else None)
    page.goto(f"{live_server.url}/stories/{media_archive['gated']}")
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("hospital stay, grief").is_visible()
    photo = page.get_by_role("img", name="A photo for The hospital winter.")
    player = page.locator("audio")
    transcript = page.get_by_text("smelled of ginger & rain.")
    text = page.get_by_text("My grandmother taught me")
    for hidden in (photo, player, transcript, text):
        assert not hidden.is_visible()
    if javascript:
        assert media_requests == []  # nothing of the story's media was even fetched
    else:
        # Without scripts Chromium ignores loading="lazy" and fetches the photo, unseen;
        # the recording (preload="none") still waits.
        assert not any("/audio" in url for url in media_requests)

    page.get_by_text("Read the story").click()
    for shown in (photo, player, transcript, text):
        shown.wait_for(state="visible")
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=photo.element_handle())
    assert any("/display" in url for url in media_requests)
    context.close()


def test_my_story_shows_the_contributors_own_photo_and_recording(browser, live_server, media_archive):
    context = browser.new_context()
    page = context.new_page()
    page.goto(live_server.url + "/my-story")
    page.get_by_label("Your receipt code").fill(media_archive["code"])
    page.get_by_role("button", name="Open my story").click()
    thumb = page.get_by_role("img", name="A photo for Kites on the seawall.")
    page.wait_for_function(LOADED, arg=thumb.element_handle())
    audio = page.locator(".media-item audio")
    page.wait_for_function("a => a.readyState >= 1 && a.duration > 0", arg=audio.element_handle())
    # The same file is not open to another browser.
    source = thumb.get_attribute("src")
    other = browser.new_context()
    assert other.request.get(live_server.url + source).status == 404
    other.close()
    context.close()


def test_review_player_knows_its_length_and_fits_320px(browser, live_server, media_archive):
    context = browser.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    page.goto(live_server.url + "/login")
    page.get_by_label("Account name").fill("root")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}/curate/stories/{media_archive['pending']}")
    audio = page.locator(".review-media audio")
    page.wait_for_function("a => a.readyState >= 1 && a.duration > 2", arg=audio.element_handle())
    box = audio.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 320
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    context.close()


def test_the_exit_bar_and_the_footer_lead_to_browsing_safely(page, live_server):
    page.goto(live_server.url + "/")
    page.get_by_role("complementary", name="Quick exit").get_by_role("link", name="Browsing safely").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Browsing safely"
    assert (
        page.get_by_role("contentinfo").get_by_role("link", name=re.compile("^Browsing safely")).is_visible()
    )
    assert "What it cannot do" in page.content()
