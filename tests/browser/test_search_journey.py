"""A reader searches in a real browser: by a theme facet, then by a CJK word."""

import pytest

import search_index
from archive.db import open_db
from archive.demo import load_samples

pytestmark = pytest.mark.browser

SAFE_SPACES = "Safe spaces: support, mental health and activism"


@pytest.fixture
def samples(live_server):
    db = open_db(live_server.app.config["DATABASE"])
    load_samples(db)
    search_index.sync(db, index_dir=live_server.app.config["INDEX_DIR"], timeout=10)
    yield db
    db.close()


def _result_titles(page):
    return [t.strip() for t in page.locator("ol.results h3").all_inner_texts()]


def test_search_by_theme_facet_and_cjk_word(page, live_server, samples, tmp_path):
    page.goto(live_server.url + "/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Search").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Search the stories"

    # Choose a theme in the facet list: only stories of that theme remain.
    theme_facet = page.locator("section.facet", has=page.get_by_role("heading", name="Theme"))
    theme_facet.get_by_role("link", name=SAFE_SPACES).click()
    titles = _result_titles(page)
    assert titles and len(titles) < 12
    for card in page.locator("ol.results li.result").all():
        assert SAFE_SPACES in card.locator("ul.tags").inner_text()
    heading = page.locator("#results-heading").inner_text()
    assert heading == f"{len(titles)} stories found" or heading == f"{len(titles)} story found"

    # Then a Japanese word from inside a longer run, keeping the theme.
    page.get_by_label("Words to search for").fill("味噌汁")
    page.get_by_role("button", name="Search", exact=True).click()
    assert _result_titles(page) == ["Sample: Miso soup on the first morning"]
    # The story has content notes: they come first, the matching text behind a disclosure.
    result = page.locator("ol.results li.result").first
    assert "Content notes" in result.locator(".content-notes").inner_text()
    result.get_by_text("Show the matching text").click()
    assert result.locator("mark").first.inner_text() == "味噌汁"
    assert page.locator("section.facet a.selected").inner_text().startswith(SAFE_SPACES)
    page.screenshot(path=str(tmp_path / "search.png"), full_page=True)

    # The result opens the story, with more stories like it at the end.
    page.get_by_role("link", name="Sample: Miso soup on the first morning").click()
    assert page.get_by_role("heading", name="More stories like this").is_visible()
    assert page.foreign_requests == []


def test_search_works_without_javascript_at_320px(browser, live_server, samples, tmp_path):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 320, "height": 640})
    page = context.new_page()
    page.goto(live_server.url + "/search")
    page.get_by_label("Words to search for").fill("香港")
    page.get_by_label("Sort by").select_option("date")
    page.get_by_role("button", name="Search", exact=True).click()
    titles = _result_titles(page)
    assert "Sample: Dumplings at the Lunar New Year table" in titles
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    page.screenshot(path=str(tmp_path / "search-320.png"), full_page=True)
    context.close()
