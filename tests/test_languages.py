"""The interface in the community's languages: how the language is chosen, what
pages declare, the consent given and shown in a language, and stories that keep
their own languages."""

import hashlib
import re
from html import unescape

import pytest
from flask_babel import force_locale

from archive.consent import consent_text, conversation_consent_text
from archive.curation import approve
from archive.dublin_core import facts, mapping
from archive.languages import INTERFACE_LANGUAGES, interface_language, negotiate
from tests.accounts import new_story, review_path
from tests.conftest import csrf_token, post_my_story, submit
from tests.dialogue_fixtures import invitation_codes, narrator_joins
from tests.languages_fixtures import html_lang, translations_or_skip
from tests.search_fixtures import drain


@pytest.mark.parametrize(
    ("asked", "served"),
    [
        ("ja", "ja"),
        ("ja-JP", "ja"),
        ("zh-TW", "zh-Hant"),
        ("zh-HK", "zh-Hant"),
        ("zh-MO", "zh-Hant"),
        ("zh-Hant", "zh-Hant"),
        ("zh-Hant-CN", "zh-Hant"),
        ("zh_TW", "zh-Hant"),
        ("zh-CN", "zh-Hans"),
        ("zh-SG", "zh-Hans"),
        ("zh-Hans", "zh-Hans"),
        ("zh-Hans-HK", "zh-Hans"),
        ("zh", "zh-Hans"),
        ("ko-KR", "ko"),
        ("vi", "vi"),
        ("fil", "fil"),
        ("tl", "fil"),
        ("tl-PH", "fil"),
        ("en-GB", "en"),
    ],
)
def test_a_browser_language_maps_to_the_interface_language(asked, served):
    assert interface_language(asked).tag == served


def test_a_language_we_do_not_serve_maps_to_nothing_and_the_next_preference_decides():
    assert interface_language("de") is None and interface_language("") is None
    assert negotiate(["de", "fr", "ko"]).tag == "ko"
    assert negotiate(["de", "fr"]).tag == "en"


@pytest.mark.parametrize(
    ("header", "lang"),
    [
        ("ja", "ja"),
        ("zh-TW,zh;q=0.8", "zh-Hant"),
        ("zh-CN", "zh-Hans"),
        ("de", "en"),
        ("de-DE,de;q=0.9,ko;q=0.5", "ko"),
        ("tl", "fil"),
        ("*", "en"),
    ],
)
def test_accept_language_decides_without_a_choice(client, header, lang):
    response = client.get("/", headers={"Accept-Language": header})
    assert response.status_code == 200
    assert html_lang(response.get_data(as_text=True)) == lang
    assert {"Cookie", "Accept-Language"} <= set(response.vary)


def test_every_page_has_the_switcher_with_each_language_named_in_itself(client):
    html = client.get("/themes?x=1").get_data(as_text=True)
    nav = html.split('class="languages"', 1)[1].split("</nav>", 1)[0]
    links = re.findall(r'<a href="([^"]+)" lang="([^"]+)" hreflang="([^"]+)"[^>]*>([^<]+)</a>', nav)
    assert [(lang, hreflang, name) for _url, lang, hreflang, name in links] == [
        ("zh-Hant", "zh-Hant", "繁體中文"),
        ("zh-Hans", "zh-Hans", "简体中文"),
        ("ja", "ja", "日本語"),
        ("ko", "ko", "한국어"),
        ("vi", "vi", "Tiếng Việt"),
        ("fil", "fil", "Filipino"),
        ("en", "en", "English"),
    ]
    # Each link leads back to this page (path and query) through /language.
    assert links[2][0] == "/language?lang=ja&amp;next=/themes?x%3D1"
    assert 'hreflang="en" aria-current="true"' in nav
    # On an error page too.
    assert 'hreflang="ko"' in client.get("/no-such-page").get_data(as_text=True)


def test_the_switcher_remembers_the_choice_in_a_cookie_holding_only_the_language(client):
    response = client.get("/language", query_string={"lang": "ja", "next": "/search?q=secret"})
    assert response.status_code == 303 and response.headers["Location"] == "/search?q=secret"
    (cookie,) = response.headers.getlist("Set-Cookie")
    parts = [part.strip() for part in cookie.split(";")]
    assert parts[0] == "lang=ja"
    assert "SameSite=Lax" in parts and "HttpOnly" in parts and "Path=/" in parts
    assert "secret" not in cookie
    # The choice sticks across pages and wins over the browser's language.
    for path in ("/", "/themes", "/submit", "/my-story", "/browse-safely"):
        page = client.get(path, headers={"Accept-Language": "ko"}).get_data(as_text=True)
        assert html_lang(page) == "ja", path
    # English can be chosen back, whatever the browser asks for.
    client.get("/language?lang=en&next=/")
    assert html_lang(client.get("/", headers={"Accept-Language": "ja"}).get_data(as_text=True)) == "en"


