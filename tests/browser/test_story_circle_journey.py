"""One story circle end to end in a real browser, by the labels a person reads:
a curator opens a collection with a prompt, a participant (JavaScript off) sends a
story through its link answering the prompt, the curator approves it, a visitor
reads the collection."""

import io
import re

import pytest
from PIL import Image

from archive.db import open_db
from tests.accounts import PASSWORD, make_user
from tests.conftest import STORY_TEXT

pytestmark = pytest.mark.browser

QUESTION = "What tradition did an elder pass on to you?"


def test_a_story_circle_from_opening_to_reading(browser, page, live_server, tmp_path):
    import zxingcpp

    db = open_db(live_server.app.config["DATABASE"])
    make_user(db, "cura", "curator")
    db.close()

    # The curator opens a circle and writes its prompt.
    page.goto(live_server.url + "/login")
    page.get_by_label("Account name").fill("cura")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Collections and story circles").click()
    page.get_by_label("Short name (for its address)").fill("lantern-circle")
    page.get_by_label("Title").fill("Lantern circle")
    page.get_by_label("Introduction").fill("Elders and younger members met to make lanterns.")
    page.get_by_label("Place of the gathering (optional)").fill("Leeds")
    page.get_by_label("Intergenerational dialogue").check()
    page.get_by_label("Takes stories through its link until (optional)").fill("2999-12-31")
    page.get_by_role("button", name="Create the collection").click()
    assert "The collection is created." in page.locator(".notice").first.inner_text()
    link = page.locator("#circle-link").inner_text()
    assert link == live_server.url + "/c/lantern-circle"

    page.get_by_role("link", name="All collections").click()
    page.get_by_role("link", name="Prompts", exact=True).click()
    new_prompt = page.locator("form").filter(has=page.get_by_role("button", name="Save the prompt"))
    new_prompt.get_by_label("Question").fill(QUESTION)
    new_prompt.get_by_label("Intergenerational dialogue").check()
    new_prompt.get_by_label("Only for the story circle (short name, optional)").fill("lantern-circle")
    page.get_by_role("button", name="Save the prompt").click()
    assert "The prompt is saved." in page.locator(".notice").first.inner_text()

    # The poster's QR code, as a phone would see it on the screen, leads to the link.
    page.goto(live_server.url + "/collections/lantern-circle/poster")
    shot = Image.open(io.BytesIO(page.locator("#qr-code").screenshot()))
    assert [r.text for r in zxingcpp.read_barcodes(shot)] == [link]
    page.screenshot(path=str(tmp_path / "poster.png"), full_page=True)

    # A participant without JavaScript follows the link and answers the prompt.
    participant_context = browser.new_context(java_script_enabled=False)
    participant = participant_context.new_page()
    participant.goto(link)
    assert (
        "You are sharing your story in the story circle “Lantern circle”."
        in participant.locator("#circle-notice").inner_text()
    )
    participant.get_by_label(QUESTION).check()
    participant.get_by_label("Title").fill("Paper lanterns with my grandfather")
    participant.get_by_label("Your story").fill(STORY_TEXT)
    participant.get_by_label("Intergenerational dialogue").check()
    participant.get_by_label(re.compile("^I consent")).check()
    participant.get_by_label("Public", exact=True).check()
    participant.get_by_label("I am 18 or older").check()
    participant.screenshot(path=str(tmp_path / "circle-form.png"), full_page=True)
    participant.get_by_role("button", name="Send my story").click()
    assert participant.locator("#receipt-code").inner_text().strip()
    participant_context.close()

    # The curator sees it marked for the circle and approves it.
    page.goto(live_server.url + "/curate")
    assert "Sent through the story circle “Lantern circle”" in page.locator("#review-queue").inner_text()
    page.get_by_role("link", name="Paper lanterns with my grandfather").click()
    assert "Sent through the story circle “Lantern circle”" in page.locator("#offered-to").inner_text()
    page.get_by_role("button", name="Approve").click()
    assert page.locator("#story-status").inner_text() == "Approved"

    # A visitor reads the collection and the story, with the question it answers.
    visitor_context = browser.new_context()
    visitor = visitor_context.new_page()
    visitor.goto(live_server.url + "/")
    visitor.get_by_role("link", name="Collections", exact=True).click()
    visitor.get_by_role("link", name="Lantern circle").click()
    assert visitor.locator("#collection-count").inner_text() == "1 story"
    visitor.screenshot(path=str(tmp_path / "collection.png"), full_page=True)
    visitor.get_by_role("link", name="Paper lanterns with my grandfather").click()
    assert QUESTION in visitor.locator("#prompt-answered").inner_text()
    assert "Lantern circle" in visitor.locator("#in-collections").inner_text()
    visitor_context.close()
    assert page.foreign_requests == []
