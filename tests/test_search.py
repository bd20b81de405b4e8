"""Searching: CJK-aware analysis, phrases, facets, who sees what, odd queries.

Real SQLite, real Whoosh index on disk; stories are approved through the
archive's own functions and reach the index through the outbox."""

import logging
import re

import pytest

from archive import curation
from tests.accounts import login, make_user
from tests.search_fixtures import FILLER, drain, find, ids, publish, result_ids

# Acceptance 1: analysis -------------------------------------------------------------


@pytest.fixture
def multilingual(app, db):
    """Stories whose CJK words sit inside longer runs, plus decoys."""
    stories = {
        "hk": publish(db, title="Growing up", body="我在香港長大，但我的家人來自很多地方。" + FILLER),
        "halmeoni": publish(
            db, title="Kimchi", body="할머니는 김치를 담그면서 나에게 이야기를 해 주셨다." + FILLER
        ),
        "miso": publish(db, title="Mornings", body="毎朝の味噌汁が私の安心でした。" + FILLER),
        # The same characters, but never side by side: must not match.
        "apart": publish(
            db, title="Apart", body="香 and 港 are two characters; 味噌 and 汁 too. 할 머니" + FILLER
        ),
        "pho": publish(
            db, title="Soup", body="We ate phở every Sunday with my grandmother folded in her chair." + FILLER
        ),
        "reverse": publish(db, title="Reverse", body="She folded the laundry; my grandmother sang." + FILLER),
    }
    drain(app, db)
    return stories


def test_cjk_words_inside_longer_runs_are_found(app, db, multilingual):
    assert ids(app, db, "香港") == {multilingual["hk"]}
    assert ids(app, db, "할머니") == {multilingual["halmeoni"]}
    assert ids(app, db, "味噌汁") == {multilingual["miso"]}
    # A longer run (four characters) is found too, and only where it occurs in order.
    assert ids(app, db, "香港長大") == {multilingual["hk"]}
    assert ids(app, db, "長大香港") == set()


def test_one_cjk_character_is_found_inside_longer_runs(app, client, db, multilingual):
    # 家 (family) inside 家人, 港 at the end of 香港, 汁 at the end of 味噌汁; "apart"
    # holds 香 and 港 alone, and is found too.
    assert ids(app, db, "家") == {multilingual["hk"]}
    assert ids(app, db, "港") == {multilingual["hk"], multilingual["apart"]}
    assert ids(app, db, "汁") == {multilingual["miso"], multilingual["apart"]}
    assert ids(app, db, '"家"') == {multilingual["hk"]}
    assert ids(app, db, "김") == {multilingual["halmeoni"]}  # a Hangul syllable inside 김치를
    assert ids(app, db, "家 OR 汁") == {multilingual["hk"], multilingual["miso"], multilingual["apart"]}
    assert ids(app, db, "港 NOT 長") == {multilingual["apart"]}
    assert ids(app, db, "鯨") == set()
    # Only stories the viewer may read.
    sealed = publish(db, title="Sealed", body="我的鯨魚。" + FILLER, access="sealed")
    drain(app, db)
    assert ids(app, db, "鯨") == set()
    assert ids(app, db, "鯨", level="curator") == {sealed}
    html = client.get("/search?q=家").get_data(as_text=True)
    assert result_ids(html) == [multilingual["hk"]] and "<mark>家</mark>人" in html


def test_accents_fold_and_words_stem(app, db, multilingual):
    assert ids(app, db, "pho") == {multilingual["pho"]}
    assert ids(app, db, "phở") == {multilingual["pho"]}
    assert ids(app, db, "PHO") == {multilingual["pho"]}
    assert ids(app, db, "grandmothers") == {multilingual["pho"], multilingual["reverse"]}


def test_quoted_phrase_matches_only_in_order(app, db, multilingual):
    assert ids(app, db, '"grandmother folded"') == {multilingual["pho"]}
    assert ids(app, db, '"folded grandmother"') == set()
    # Without quotes both words are required, in any order.
    assert ids(app, db, "folded grandmother") == {multilingual["pho"], multilingual["reverse"]}
    # Three words.
    assert ids(app, db, '"every sunday with"') == {multilingual["pho"]}
    assert ids(app, db, '"sunday every with"') == set()


def test_or_and_not(app, db, multilingual):
    assert ids(app, db, "香港 OR 味噌汁") == {multilingual["hk"], multilingual["miso"]}
    assert ids(app, db, "grandmother NOT laundry") == {multilingual["pho"]}
    assert ids(app, db, "香港 味噌汁") == set()  # AND by default


