"""In every language we serve, every page a reader or contributor meets shows no
English of ours: no sentence of the English catalogue appears verbatim in what a
reader sees or hears (tests/visible_text.py). Story content, proper names and text
marked as another language (the switcher's names, the English consent text) are
not ours to translate.

A language whose catalogue is not translated at all yet is skipped; one translated
in part fails, naming the English left on each page."""

import pytest
from babel.messages.pofile import read_po

from app import create_app
from archive.db import open_db
from archive.demo import load_samples
from archive.languages import TRANSLATED
from stories import safety
from tests.catalogues import extract
from tests.conftest import csrf_token, post_my_story, submit
from tests.languages_fixtures import html_lang, translations_or_skip
from tests.search_fixtures import drain
from tests.visible_text import english_left, visible_text

# Names, acronyms and key combinations that stay as they are in every language
# (a browser's name and its shortcut read the same in Vietnamese or Filipino).
PROPER_NAMES = {"Crossings", "CSV", "JSON", "OAI-PMH", "BagIt", "Dublin Core", "Safari: ⌘+Shift+N."}


@pytest.fixture(scope="module")
def msgids(tmp_path_factory):
    """Every English string the code marks, less the proper names."""
    pot = extract(tmp_path_factory.mktemp("pot") / "messages.pot")
    with open(pot, "rb") as fh:
        template = read_po(fh)
    found = set()
    for message in template:
        for msgid in message.id if isinstance(message.id, tuple) else (message.id,):
            if msgid and msgid not in PROPER_NAMES:
                found.add(msgid)
    return found


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """An archive with the sample stories, indexed, shared by the pages of every language."""
    app = create_app({"TESTING": True, "DATA_DIR": str(tmp_path_factory.mktemp("data")), "SECRET_KEY": "t"})
    db = open_db(app.config["DATABASE"])
    load_samples(db)
    drain(app, db)
    # A sample with a text, photo and links to other stories (its words are checked below).
    story_id = db.execute("SELECT id FROM stories WHERE title LIKE '%Dumplings at the Lunar%'").fetchone()[0]
    slug = db.execute("SELECT slug FROM collections LIMIT 1").fetchone()[0]
    yield app, story_id, slug
    db.close()


def pages(app, tag, story_id, slug) -> dict[str, str]:
    """Every page type a reader or contributor meets, in the language ``tag``."""
    client = app.test_client()
    client.get(f"/language?lang={tag}&next=/")
    found = {}
    for path in (
        "/",
        "/themes",
        "/themes/safe-spaces",
        "/search",
        "/search?q=grandmother",
        f"/stories/{story_id}",
        "/collections",
        f"/collections/{slug}",
        "/browse-safely",
        "/login",
        "/register",
        "/submit",
        "/my-story",
        "/join",
        "/no-such-page",
    ):
        found[path] = client.get(path).get_data(as_text=True)
    found["the form with errors"] = client.post("/submit", data={"csrf_token": csrf_token(client)}).get_data(
        as_text=True
    )
    found["an expired form"] = client.post("/submit", data={}).get_data(as_text=True)
    response, _story, code = submit(client, story_languages=["ko"])
    found["the receipt"] = response.get_data(as_text=True)
    found["/my-story"] = post_my_story(client, code, "open").get_data(as_text=True)
    found["the withdrawal confirmation"] = post_my_story(client, code, "withdraw").get_data(as_text=True)
    found["withdrawn"] = post_my_story(client, code, "withdraw_confirm", confirm="y").get_data(as_text=True)
    for status in safety._TITLES:
        with app.test_request_context("/", headers={"Cookie": f"lang={tag}"}):
            found[f"error {status}"] = safety.render_error(status)[0]
    return found


@pytest.mark.parametrize("language", TRANSLATED, ids=lambda language: language.tag)
def test_no_english_is_left_on_any_page(language, site, msgids):
    translations_or_skip(language.locale)
    app, story_id, slug = site
    left = {}
    for name, html in pages(app, language.tag, story_id, slug).items():
        assert html_lang(html) == language.tag, name
        found = english_left(visible_text(html, language.tag), msgids)
        if found:
            left[name] = found
    assert left == {}


def test_the_check_finds_english_where_there_is_english(site, msgids):
    # Guards the test above against passing because it reads nothing: the English
    # pages are full of the catalogue's sentences, and the parts marked as another
    # language or written by contributors are left out.
    app, story_id, slug = site
    english = pages(app, "en", story_id, slug)
    for name in ("/", "/submit", "the receipt", "/my-story", "error 404"):
        assert english_left(visible_text(english[name], "en"), msgids), name
    home = visible_text(english["/"], "ja")  # as if the page were Japanese: its English is all "left"
    assert "Share a story" in home and "繁體中文" not in home and "日本語" in home
    # Text marked as English (here the consent text) counts only on an English page.
    consent = "Crossings keeps the story you share"
    assert consent in visible_text(english["/submit"], "en")
    assert consent not in visible_text(english["/submit"], "ko")
    story = visible_text(english[f"/stories/{story_id}"], "en")
    assert "rolling pin" in english[f"/stories/{story_id}"]
    assert "rolling pin" not in story  # the story itself is not ours
