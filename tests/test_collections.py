"""Collections and story circles (issue 15, acceptance 1): a circle's link, its
stories joining on approval, pages and counts that respect access, the closing
date, the QR poster, the facet, the OAI-PMH set and the command line."""

import datetime
import re

import pytest

from archive import collections, curation
from archive.policy import PUBLIC, RESEARCHER
from tests.accounts import make_user, post_form, review_path
from tests.conftest import submit
from tests.dialogue_fixtures import decode_qr_svg, open_circle
from tests.search_fixtures import drain, find, publish
from tests.test_oai import NS, identifiers, oai


def count_on(html: str) -> str:
    return re.search(r'id="collection-count">([^<]+)<', html).group(1)


def test_a_story_sent_through_an_open_circle_joins_only_on_approval_and_shows_as_its_access_allows(
    app, client, db, curator
):
    # A curator opens a story circle on the web.
    response = post_form(
        curator,
        "/curate/collections",
        {
            "slug": "kitchen-table",
            "title": "Kitchen-table circle",
            "intro": "Elders and younger members met over dumplings.",
            "place": "Glasgow",
            "themes": ["intergenerational-dialogue"],
            "open_until": "2999-12-31",
            "listed": "y",
        },
    )
    assert response.status_code == 302
    # Its short link leads to the submission form for the circle.
    response = client.get("/c/kitchen-table")
    assert response.status_code == 303 and response.headers["Location"].endswith(
        "/submit?collection=kitchen-table"
    )
    form = client.get("/submit?collection=kitchen-table").get_data(as_text=True)
    assert "You are sharing your story in the story circle “Kitchen-table circle”" in form

    _, public_id, code = submit(client, title="Open to all", collection="kitchen-table")
    _, sealed_id, _ = submit(client, title="Hidden harbour", collection="kitchen-table", access="researchers")
    assert code and db["stories"].get(public_id)["offered_to"] == db["stories"].get(sealed_id)["offered_to"]

    # The curator queue marks both as sent through the circle; neither is in it yet.
    queue = curator.get("/curate").get_data(as_text=True)
    assert queue.count("Sent through the story circle “Kitchen-table circle”") == 2
    assert db["collection_stories"].count == 0
    assert count_on(client.get("/collections/kitchen-table").get_data(as_text=True)) == "0 stories"

    # Approval, in its own transaction, adds each to the collection.
    for story_id in (public_id, sealed_id):
        assert (
            post_form(curator, review_path(story_id, "approve"), token_from=review_path(story_id)).status_code
            == 302
        )
    assert {r["story_id"] for r in db["collection_stories"].rows} == {public_id, sealed_id}

    # A visitor sees the public story only, and a count that knows nothing else.
    page = client.get("/collections/kitchen-table").get_data(as_text=True)
    assert "Open to all" in page and "Hidden harbour" not in page
    assert count_on(page) == "1 story"
    listing = client.get("/collections").get_data(as_text=True)
    assert "1 story" in listing and "2 stories" not in listing
    # A researcher reads both.
    make_user(db, "reader", "researcher")
    from tests.accounts import login

    researcher = app.test_client()
    login(researcher, "reader")
    page = researcher.get("/collections/kitchen-table").get_data(as_text=True)
    assert "Hidden harbour" in page and count_on(page) == "2 stories"


def test_a_rejected_or_pending_offer_never_joins(client, db):
    open_circle(db)
    _, story_id, _ = submit(client, collection="kitchen-table")
    curation.reject(db, story_id, None, "Not for the archive.")
    assert db["collection_stories"].count == 0