@pytest.mark.parametrize(
    "target", ["//evil.example/", "https://evil.example/", "/\\evil.example", "/%09/evil"]
)
def test_the_switcher_goes_back_only_to_a_page_of_this_site(client, target):
    response = client.get("/language", query_string={"lang": "ko", "next": target})
    assert response.status_code == 303 and response.headers["Location"] == "/"


def test_a_language_we_do_not_serve_sets_no_cookie(client):
    response = client.get("/language?lang=de&next=/themes")
    assert response.status_code == 303 and "Set-Cookie" not in response.headers
    assert html_lang(client.get("/themes").get_data(as_text=True)) == "en"


def test_tagalog_and_chinese_by_region_are_accepted_by_the_switcher_too(client):
    client.get("/language?lang=tl&next=/")
    assert html_lang(client.get("/").get_data(as_text=True)) == "fil"
    client.get("/language?lang=zh-TW&next=/")
    assert html_lang(client.get("/").get_data(as_text=True)) == "zh-Hant"


def _without_switcher(html: str) -> str:
    # The switcher names each language in itself ("English", "Filipino"), in every language;
    # text is compared as read (&#39; is an apostrophe).
    return unescape(re.sub(r'<nav class="languages".*?</nav>', "", html, flags=re.S))


@pytest.mark.parametrize("language", [lang for lang in INTERFACE_LANGUAGES if lang.tag != "en"], ids=str)
def test_a_chosen_language_shows_the_home_page_in_it(client, language):
    translated = translations_or_skip(language.locale)
    english = _without_switcher(client.get("/").get_data(as_text=True))
    page = _without_switcher(
        client.get("/", headers={"Accept-Language": language.tag}).get_data(as_text=True)
    )
    assert html_lang(page) == language.tag
    shown = [msgid for msgid in translated if f">{msgid}<" in english]
    assert shown, "no string of the home page is translated"
    for msgid in shown:
        assert f">{translated[msgid]}<" in page


# --- consent given in a language -----------------------------------------------------


def _text_in(app, tag_locale, make_text):
    with app.test_request_context(), force_locale(tag_locale):
        return make_text()


