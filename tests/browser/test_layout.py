"""Layout and quick exit in a real browser: narrow screens, zoom, the Escape key."""

from pathlib import Path

import pytest

from tests import media_fixtures as mf
from tests.conftest import STORY_TEXT

pytestmark = pytest.mark.browser

PAGES = ["/", "/themes", "/submit", "/my-story", "/collections", "/join"]


@pytest.mark.parametrize("path", PAGES)
def test_usable_at_320px_without_sideways_scrolling(browser, live_server, path):
    context = browser.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    page.goto(live_server.url + path)
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 320
    # The quick exit stays reachable at the top of the page.
    assert page.locator("#quick-exit").is_visible()
    context.close()


def test_usable_at_200_percent_zoom(browser, live_server):
    # 200% zoom of a 1280px window lays the page out like a 640px window at scale 2.
    context = browser.new_context(viewport={"width": 640, "height": 400}, device_scale_factor=2)
    page = context.new_page()
    page.goto(live_server.url + "/submit")
    assert page.evaluate("document.documentElement.scrollWidth") <= 640
    context.close()


def test_escape_key_leaves_the_site(page, live_server):
    # Point the quick exit at a local page so the test needs no network.
    live_server.app.config["QUICK_EXIT_URL"] = live_server.url + "/themes"
    page.goto(live_server.url + "/submit")
    page.keyboard.press("Escape")
    page.wait_for_url(live_server.url + "/themes")


def test_escape_while_typing_keeps_the_draft(page, live_server):
    live_server.app.config["QUICK_EXIT_URL"] = live_server.url + "/themes"
    page.goto(live_server.url + "/submit")
    story = page.get_by_label("Your story")
    story.fill("A draft I do not want to lose.")
    story.press("Escape")
    page.get_by_label("Title").press("Escape")
    assert page.url == live_server.url + "/submit"
    assert story.input_value() == "A draft I do not want to lose."


def test_quick_exit_link_works_without_javascript(browser, live_server):
    live_server.app.config["QUICK_EXIT_URL"] = live_server.url + "/themes"
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Leave this site").click()
    page.wait_for_url(live_server.url + "/themes")
    context.close()


def test_skip_link_moves_focus_to_main(page, live_server):
    page.goto(live_server.url + "/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"


def test_pages_load_without_failed_requests(page, live_server):
    failures = []
    page.on("response", lambda r: failures.append((r.status, r.url)) if r.status >= 400 else None)
    for path in ("/", "/submit", "/themes"):
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
    assert failures == []
    assert page.foreign_requests == []


def test_static_files_carry_one_date_header(live_server):
    import urllib.request

    with urllib.request.urlopen(live_server.url + "/static/css/site.css") as response:
        response.read()  # let the server finish sending (and close) the file
        assert len(response.headers.get_all("Date")) == 1
        etag = response.headers["ETag"]
    request = urllib.request.Request(
        live_server.url + "/static/css/site.css", headers={"If-None-Match": etag}
    )
    try:
        urllib.request.urlopen(request)
    except urllib.error.HTTPError as not_modified:
        assert not_modified.code == 304
        assert len(not_modified.headers.get_all("Date")) == 1
        not_modified.close()


def test_an_invited_narrator_sees_the_photo_and_hears_the_recording_at_320px_without_javascript(
    browser, live_server, tmp_path
):
    """The second narrator of a conversation is asked to consent to its photos and
    recordings too: their invitation code shows them, in a page that fits 320 px."""
    recording = tmp_path / "kitchen.mp3"
    mf.mp3_with_tags(recording, seconds=2)
    photo = tmp_path / "jar.jpg"
    photo.write_bytes(mf.jpeg_with_metadata(size=(900, 600)))

    sender = browser.new_context(java_script_enabled=False).new_page()
    sender.goto(live_server.url + "/submit")
    sender.get_by_label("Title").fill("Radish every autumn")
    sender.get_by_label("Your story").fill(STORY_TEXT)
    sender.get_by_label("Intergenerational dialogue").check()
    sender.get_by_text("Add photos (up to 6)").click()
    sender.locator("#photo1").set_input_files(str(photo))
    sender.get_by_label("Describe photo 1 for people who cannot see it").fill("A jar of radish on the sill.")
    sender.locator("#photo1_others").check()
    sender.get_by_text("Add recordings (up to 3)").click()
    sender.locator("#audio1").set_input_files(str(recording))
    sender.locator("#audio1_voice").check()
    sender.locator("input[name=narrators][value='1']").check()
    sender.locator("input[name=archiving_consent]").check()
    sender.locator("input[name=access][value=public]").check()
    sender.locator("input[name=adult]").check()
    sender.get_by_role("button", name="Send my story").click()
    invitation = sender.locator(".invitation-code").first.inner_text()
    sender.context.close()

    context = browser.new_context(
        viewport={"width": 320, "height": 640}, java_script_enabled=False, accept_downloads=True
    )
    narrator = context.new_page()
    narrator.goto(live_server.url + "/join")
    narrator.get_by_label("Invitation code").fill(invitation)
    narrator.locator("form button[type=submit]").click()
    image = narrator.locator(".narrator-media img")
    image.scroll_into_view_if_needed()
    assert image.get_attribute("alt") == "A jar of radish on the sill."
    assert image.evaluate("img => img.complete && img.naturalWidth") > 0
    player = narrator.locator(".narrator-media audio")
    duration = player.evaluate(
        "a => a.readyState > 0 ? a.duration"
        " : new Promise(done => a.addEventListener('loadedmetadata', () => done(a.duration)))"
    )
    assert duration > 1.5
    assert narrator.evaluate("document.documentElement.scrollWidth") <= 320

    # They consent; a reload (the browser sends the form again) keeps their code on screen.
    narrator.locator("input[name=archiving_consent]").check()
    narrator.locator("input[name=access][value=public]").check()
    narrator.locator("input[name=age][value=adult]").check()
    narrator.get_by_role("button", name="Give my consent").click()
    code = narrator.locator("#receipt-code").inner_text()
    narrator.reload()
    assert narrator.locator("#receipt-code").inner_text() == code
    assert narrator.locator("#already-consented").is_visible()
    with narrator.expect_download() as download:
        narrator.get_by_role("button", name="Save as a text file").click()
    assert f"Receipt code: {code}" in Path(download.value.path()).read_text(encoding="utf-8")
    assert narrator.evaluate("document.documentElement.scrollWidth") <= 320
    context.close()