def test_search_page_highlights_cjk_and_folded_words(client, multilingual):
    html = client.get("/search?q=香港").get_data(as_text=True)
    assert "<mark>香港</mark>" in html
    assert result_ids(html) == [multilingual["hk"]]
    html = client.get("/search?q=pho").get_data(as_text=True)
    assert "<mark>phở</mark>" in html
    html = client.get("/search?q=味噌汁").get_data(as_text=True)
    assert "<mark>味噌汁</mark>" in html
    html = client.get("/search?q=할머니").get_data(as_text=True)
    assert "<mark>할머니</mark>" in html


# Acceptance 2: facets ---------------------------------------------------------------


@pytest.fixture
def described(app, db):
    """Stories with themes, heritage, languages, decades and identities."""
    rows = [
        ("safe-spaces", ["Filipino", "Scottish"], ["Tagalog"], ["queer"], 1990),
        ("safe-spaces", ["Filipino"], ["English"], ["Queer"], 1990),
        ("safe-spaces", ["Korean"], ["Korean"], ["queer", "two-spirit"], 2000),
        ("celebrating-diversity", ["Korean"], ["Korean"], ["two-spirit"], 2000),
        ("celebrating-diversity", ["Vietnamese"], ["Vietnamese"], ["lesbian"], 2010),
        ("intergenerational-dialogue", ["Filipino"], ["Tagalog"], ["lesbian"], 2010),
        ("intergenerational-dialogue", ["Chinese"], ["Cantonese"], ["lesbian"], 2020),
    ]
    made = []
    for i, (theme, heritage, languages, identity, era) in enumerate(rows):
        made.append(
            publish(
                db,
                title=f"Family table {i}",
                body=f"Our family table, story number {i}, with lola and salamat." + FILLER,
                themes=[theme],
                heritage=heritage,
                languages=languages,
                identity=identity,
                era=era,
            )
        )
    drain(app, db)
    return made


def _facets(results, field):
    return {v.value: v.count for v in results.facets[field]}


def test_facet_counts_equal_matching_stories(app, db, described):
    results = find(app, db, "family")
    assert results.total == 7
    assert _facets(results, "theme") == {
        "safe-spaces": 3,
        "celebrating-diversity": 2,
        "intergenerational-dialogue": 2,
    }
    assert _facets(results, "heritage") == {
        "filipino": 3,
        "korean": 2,
        "scottish": 1,
        "vietnamese": 1,
        "chinese": 1,
    }
    assert _facets(results, "decade") == {"1990": 2, "2000": 2, "2010": 2, "2020": 1}
    # Each count is the number of stories that choosing the value returns.
    for facet in ("theme", "heritage", "language"):
        for value, count in _facets(results, facet).items():
            assert find(app, db, "family", filters={facet: [value]}).total == count


def test_facets_combine_and_follow_the_query(app, db, described):
    results = find(app, db, "family", filters={"theme": ["safe-spaces"], "heritage": ["Filipino"]})
    assert results.total == 2
    assert _facets(results, "language") == {"tagalog": 1, "english": 1}
    assert find(app, db, "lola", filters={"decade": ["2010"]}).total == 2
    # An empty query lists the stories of the chosen facets.
    assert ids(app, db, "", filters={"theme": ["celebrating-diversity"]}) == {described[3], described[4]}


def test_rare_identity_values_are_not_listed(app, db, described):
    # (Identity words are counted for researchers; the public sees only those of
    # contributors who chose so: tests/test_consent_truth.py.)
    identity = _facets(find(app, db, "family", level="researcher"), "identity")
    # queer (3, case-folded) and lesbian (3) are shared widely enough; two-spirit (2) is not.
    assert identity == {"queer": 3, "lesbian": 3}
    # Narrowed to fewer than three stories, no identity is listed at all.
    assert (
        _facets(
            find(
                app,
                db,
                "family",
                level="researcher",
                filters={"theme": ["safe-spaces"], "heritage": ["Korean"]},
            ),
            "identity",
        )
        == {}
    )


def test_facet_links_on_the_page(client, described):
    html = client.get("/search?q=family").get_data(as_text=True)
    assert "two-spirit" not in html.split('class="facets"')[1]
    link = re.search(r'<a href="(/search\?[^"]*theme=safe-spaces[^"]*)">Safe spaces', html).group(1)
    narrowed = client.get(link.replace("&amp;", "&")).get_data(as_text=True)
    assert len(result_ids(narrowed)) == 3
    assert 'aria-current="true"' in narrowed


