"""Reading: story pages, theme pages, the home page, and what answers 404."""

import search_index
from archive.curation import approve
from archive.workflows import withdraw_story
from tests.accounts import login, make_user
from tests.conftest import media_storage, submit


def test_pending_story_is_404_and_approved_public_story_is_shown(client, db):
    _, story_id, _ = submit(client, content_notes="grief", attribution="Magpie")
    assert client.get(f"/stories/{story_id}").status_code == 404
    approve(db, story_id, None)
    response = client.get(f"/stories/{story_id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Magpie" in html and "Crossings oral history archive" in html
    assert f"http://localhost/stories/{story_id}" in html
    # Content notes come before the text, which waits behind a disclosure.
    assert html.index("grief") < html.index("<details") < html.index("My grandmother")


def test_rejected_withdrawn_and_guessed_ids_are_404(app, client, db):
    _, rejected, _ = submit(client)
    db["stories"].update(rejected, {"status": "rejected"})
    _, withdrawn, _ = submit(client)
    withdraw_story(db, media_storage(app), withdrawn)
    for story_id in (rejected, withdrawn, "AAAAAAAAAAAAAAAA", "1", "../etc/passwd"):
        assert client.get(f"/stories/{story_id}").status_code == 404


def test_researchers_and_sealed_stories_are_not_public(client, db):
    for access in ("researchers", "sealed"):
        _, story_id, _ = submit(client, access=access)
        approve(db, story_id, None)
        assert client.get(f"/stories/{story_id}").status_code == 404


def test_embargoed_story_is_not_public_even_when_approved(client, db):
    _, story_id, _ = submit(client, embargo_until="2099-01-01")
    approve(db, story_id, None)
    assert client.get(f"/stories/{story_id}").status_code == 404


def test_story_text_is_escaped_and_paragraphs_kept(client, db):
    body = (
        "<script>alert(1)</script> first paragraph with enough words to pass.\n\n" + "Second paragraph. " * 6
    )
    _, story_id, _ = submit(client, body=body)
    approve(db, story_id, None)
    html = client.get(f"/stories/{story_id}").get_data(as_text=True)
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    assert html.count("<p>") >= 2


def test_theme_pages_list_published_stories_newest_first(client, db):
    ids = []
    for i in range(3):
        _, story_id, _ = submit(client, title=f"Story {i}", themes=["safe-spaces"])
        approve(db, story_id, None)
        db["stories"].update(story_id, {"published": f"2026-01-0{i + 1}"})
        ids.append(story_id)
    _, hidden, _ = submit(client, title="Hidden one", themes=["safe-spaces"])
    html = client.get("/themes/safe-spaces").get_data(as_text=True)
    assert html.index("Story 2") < html.index("Story 1") < html.index("Story 0")
    assert "Hidden one" not in html
    assert client.get("/themes/no-such-theme").status_code == 404
    assert client.get("/themes/safe-spaces?page=abc").status_code == 200


def test_themes_page_lists_seven_themes_with_descriptions(client):
    html = client.get("/themes").get_data(as_text=True)
    assert html.count('<li class="theme-card">') == 7
    assert "Grandparents, parents, children and elders" in html


def test_home_page_invites_and_lists_themes(client):
    html = client.get("/").get_data(as_text=True)
    assert "Share your story" in html and "Intergenerational dialogue" in html


def test_demo_load(runner, db):
    result = runner.invoke(args=["demo", "load", "--if-empty"])
    assert "Loaded 13 sample stories" in result.output
    assert db["stories"].count_where("status = 'approved'") == 13
    themes = {r["theme"] for r in db["story_themes"].rows}
    assert len(themes) == 7
    assert all(r["title"].startswith("Sample: ") for r in db["stories"].rows)
    result = runner.invoke(args=["demo", "load", "--if-empty"])
    assert "no samples loaded" in result.output
    assert db["stories"].count == 13
    # The sample story circle, its prompts and one answered pair, labelled as samples.
    assert [c["title"] for c in db["collections"].rows] == ["Sample: The kitchen-table story circle"]
    assert db["collection_stories"].count == 3 and db["prompts"].count == 2
    assert db["story_answers"].count == 1


def test_a_restricted_story_says_so_to_those_who_may_read_it(app, client, db, curator):
    stories = {}
    for access in ("public", "researchers", "sealed"):
        _, stories[access], _ = submit(client, access=access)
        approve(db, stories[access], None)
    make_user(db, "reader", "researcher")
    researcher = app.test_client()
    login(researcher, "reader")

    def notice(viewer, access):
        html = viewer.get(f"/stories/{stories[access]}").get_data(as_text=True)
        return 'id="restricted-notice"' in html, html

    assert notice(client, "public")[0] is False and notice(researcher, "public")[0] is False
    shown, html = notice(researcher, "researchers")
    assert shown and "Only approved researchers and curators can read this story." in html
    shown, html = notice(curator, "sealed")
    assert shown and "Only curators can read this story." in html


def test_sample_titles_are_framed_in_the_readers_language_everywhere_on_a_story_page(app, runner, db):
    runner.invoke(args=["demo", "load", "--if-empty"])
    search_index.sync(db, index_dir=app.config["INDEX_DIR"], timeout=10)  # for "more stories like this"
    story_id = next(db["stories"].rows_where("title = ?", ["Sample: Dumplings at the Lunar New Year table"]))[
        "id"
    ]
    html = (
        app.test_client()
        .get(f"/stories/{story_id}", headers={"Accept-Language": "ja"})
        .get_data(as_text=True)
    )
    assert "<title>サンプル：Dumplings at the Lunar New Year table" in html
    similar = html[html.index('id="more-like-this-heading"') :]
    assert "サンプル：" in similar and "Sample: " not in similar
