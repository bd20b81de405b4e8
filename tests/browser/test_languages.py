"""Languages in a real browser: the switcher works with JavaScript off and sticks,
and Japanese and Traditional Chinese pages fit a 320 px screen with every
character drawn from a font that has it (no missing-glyph boxes), each script from
its own font. Screenshots land in test-artifacts/screenshots/languages/."""

import pathlib

import pytest

pytestmark = pytest.mark.browser

ARTIFACTS = pathlib.Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots" / "languages"

# For the text of ``selector``: its rendered width, whether document.fonts accepts
# its font for the text, and the characters drawn as the font's missing-glyph box
# (the same picture as a private-use character no font has).
GLYPHS = """
(selector) => {
  const el = document.querySelector(selector);
  const style = getComputedStyle(el);
  const font = `${style.fontSize} ${style.fontFamily}`;
  const canvas = document.createElement("canvas");
  canvas.width = 64; canvas.height = 64;
  const ctx = canvas.getContext("2d", {willReadFrequently: true});
  ctx.font = font;
  const picture = (ch) => {
    ctx.clearRect(0, 0, 64, 64);
    ctx.fillText(ch, 4, 48);
    return ctx.getImageData(0, 0, 64, 64).data.join();
  };
  const box = picture("\\u{F0000}");
  const text = el.innerText;
  const chars = [...new Set([...text].filter((ch) => ch.trim()))];
  return {
    text,
    width: el.getBoundingClientRect().width,
    accepted: document.fonts.check(font, text),
    missing: chars.filter((ch) => picture(ch) === box),
    family: style.fontFamily,
  };
}
"""


def _platform_font(page, selector):
    """The font Chromium actually drew ``selector``'s text with."""
    session = page.context.new_cdp_session(page)
    session.send("DOM.enable")
    session.send("CSS.enable")
    root = session.send("DOM.getDocument")["root"]["nodeId"]
    node = session.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    fonts = session.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    session.detach()
    return max(fonts, key=lambda font: font["glyphCount"])["familyName"]


@pytest.mark.parametrize(
    ("tag", "font", "first_choice"),
    [("ja", "Noto Sans CJK JP", '"Hiragino Sans"'), ("zh-Hant", "Noto Sans CJK TC", '"PingFang TC"')],
)
def test_cjk_home_pages_fit_320px_with_every_glyph_drawn(browser, live_server, tag, font, first_choice):
    context = browser.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    page.goto(f"{live_server.url}/language?lang={tag}&next=/")
    assert page.evaluate("document.documentElement.lang") == tag
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"home-{tag}-320.png"), full_page=True)
    own = f'.languages a[lang="{tag}"]'
    for selector in ("h1", own, ".site-header nav a", ".site-footer p"):
        drawn = page.evaluate(GLYPHS, selector)
        assert drawn["width"] > 0 and drawn["accepted"], (selector, drawn)
        assert drawn["missing"] == [], (selector, drawn)
    # The page's own script comes first in its font stack (site.css), and Chromium
    # draws the language's name with that language's font, not a neighbour's.
    assert page.evaluate(GLYPHS, own)["family"].startswith(first_choice)
    assert _platform_font(page, own) == font
    assert _platform_font(page, '.languages a[lang="ko"]') == "Noto Sans CJK KR"
    context.close()


def test_the_switcher_works_without_javascript_and_sticks(browser, live_server):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + "/themes")
    assert page.evaluate  # no script runs on the page itself; the checks below read the DOM
    page.click('.languages a[hreflang="ko"]')
    page.wait_for_url(live_server.url + "/themes")
    assert page.locator("html").get_attribute("lang") == "ko"
    page.click('.site-header nav a[href="/submit"]')
    page.wait_for_url(live_server.url + "/submit")
    assert page.locator("html").get_attribute("lang") == "ko"
    assert page.locator("#consent-text").get_attribute("lang") == "ko"
    cookies = {cookie["name"]: cookie for cookie in context.cookies()}
    assert cookies["lang"]["value"] == "ko" and cookies["lang"]["sameSite"] == "Lax"
    page.click('.languages a[hreflang="en"]')
    page.wait_for_url(live_server.url + "/submit")
    assert page.locator("html").get_attribute("lang") == "en"
    context.close()