# Acceptance 3: who sees what ---------------------------------------------------------


@pytest.fixture
def restricted(app, db):
    public = publish(db, title="Open kitchen", body="The harbour market at dawn, open to all." + FILLER)
    researchers = publish(
        db,
        title="Closed kitchen",
        body="The harbour market at dawn, for researchers." + FILLER,
        access="researchers",
    )
    sealed = publish(
        db, title="Sealed kitchen", body="The harbour market at dawn, sealed." + FILLER, access="sealed"
    )
    drain(app, db)
    return public, researchers, sealed


def _page(client, query):
    html = client.get(f"/search?q={query}").get_data(as_text=True)
    count = int(re.search(r'id="results-heading">(\d+) stor', html).group(1))
    return set(result_ids(html)), count


@pytest.mark.parametrize(
    "role,status,sees_researchers",
    [
        (None, None, False),
        ("researcher", "pending", False),
        ("researcher", "disabled", False),
        ("researcher", "active", True),
    ],
)
def test_researchers_only_story_is_shown_only_to_active_researchers(
    app, db, restricted, role, status, sees_researchers
):
    public, researchers, sealed = restricted
    client = app.test_client()
    if role:
        make_user(db, "reader", role, status)
        login(client, "reader")
    shown, count = _page(client, "harbour")
    expected = {public, researchers} if sees_researchers else {public}
    assert shown == expected and count == len(expected)
    api = client.get("/api/v1/stories?q=harbour").get_json()
    assert {r["id"] for r in api["results"]} == expected and api["total"] == len(expected)
    assert {v["value"]: v["count"] for v in api["facets"]["theme"]} == {
        "intergenerational-dialogue": len(expected)
    }
    assert sealed not in shown
    assert (client.get(f"/api/v1/stories/{researchers}").status_code == 200) is sees_researchers


def test_withdrawn_story_disappears_at_once(app, db, client):
    from tests.conftest import post_my_story, submit

    _, story_id, code = submit(
        client, body="The lighthouse keeper's granddaughter told me everything." + FILLER
    )
    curation.approve(db, story_id, None)
    drain(app, db)
    assert story_id in result_ids(client.get("/search?q=lighthouse").get_data(as_text=True))
    assert post_my_story(client, code, "withdraw_confirm", confirm="y").status_code == 200
    # No manual drain: the request itself applied the withdrawal.
    assert result_ids(client.get("/search?q=lighthouse").get_data(as_text=True)) == []


def test_unpublished_story_disappears_at_once(app, db):
    story_id = publish(
        db, title="Ferry", body="The night ferry to Macau was where I first held his hand." + FILLER
    )
    drain(app, db)
    make_user(db, "cura", "curator")
    curator = app.test_client()
    login(curator, "cura")
    from tests.accounts import post_form

    path = f"/curate/stories/{story_id}"
    assert post_form(curator, f"{path}/unpublish", {"confirm": "y"}, token_from=path).status_code == 302
    assert find(app, db, "ferry").total == 0
    assert app.test_client().get("/search?q=ferry").status_code == 200


# Acceptance 7: odd queries -----------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "*a*",
        "status:pending",
        "title:x",
        "x" * 10_000,
        '"unbalanced quotes',
        "((",
        "OR",
        "NOT",
        "a AND",
        "我" * 500,
    ],
)
def test_odd_queries_return_a_normal_page(app, db, client, restricted, query):
    response = client.get("/search", query_string={"q": query})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.count("<h1") == 1 and 'id="results-heading"' in html
    # Field syntax is not understood: the pending/sealed stories stay hidden.
    assert restricted[2] not in html


def test_long_query_is_capped_with_a_notice(client, restricted):
    html = client.get("/search", query_string={"q": "harbour " * 200}).get_data(as_text=True)
    assert "only its first part was used" in html
    assert len(result_ids(html)) == 1


def test_wildcard_and_field_syntax_are_plain_words(app, db, restricted):
    assert find(app, db, "harbo*").total == 0  # no prefix expansion
    assert find(app, db, "access:researchers").total == 0
    assert find(app, db, "status:approved").total == 0


# Results, pages, sorting, suggestions ---------------------------------------------


