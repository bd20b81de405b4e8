"""Curators' and admins' tables on a 320px screen, unpublishing without JavaScript,
and the search page's choices beside the results on a wide screen."""

import datetime

import pytest

from archive import curation
from archive.db import open_db
from search_index import sync
from tests.accounts import PASSWORD, make_user, new_story
from tests.search_fixtures import FILLER

pytestmark = pytest.mark.browser

LONG_TITLE = "Grandmother" * 18 + "xy"  # 200 characters without a break
JUMP = "Narrow the results by theme, heritage, language and more"


def _sign_in(page, live_server, username):
    page.goto(live_server.url + "/login")
    page.get_by_label("Account name").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


# Whole within the window's width and, inside a table's scroll region, within the
# part of the region shown before anyone scrolls it: not cut off to the right.
_SHOWN_WHOLE = """el => {
  const r = el.getBoundingClientRect();
  let shown = r.width > 0 && r.left >= 0 && r.right <= document.documentElement.clientWidth;
  const region = el.closest('.table-scroll');
  if (region) {
    const g = region.getBoundingClientRect();
    shown = shown && r.left >= g.left && r.right <= g.left + region.clientWidth;
  }
  return shown;
}"""


def _in_viewport(locator) -> bool:
    """The element can be seen whole without scrolling sideways (the page or its table)."""
    return locator.evaluate(_SHOWN_WHOLE)


def _no_sideways_scroll(page, width=320) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.fixture
def archive(live_server):
    """An admin, a few accounts to disable, a story with a 200-character unbroken title."""
    db = open_db(live_server.app.config["DATABASE"])
    make_user(db, "root", "admin")
    make_user(db, "cura", "curator")
    make_user(db, "a-long-account-name-of-a-researcher_0123", "researcher")
    long_id, _ = new_story(db, title=LONG_TITLE)
    new_story(db, title="Kites on the seawall")
    created = db["stories"].get(long_id)["created"]
    db.close()
    return long_id, created


def test_queue_and_people_pages_fit_320px(browser, live_server, archive):
    long_id, created = archive
    context = browser.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    _sign_in(page, live_server, "root")

    page.goto(live_server.url + "/curate")
    assert page.get_by_role("heading", level=1).inner_text() == "Curation queue"
    assert _no_sideways_scroll(page)
    row = page.locator("#review-queue tr", has=page.get_by_role("link", name=LONG_TITLE))
    assert _in_viewport(row.get_by_role("link", name=LONG_TITLE))
    submitted = row.locator("td").nth(1)
    day = datetime.date.fromisoformat(created[:10])  # shown in the reader's language
    assert f"{day:%B} {day.day}, {day.year}" in submitted.inner_text()
    assert _in_viewport(submitted)
    assert _in_viewport(row.locator("td").nth(2))

    page.goto(live_server.url + "/curate/status/pending")
    assert _no_sideways_scroll(page)
    page.goto(f"{live_server.url}/curate/stories/{long_id}")
    assert _no_sideways_scroll(page)

    page.goto(live_server.url + "/admin/users")
    assert page.get_by_role("heading", level=1).inner_text() == "People"
    assert _no_sideways_scroll(page)
    disable = page.get_by_role("button", name="Disable a-long-account-name-of-a-researcher_0123")
    assert _in_viewport(disable)
    assert _in_viewport(page.get_by_role("button", name="Disable cura"))
    assert _in_viewport(page.get_by_label("Role of cura"))
    assert _in_viewport(page.locator("#accounts").get_by_role("button", name="Change role").first)
    context.close()


@pytest.mark.usefixtures("archive")
def test_queue_and_people_keep_their_columns_on_a_wide_screen(browser, live_server):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    _sign_in(page, live_server, "root")
    page.goto(live_server.url + "/curate")
    assert _no_sideways_scroll(page, 1280)
    cells = page.locator("#review-queue tr", has=page.get_by_role("link", name=LONG_TITLE)).locator("td")
    title, submitted = cells.nth(0).bounding_box(), cells.nth(1).bounding_box()
    assert submitted["x"] >= title["x"] + title["width"] - 1 and abs(submitted["y"] - title["y"]) < 2
    # A date stays on one line (Chromium would otherwise break "2026-11-" from "28").
    one_line = "el => { const r = document.createRange(); r.selectNodeContents(el); return r.getClientRects().length; }"
    assert cells.nth(1).evaluate(one_line) == 1 and cells.nth(2).evaluate(one_line) == 1
    page.goto(live_server.url + "/admin/users")
    assert page.locator("#accounts thead").is_visible()
    context.close()


def test_unpublishing_asks_for_confirmation_without_javascript(browser, live_server):
    db = open_db(live_server.app.config["DATABASE"])
    make_user(db, "cura", "curator")
    story_id, _ = new_story(db, title="Moon cakes")
    curation.approve(db, story_id, None)
    db.close()
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    _sign_in(page, live_server, "cura")
    page.goto(f"{live_server.url}/curate/stories/{story_id}")

    page.get_by_role("button", name="Unpublish and return to review").click()
    assert page.locator("#story-status").inner_text() == "Approved"
    assert "Please tick the box" in page.locator("#error-summary").inner_text()

    page.get_by_label("I understand the story will disappear from the archive at once.").check()
    page.get_by_role("button", name="Unpublish and return to review").click()
    assert page.locator("#story-status").inner_text() == "Awaiting review"
    context.close()


@pytest.fixture
def searchable(live_server):
    """Enough published stories for a full page of results and every facet."""
    db = open_db(live_server.app.config["DATABASE"])
    for i in range(22):
        story_id, _ = new_story(
            db,
            title=f"Kites {i}",
            body="Flying kites on the seawall with my grandmother." + FILLER,
            heritage=["Filipino"],
            era=1980,
        )
        curation.approve(db, story_id, None)
    sync(db, index_dir=live_server.app.config["INDEX_DIR"], timeout=10)
    db.close()


def test_search_choices_sit_beside_the_results_on_a_wide_screen(browser, live_server, searchable):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(live_server.url + "/search")
    results = page.locator(".search-results").bounding_box()
    facets = page.locator(".facets").bounding_box()
    # Beside: to the right of the results and starting level with them, not below 20 results.
    assert facets["x"] >= results["x"] + results["width"]
    assert abs(facets["y"] - results["y"]) < 5
    assert facets["x"] + facets["width"] <= 1280
    assert not page.get_by_role("link", name=JUMP).is_visible()
    assert _no_sideways_scroll(page, 1280)
    context.close()


def test_search_on_a_narrow_screen_leads_to_the_choices(browser, live_server, searchable):
    context = browser.new_context(viewport={"width": 320, "height": 640}, java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + "/search")
    assert _no_sideways_scroll(page)
    page.get_by_role("link", name=JUMP).click()
    assert page.evaluate("location.hash") == "#facets-heading"
    assert page.get_by_role("heading", name="Narrow the results").is_visible()
    context.close()