def test_the_collection_facet_counts_only_what_the_viewer_may_read(app, client, db):
    circle = open_circle(db, title="Harbour, circle of elders")  # a comma in the label
    public = publish(db, title="Harbour public")
    sealed = publish(db, title="Harbour researchers", access="researchers")
    outside = publish(db, title="Harbour elsewhere")
    for story_id in (public, sealed):
        collections.add_story(db, circle, story_id, None)
    drain(app, db)

    values = find(app, db, "harbour", level=PUBLIC).facets["collection"]
    assert [(v.value, v.label, v.count) for v in values] == [
        ("kitchen-table", "Harbour, circle of elders", 1)
    ]
    assert find(app, db, "harbour", level=RESEARCHER).facets["collection"][0].count == 2
    chosen = find(app, db, "", level=PUBLIC, filters={"collection": ["kitchen-table"]})
    assert chosen.ids == [public]
    assert outside not in find(app, db, "", level=RESEARCHER, filters={"collection": ["kitchen-table"]}).ids
    # The search page and the API offer it too.
    html = client.get("/search?q=harbour").get_data(as_text=True)
    assert (
        "Harbour, circle of elders" in html
        and 'href="/search?q=harbour&amp;collection=kitchen-table"' in html
    )
    body = client.get("/api/v1/stories?collection=kitchen-table").get_json()
    assert [r["id"] for r in body["results"]] == [public]

    # Taking a story out reaches the index at once.
    collections.remove_story(db, circle, public, None)
    drain(app, db)
    assert find(app, db, "", level=PUBLIC, filters={"collection": ["kitchen-table"]}).total == 0


def test_an_unlisted_collection_is_seen_by_curators_only(app, client, db, curator):
    circle = open_circle(db, slug="in-preparation", listed=False)
    story_id = publish(db, title="Quiet lantern")
    collections.add_story(db, circle, story_id, None)
    drain(app, db)
    assert client.get("/collections/in-preparation").status_code == 404
    assert client.get("/c/in-preparation").status_code == 404
    assert "in-preparation" not in client.get("/collections").get_data(as_text=True)
    assert curator.get("/collections/in-preparation").status_code == 200
    assert find(app, db, "lantern").facets["collection"] == []
    assert "collection:in-preparation" not in oai(client, verb="ListSets").xpath(
        "//o:setSpec/text()", namespaces=NS
    )


def test_after_the_closing_day_the_link_says_the_circle_has_closed(client, db):
    yesterday = (datetime.date.today() - datetime.timedelta(days=1)).isoformat()
    circle = open_circle(db, open_until=datetime.date.today().isoformat())
    # Open on its last day...
    assert client.get("/c/kitchen-table").status_code == 303
    # ...a form opened then and sent after the circle closed: the story is kept, not offered.
    form_page = client.get("/submit?collection=kitchen-table")
    assert form_page.status_code == 200
    db["collections"].update(circle, {"open_until": yesterday})
    response, story_id, code = submit(client, collection="kitchen-table")
    assert response.status_code == 200 and code
    assert "The story circle had closed, so your story was received on its own." in response.get_data(
        as_text=True
    )
    assert db["stories"].get(story_id)["offered_to"] is None

    for path in ("/c/kitchen-table", "/submit?collection=kitchen-table"):
        response = client.get(path)
        html = response.get_data(as_text=True)
        assert response.status_code == 410
        assert "The story circle “Kitchen-table circle” has closed" in html
        # The day in the reader's language (English: "November 30, 2026").
        day = datetime.date.fromisoformat(yesterday)
        assert f"It took stories until {day:%B} {day.day}, {day.year}." in html
        assert 'href="/submit"' in html and "Leave this site" in html
    assert "QR" not in client.get("/collections/kitchen-table/poster").get_data(as_text=True)


def test_the_poster_qr_code_decodes_to_the_circle_link(tmp_path):
    from app import create_app
    from archive.db import open_db

    app = create_app(
        {
            "TESTING": True,
            "DATA_DIR": str(tmp_path / "data"),
            "SECRET_KEY": "t",
            "SITE_URL": "https://crossings.example",
        }
    )
    db = open_db(app.config["DATABASE"])
    open_circle(db)
    db.close()
    html = app.test_client().get("/collections/kitchen-table/poster").get_data(as_text=True)
    svg = re.search(r"<svg.*?</svg>", html, re.S).group(0)
    assert decode_qr_svg(svg) == ["https://crossings.example/c/kitchen-table"]
    assert "https://crossings.example/c/kitchen-table" in html  # and as text, for typing
    assert "<script" not in svg and "http" not in svg.split("<title>")[0]  # drawn here, nothing fetched