def test_results_are_paginated_and_sortable(app, db, client):
    from archive.outbox import searchable_changed

    made = []
    for day in range(1, 26):
        story_id = publish(db, title=f"Lantern {day}", body="The lantern festival by the river." + FILLER)
        # Spread the publication dates (a fixture shortcut), noted for the index like any change.
        with db.atomic():
            db["stories"].update(story_id, {"published": f"2024-01-{day:02d}"})
            searchable_changed(db, story_id)
        made.append(story_id)
    drain(app, db)
    first = find(app, db, "lantern", sort="date")
    assert first.total == 25 and first.pages == 2
    assert first.ids == list(reversed(made))[:20]
    assert find(app, db, "lantern", sort="date", page=2).ids == list(reversed(made))[20:]
    html = client.get("/search?q=lantern&page=2&sort=date").get_data(as_text=True)
    assert result_ids(html) == list(reversed(made))[20:]
    assert "Page 2 of 2" in html
    relevance = find(app, db, "lantern", page=1).ids + find(app, db, "lantern", page=2).ids
    assert sorted(relevance) == sorted(made)


def test_did_you_mean(app, db, client, multilingual):
    html = client.get("/search?q=grandmothr").get_data(as_text=True)
    assert 'id="did-you-mean"' in html and ">grandmother</a>" in html
    assert find(app, db, "grandmothr").did_you_mean == "grandmother"
    # A suggestion only from stories the viewer may read.
    publish(db, title="Hidden", body="Xylophonist memories." + FILLER, access="researchers")
    drain(app, db)
    assert find(app, db, "xylophonst").did_you_mean is None
    assert find(app, db, "xylophonst", level="researcher").did_you_mean == "xylophonist"


def test_snippets_are_escaped_and_content_notes_come_first(app, db, client):
    publish(
        db,
        title="Markup",
        body="<script>alert(1)</script> The tamarind tree in the yard." + FILLER,
        content_notes="family violence",
    )
    drain(app, db)
    html = client.get("/search?q=tamarind").get_data(as_text=True)
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    notes = html.index("family violence")
    assert notes < html.index("<mark>tamarind</mark>")
    assert "<details" in html[notes:]


def test_more_stories_like_this(app, db, client):
    base = publish(
        db, title="Mahjong", body="Mahjong tiles clacking, my aunties laughing, mahjong every night." + FILLER
    )
    like = publish(
        db, title="Tiles", body="Mahjong with my aunties taught me to count and to tease." + FILLER
    )
    hidden = publish(
        db, title="Hidden tiles", body="Mahjong mahjong aunties tiles." + FILLER, access="researchers"
    )
    drain(app, db)
    html = client.get(f"/stories/{base}").get_data(as_text=True)
    section = html.split('id="more-like-this-heading"')[1]
    assert f"/stories/{like}" in section and f"/stories/{hidden}" not in section
    assert f"/stories/{base}" not in section


def test_search_terms_are_not_logged_and_not_cached(client, restricted, caplog):
    caplog.set_level(logging.DEBUG)
    response = client.get("/search?q=harbour+zebrafinch")
    assert response.headers["Cache-Control"] == "no-store"
    assert "zebrafinch" not in caplog.text


def test_search_link_in_navigation(client):
    html = client.get("/").get_data(as_text=True)
    assert 'href="/search"' in html
    page = client.get("/search").get_data(as_text=True)
    assert '<label for="q">' in page and '<label for="sort">' in page


def test_facet_labels_keep_the_common_spelling(app, db):
    for heritage in (["Korean"], ["Korean"], ["korean"], ["Filipino, Ilocano"]):
        publish(db, title="Spelling", body="Spelling of tags in the archive." + FILLER, heritage=heritage)
    drain(app, db)
    values = {v.value: (v.label, v.count) for v in find(app, db, "spelling").facets["heritage"]}
    assert values["korean"] == ("Korean", 3)
    assert find(app, db, "spelling", filters={"heritage": ["KOREAN"]}).total == 3


def test_phrases_typed_with_cjk_or_curly_quotes_are_phrases(app, db):
    story_id = publish(db, title="Lanterns", body="We carried paper lanterns to the river." + FILLER)
    other = publish(db, title="Paper", body="The lanterns were red and the paper was thin." + FILLER)
    drain(app, db)
    for typed in ('"paper lanterns"', "“paper lanterns”", "「paper lanterns」", "『paper lanterns』"):
        assert find(app, db, typed).ids == [story_id], typed
    assert set(find(app, db, "paper lanterns").ids) == {story_id, other}
