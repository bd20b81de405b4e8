"""A curator signs in, reviews and approves a story in a real browser, by the labels a person reads."""

import pytest

from archive.db import open_db
from tests.accounts import PASSWORD, make_user, new_story

pytestmark = pytest.mark.browser


@pytest.fixture
def pending_story(live_server):
    """A curator account and a story waiting for review, in the live server's database."""
    db = open_db(live_server.app.config["DATABASE"])
    make_user(db, "cura", "curator")
    story_id, _code = new_story(db, title="Lanterns in the rain", content_notes="grief")
    db.close()
    return story_id


def _sign_in(page, live_server):
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Sign in").click()
    page.get_by_label("Account name").fill("cura")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_curator_approves_a_story_and_anyone_can_read_it(browser, page, live_server, pending_story, tmp_path):
    story_url = f"{live_server.url}/stories/{pending_story}"
    anonymous = browser.new_context()
    reader = anonymous.new_page()
    assert reader.goto(story_url).status == 404

    _sign_in(page, live_server)
    assert page.get_by_role("heading", level=1).inner_text() == "Curation queue"
    page.screenshot(path=str(tmp_path / "curate.png"), full_page=True)

    page.get_by_role("link", name="Lanterns in the rain").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Lanterns in the rain"
    assert page.locator("#story-status").inner_text() == "Awaiting review"
    assert "Anyone may read it once it is published." in page.locator("#consent-choices").inner_text()
    page.screenshot(path=str(tmp_path / "review.png"), full_page=True)

    page.get_by_role("button", name="Approve").click()
    assert "The story is approved." in page.locator(".notice").first.inner_text()
    assert page.locator("#story-status").inner_text() == "Approved"

    response = reader.goto(story_url)
    assert response.status == 200
    assert reader.get_by_role("heading", level=1).inner_text() == "Lanterns in the rain"
    anonymous.close()

    # Signing out ends the session: the queue asks for a sign-in again.
    page.get_by_role("button", name="Sign out").click()
    page.goto(live_server.url + "/curate")
    assert page.get_by_role("heading", level=1).inner_text() == "Sign in"
    assert page.foreign_requests == []


def test_curation_works_without_javascript(browser, live_server, pending_story):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    _sign_in(page, live_server)
    page.get_by_role("link", name="Lanterns in the rain").click()
    page.get_by_label("Message to the contributor").fill("Please leave out the street name.")
    page.get_by_role("button", name="Ask for changes").click()
    assert page.locator("#story-status").inner_text() == "Changes requested"
    context.close()