def test_collections_are_an_oai_set_and_membership_reaches_harvesters(client, db):
    circle = open_circle(db, intro="Stories from one evening.")
    inside, outside = publish(db, title="Inside"), publish(db, title="Outside")
    collections.add_story(db, circle, inside, None)
    root = oai(client, verb="ListSets")
    assert "collection" in root.xpath("//o:setSpec/text()", namespaces=NS)
    assert root.xpath("//o:set[o:setSpec='collection:kitchen-table']/o:setName/text()", namespaces=NS) == [
        "Kitchen-table circle"
    ]
    listed = oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc", set="collection:kitchen-table")
    assert identifiers(listed) == [inside]
    assert outside in identifiers(oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc"))

    collections.remove_story(db, circle, inside, None)
    root = oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc", set="collection:kitchen-table")
    assert root.xpath("o:error/@code", namespaces=NS) == ["noRecordsMatch"]


def test_curators_arrange_stories_with_notes_and_add_only_approved_ones(client, db, curator):
    circle = open_circle(db)
    first, second = publish(db, title="First told"), publish(db, title="Second told")
    pending_id = submit(client, title="Still pending")[1]
    for story_id in (first, second):
        response = post_form(
            curator,
            "/curate/collections/kitchen-table/add",
            {"story": f"http://x/stories/{story_id}"},
            token_from="/curate/collections/kitchen-table",
        )
        assert response.status_code == 302
    refused = post_form(
        curator,
        "/curate/collections/kitchen-table/add",
        {"story": pending_id},
        token_from="/curate/collections/kitchen-table",
    )
    assert refused.status_code == 400
    assert "Only an approved story can be added to a collection." in refused.get_data(as_text=True)
    # Put the second first, with a note.
    data = {
        "members-0-story_id": first,
        "members-0-position": "2",
        "members-0-note": "",
        "members-1-story_id": second,
        "members-1-position": "1",
        "members-1-note": "Told by the eldest.",
    }
    assert (
        post_form(
            curator,
            "/curate/collections/kitchen-table/arrange",
            data,
            token_from="/curate/collections/kitchen-table",
        ).status_code
        == 302
    )
    page = client.get("/collections/kitchen-table").get_data(as_text=True)
    assert page.index("Second told") < page.index("First told")
    assert "Curator’s note: Told by the eldest." in page
    assert db["collection_stories"].count_where("collection_id = ?", [circle]) == 2


def test_the_collections_command_creates_and_lists(runner, db):
    result = runner.invoke(
        args=[
            "collections",
            "create",
            "spring-workshop",
            "--title",
            "Spring workshop",
            "--open-until",
            "2999-05-01",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "Created the collection spring-workshop." in result.output
    assert "/c/spring-workshop until 2999-05-01" in result.output
    runner.invoke(
        args=["collections", "create", "archive-2019", "--title", "From 2019", "--intro", "Old ones."]
    )
    listing = runner.invoke(args=["collections", "list"]).output.splitlines()
    assert listing == [
        "spring-workshop\t0 stories\topen until 2999-05-01\tSpring workshop",
        "archive-2019\t0 stories\tclosed\tFrom 2019",
    ]
    again = runner.invoke(args=["collections", "create", "spring-workshop", "--title", "Again"])
    assert again.exit_code != 0 and "exists already" in again.output
    bad = runner.invoke(args=["collections", "create", "Not A Slug", "--title", "x"])
    assert bad.exit_code != 0 and db["collections"].count == 2


@pytest.mark.parametrize("slug", ["no-such-circle", "x" * 300])
def test_an_unknown_circle_is_404(client, slug):
    assert client.get(f"/c/{slug}").status_code == 404
    assert client.get(f"/submit?collection={slug}").status_code == 404
    assert client.get(f"/collections/{slug}/poster").status_code == 404
