"""axe-core finds nothing on any page type, at 1280 and 320 px; the screenshots of
the reading pages land in test-artifacts/screenshots/.

axe-core comes from the hash-pinned development requirements (the
axe-playwright-python package bundles it); it is injected into each page by
Playwright, never served by the app."""

import pathlib
import re

import axe_playwright_python
import pytest

from tests.accounts import PASSWORD
from tests.browser.test_media_journey import fill_story

pytestmark = pytest.mark.browser

AXE = (pathlib.Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text(encoding="utf-8")
WIDTHS = (1280, 320)
ARTIFACTS = pathlib.Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
# Pages whose screenshots are kept, by the name given below.
SCREENSHOTS = ("home", "theme", "search-results", "story")


def axe_violations(page) -> list:
    """axe-core's violations on the page as it is (every rule axe runs by default,
    best practices included): "rule: selector" strings."""
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.evaluate(AXE)
    found = page.evaluate(
        "axe.run(document, {resultTypes: ['violations']}).then(r => r.violations.flatMap("
        "v => v.nodes.map(n => v.id + ' (' + v.impact + '): ' + n.target.join(' '))))"
    )
    return found


def check(page, name, problems):
    """Run axe at each width (and keep a screenshot of the reading pages)."""
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        problems.extend(f"{name} @{width}px: {v}" for v in axe_violations(page))
        if name in SCREENSHOTS:
            # Lazy images below the fold would be blank in a full-page picture.
            page.evaluate(
                "document.querySelectorAll('img[loading=lazy]').forEach(i => { i.loading = 'eager'; })"
            )
            page.wait_for_load_state("networkidle")
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": WIDTHS[0], "height": 900})


def visit(page, url, name, problems):
    page.goto(url)
    check(page, name, problems)


def test_no_axe_violations_on_any_page_type_at_1280_and_320(browser, live_server, media_archive):
    url, problems = live_server.url, []
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    for path, name in (
        ("/", "home"),
        ("/themes", "themes"),
        ("/themes/safe-spaces", "theme"),
        ("/search?q=grandmother", "search-results"),
        ("/search?q=qqqqzzzz", "search-nothing"),
        (f"/stories/{media_archive['plain']}", "story"),
        (f"/stories/{media_archive['gated']}", "story-with-content-notes"),
        ("/browse-safely", "browse-safely"),
        ("/no-such-page", "not-found"),
        ("/login", "login"),
        ("/register", "register"),
        ("/submit", "submit"),
        ("/my-story", "my-story-code"),
    ):
        visit(page, url + path, name, problems)
    page.goto(f"{url}/stories/{media_archive['gated']}")
    page.get_by_text("Read the story").click()
    check(page, "story-with-content-notes-open", problems)

    page.goto(url + "/submit")
    page.get_by_role("button", name="Send my story").click()
    check(page, "submit-with-errors", problems)
    fill_story(page, "A new story")
    page.get_by_role("button", name="Send my story").click()
    page.wait_for_url(re.compile("/submit/received"))
    check(page, "receipt", problems)
    page.get_by_role("button", name=re.compile("remove it from this browser now")).click()
    check(page, "receipt-forgotten", problems)
    visit(page, url + "/submit/received", "receipt-gone", problems)

    page.goto(url + "/my-story")
    page.get_by_label("Your receipt code").fill(media_archive["code"])
    page.get_by_role("button", name="Open my story").click()
    check(page, "my-story", problems)
    page.get_by_role("button", name="Withdraw my story…").click()
    check(page, "withdraw-confirm", problems)
    page.get_by_role("checkbox").check()
    page.get_by_role("button", name=re.compile("^Withdraw")).click()
    check(page, "withdrawn", problems)

    page.goto(url + "/register")
    page.get_by_label("Your name").fill("A Researcher")
    page.get_by_label("Affiliation").fill("A University")
    page.get_by_label("Research purpose").fill("Oral histories of migration.")
    page.get_by_label("Account name").fill("newresearcher")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_label("I agree to the researcher terms above.").check()
    page.get_by_role("button", name=re.compile("account", re.I)).click()
    assert page.locator("h1").inner_text() != "Ask for a researcher account"
    check(page, "register-sent", problems)

    page.goto(url + "/login")
    page.get_by_label("Account name").fill("root")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    for path, name in (
        ("/curate", "curation-queue"),
        ("/curate/status/approved", "curation-list"),
        (f"/curate/stories/{media_archive['pending']}", "review"),
        (f"/curate/stories/{media_archive['pending']}/edit", "curator-edit"),
        (f"/curate/stories/{media_archive['pending']}/revisions/{media_archive['revision']}", "revision"),
        ("/admin/users", "admin-users"),
        ("/admin/audit", "admin-audit"),
        ("/logout", "sign-out"),
    ):
        visit(page, url + path, name, problems)
    # The checker itself works: a page with a nameless image is caught.
    page.set_content("<!doctype html><html lang='en'><title>t</title><main><img src='x.png'></main></html>")
    assert any(v.startswith("image-alt") for v in axe_violations(page))
    context.close()
    assert problems == []
    assert sorted(p.name for p in ARTIFACTS.glob("*.png")) >= sorted(
        f"{n}-{w}.png" for n in SCREENSHOTS for w in WIDTHS
    )