def _sha(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_a_story_submitted_in_korean_keeps_the_korean_consent_and_shows_it_on_my_story(app, client, db):
    client.get("/language?lang=ko&next=/submit")
    response, story_id, code = submit(client)
    assert response.status_code == 200 and html_lang(response.get_data(as_text=True)) == "ko"
    record = db["consent_records"].get(db["stories"].get(story_id)["consent_id"])
    korean = _text_in(app, "ko", consent_text)
    assert record["language"] == "ko"
    assert record["text_sha256"] == _sha(korean)

    # Later, in English: /my-story still shows the consent in Korean, marked as Korean,
    # with the English text a click away (no JavaScript).
    client.get("/language?lang=en&next=/my-story")
    page = post_my_story(client, code, "open").get_data(as_text=True)
    assert html_lang(page) == "en"
    agreed = page.split('id="agreed"', 1)[1].split("</section>", 1)[0]
    assert '<div class="consent-text" id="consent-text" lang="ko">' in agreed
    shown = agreed.split('lang="ko">', 1)[1].split("</div>", 1)[0]
    assert shown == f"<p>{_escape(korean)}</p>"
    english = agreed.split('<details class="consent-english">', 1)[1].split("</details>", 1)[0]
    assert '<div lang="en">' in english and _escape(_text_in(app, "en", consent_text)) in english
    # Nobody fluent has checked the Korean translation yet, and the page says so.
    assert "This translation has not yet been checked by a fluent speaker" in agreed
    assert "has changed since you agreed" not in agreed


def _escape(text):
    return text.replace("&", "&amp;").replace("'", "&#39;").replace('"', "&#34;")


def test_an_english_consent_shows_no_translation_notice(client, db):
    response, story_id, code = submit(client)
    assert db["consent_records"].get(db["stories"].get(story_id)["consent_id"])["language"] == "en"
    agreed = post_my_story(client, code, "open").get_data(as_text=True).split('id="agreed"', 1)[1]
    agreed = agreed.split("</section>", 1)[0]
    assert 'lang="en"' in agreed and "consent-english" not in agreed and "translation-notice" not in agreed


def test_the_submission_form_shows_the_notice_and_the_english_beside_a_translation(client):
    html = client.get("/submit", headers={"Accept-Language": "vi"}).get_data(as_text=True)
    assert 'id="consent-text" lang="vi"' in html
    assert 'id="translation-notice"' in html and '<details class="consent-english">' in html
    english = client.get("/submit", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'id="translation-notice"' not in english and "consent-english" not in english


def test_narrators_and_narrowing_record_the_language_they_were_shown(app, client, db):
    client.get("/language?lang=zh-Hant&next=/submit")
    response, story_id, code = submit(client, narrators="1", body="Radish every autumn. " * 8)
    (invitation,) = invitation_codes(response.get_data(as_text=True))
    narrator = app.test_client()
    narrator.get("/language?lang=ja&next=/join")
    own_code = narrator_joins(narrator, invitation)
    narrator.get("/language?lang=vi&next=/my-story")
    assert post_my_story(narrator, own_code, "narrow", access="researchers").status_code == 200

    rows = list(db["consent_records"].rows_where("story_id = ?", [story_id], order_by="id"))
    own = [(row["narrator_id"], row["language"], row["text_sha256"]) for row in rows if not row["combined"]]
    first, second, narrowed = own
    assert first[1:] == ("zh-Hant", _sha(_text_in(app, "zh_Hant", conversation_consent_text)))
    assert second[1:] == ("ja", _sha(_text_in(app, "ja", conversation_consent_text)))
    assert narrowed[1:] == ("vi", _sha(_text_in(app, "vi", conversation_consent_text)))
    assert narrowed[0] == second[0] != first[0]
    # The record computed from all narrators' records is in no one language.
    assert all(row["language"] is None for row in rows if row["combined"])


# --- stories keep their own languages ------------------------------------------------


def test_a_story_told_in_tagalog_is_marked_as_tagalog(app, client, db, curator):
    response, story_id, code = submit(client, story_languages=["tl"], title="Lola")
    assert response.status_code == 200
    assert [row["tag"] for row in db["story_languages"].rows_where("story_id = ?", [story_id])] == ["tl"]
    review = curator.get(review_path(story_id)).get_data(as_text=True)
    assert (
        '<div class="story-body" id="story-body" lang="tl">' in review and '<h1 lang="tl">Lola</h1>' in review
    )
    approve(db, story_id, None)
    drain(app, db)
    page = client.get(f"/stories/{story_id}").get_data(as_text=True)
    assert '<h1 lang="tl">Lola</h1>' in page and '<div class="story-body" lang="tl">' in page
    assert '<h3 lang="tl" class="card-title">' in client.get("/").get_data(as_text=True)
    results = client.get("/search?q=grandmother").get_data(as_text=True)
    assert f'<h3 lang="tl"><a href="/stories/{story_id}">' in results
    own = post_my_story(client, code, "open").get_data(as_text=True)
    assert '<h1 lang="tl">Lola</h1>' in own
    # Its page names the language in the reader's words.
    assert "<li>Tagalog</li>" in page


def test_a_story_in_several_languages_lets_the_browser_tell_the_direction(client, db):
    response, story_id, _code = submit(client, story_languages=["yue", "en"], languages="Teochew")
    approve(db, story_id, None)
    page = client.get(f"/stories/{story_id}").get_data(as_text=True)
    assert '<div class="story-body" dir="auto">' in page
    assert "<li>Cantonese</li><li>English</li><li>Teochew</li>" in page
    # The contributor's edit form (while it awaits review) comes back with the same choices ticked.
    _response, pending, code = submit(client, story_languages=["yue", "en"], title="Again")
    own = post_my_story(client, code, "open").get_data(as_text=True)
    ticked = re.findall(
        r'<input checked id="story_languages-\d+" name="story_languages" type="checkbox" value="([^"]+)">',
        own,
    )
    assert ticked == ["en", "yue"]


def test_a_language_not_in_the_list_is_refused_and_nothing_is_saved(client, db):
    response, story_id, _code = submit(client, story_languages=["xx-made-up"])
    assert response.status_code == 400 and story_id is None
    assert "Please choose languages from the list" in response.get_data(as_text=True)
    assert db["stories"].count == 0


def test_dublin_core_names_the_listed_languages_and_falls_back_to_the_free_text(db):
    listed, _ = new_story(db, language_tags=["yue", "en"], languages=["Teochew"])
    typed, _ = new_story(db, languages=["Cantonese", "Klingon"])
    record = mapping(facts(db, listed), url="u", publisher="p")
    assert record["language"] == ["yue", "en"]
    assert {"Cantonese", "English", "Teochew"} <= set(record["subject"])
    assert mapping(facts(db, typed), url="u", publisher="p")["language"] == ["yue"]


def test_the_language_facet_groups_a_ticked_language_with_the_same_one_typed(app, client, db):
    ticked, _ = new_story(db, language_tags=["ko"])
    typed, _ = new_story(db, languages=["korean"])
    for story_id in (ticked, typed):
        approve(db, story_id, None)
    drain(app, db)
    html = client.get("/search?q=grandmother").get_data(as_text=True)
    assert (
        '<a href="/search?q=grandmother&amp;language=korean">Korean</a> <span class="count">(2)</span>'
        in html
    )


def test_a_withdrawal_deletes_the_story_languages(client, db):
    _response, story_id, code = submit(client, story_languages=["ja"])
    post_my_story(client, code, "withdraw_confirm", confirm="y")
    assert db["story_languages"].count_where("story_id = ?", [story_id]) == 0


def test_the_api_speaks_the_request_language_with_stable_values(app, client, db):
    translated = translations_or_skip("ja")
    approve(db, new_story(db)[0], None)
    themes = client.get("/api/v1/themes", headers={"Accept-Language": "ja"}).get_json()
    names = {theme["slug"]: theme["name"] for theme in themes["themes"]}
    assert names["intergenerational-dialogue"] == translated.get(
        "Intergenerational dialogue", "Intergenerational dialogue"
    )
    drain(app, db)
    found = client.get("/api/v1/stories?q=grandmother", headers={"Accept-Language": "ja"}).get_json()
    assert [v["value"] for v in found["facets"]["theme"]] == ["intergenerational-dialogue"]


def test_the_english_consent_text_is_in_the_page_itself(client):
    # The English consent text is in the page itself: no request, no JavaScript needed.
    html = client.get("/submit", headers={"Accept-Language": "ja"}).get_data(as_text=True)
    details = html.split('<details class="consent-english">', 1)[1].split("</details>", 1)[0]
    assert "<summary>" in details and "Crossings keeps the story you share in its archive" in details
    assert csrf_token(client)  # the form is still there to send


def test_a_consent_review_counts_only_for_the_version_checked():
    from archive.consent import CONSENT_VERSION
    from stories.languages import is_reviewed

    current = {"ja": {"consent": "reviewed", "consent_version": CONSENT_VERSION}}
    older = {"ja": {"consent": "reviewed", "consent_version": "2020-01-a"}}
    assert is_reviewed("ja", review=current)
    assert not is_reviewed("ja", review=older) and not is_reviewed("ko", review=current)
    assert not is_reviewed("ja", "interface", review=current)
    assert is_reviewed("en", review={})
    # As shipped, no translation has been checked yet.
    assert not any(is_reviewed(language.tag) for language in INTERFACE_LANGUAGES if language.tag != "en")


def test_every_audit_action_has_a_name_to_show():
    from archive.audit import ACTIONS, action_label

    assert all(action_label(action) not in ("", action) for action in ACTIONS)


def test_the_theme_descriptions_marked_for_translation_are_the_stored_english():
    from archive.themes import THEMES, theme_description

    assert all(theme_description(slug) == description for slug, _name, description in THEMES)


def test_search_finds_the_same_stories_whatever_the_interface_language(app, client, db):
    for title in ("Kites over the harbour", "Kites at new year"):
        approve(db, new_story(db, title=title)[0], None)
    drain(app, db)
    found = {}
    for tag in ("en", "ja", "zh-Hant", "fil"):
        html = client.get("/search?q=kites", headers={"Accept-Language": tag}).get_data(as_text=True)
        found[tag] = re.findall(r'<h3[^>]*><a href="/stories/([^"]+)">', html)
    assert len(found["en"]) == 2 and all(ids == found["en"] for ids in found.values())


def test_oai_pmh_speaks_english_whatever_the_harvester_asks_for(client):
    def without_time(response):
        return re.sub(r"<responseDate>[^<]*</responseDate>", "", response.get_data(as_text=True))

    english = client.get("/oai?verb=badVerb")
    asked = client.get("/oai?verb=badVerb", headers={"Accept-Language": "ja", "Cookie": "lang=ko"})
    assert "<error" in without_time(english) and without_time(asked) == without_time(english)


def test_the_language_of_oai_requests_is_english_and_of_pages_the_readers(app):
    from stories.languages import select_locale

    with app.test_request_context("/oai?verb=Identify", headers={"Accept-Language": "ja"}):
        assert select_locale() == "en"
    with app.test_request_context("/themes", headers={"Accept-Language": "ja"}):
        assert select_locale() == "ja"
