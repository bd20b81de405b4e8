"""A contributor shares a story in a real browser, by the labels a person reads."""

import re

import pytest

from archive.db import open_db
from tests.conftest import STORY_TEXT

pytestmark = pytest.mark.browser


def test_submit_story_by_labels_and_read_receipt(page, live_server, tmp_path):
    page.goto(live_server.url + "/submit")
    page.get_by_label("Title").fill("Lanterns in the rain")
    page.get_by_label("Your story").fill(STORY_TEXT)
    page.get_by_label("Intergenerational dialogue").check()
    page.get_by_label(re.compile("^I consent")).check()
    page.get_by_label("Researchers only").check()
    page.get_by_label("I am 18 or older").check()
    page.get_by_role("button", name="Send my story").click()

    code = page.locator("#receipt-code").inner_text().strip()
    story_id = page.locator("#story-id").inner_text().strip()
    assert re.fullmatch(r"[0-9A-Z]{5}(-[0-9A-Z]{1,5}){5}", code)
    page.screenshot(path=str(tmp_path / "receipt.png"), full_page=True)

    db = open_db(live_server.app.config["DATABASE"])
    story = db["stories"].get(story_id)
    assert story["status"] == "pending"
    assert db["consent_records"].get(story["consent_id"])["access"] == "researchers"
    db.close()

    # The receipt code opens the story again.
    page.goto(live_server.url + "/my-story")
    page.get_by_label("Your receipt code").fill(code.lower().replace("-", " "))
    page.get_by_role("button", name="Open my story").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Lanterns in the rain"
    assert page.foreign_requests == []


def test_form_errors_are_summarised_and_linked(page, live_server):
    page.goto(live_server.url + "/submit")
    page.get_by_role("button", name="Send my story").click()
    summary = page.locator("#error-summary")
    assert summary.is_visible()
    link = summary.get_by_role("link", name="Please choose at least one theme.")
    assert link.get_attribute("href") == "#themes"


def test_works_without_javascript(browser, live_server):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + "/submit")
    page.get_by_label("Title").fill("No script needed")
    page.get_by_label("Your story").fill(STORY_TEXT)
    page.get_by_label("Celebrating diversity").check()
    page.get_by_label(re.compile("^I consent")).check()
    page.get_by_label("Public", exact=True).check()
    page.get_by_label("I am 18 or older").check()
    page.get_by_role("button", name="Send my story").click()
    assert page.locator("#receipt-code").inner_text().strip()
    context.close()
