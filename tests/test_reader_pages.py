"""What a reader meets: the home page, theme cards with counts, story cards with
opening lines and thumbnails, publication order, and the content-notes gate."""

import re

import pytest

from archive.curation import approve
from archive.media import list_media
from tests import media_fixtures as mf
from tests.accounts import login, make_user, new_story
from tests.conftest import submit
from tests.search_fixtures import drain, find

OPENING = "Lanterns on the water every autumn, and my aunt telling me which one was mine. " * 2


def recent_ids(html):
    section = html.split('id="recent"', 1)[1].split("</section>", 1)[0]
    return re.findall(r'class="card-title"><a href="/stories/([^"]+)">', section)


def theme_card(html, slug):
    cards = html.split('id="theme-cards"', 1)[1]
    return cards.split(f'href="/themes/{slug}"', 1)[1].split("</li>", 1)[0]


def test_recently_published_puts_the_story_approved_a_moment_ago_first(app, client, db):
    # Same day, random ids: only the order of approval can put them right.
    stories = [new_story(db, title=f"Story {n}")[0] for n in range(5)]
    for story_id in (stories[3], stories[0], stories[4], stories[1], stories[2]):
        approve(db, story_id, None)
    expected = [stories[2], stories[1], stories[4], stories[0], stories[3]]
    assert recent_ids(client.get("/").get_data(as_text=True)) == expected
    drain(app, db)
    assert find(app, db, sort="date").ids == expected
    theme = client.get("/themes/intergenerational-dialogue").get_data(as_text=True)
    assert [theme.index(f"/stories/{sid}") for sid in expected] == sorted(
        theme.index(f"/stories/{sid}") for sid in expected
    )


def test_approved_again_after_unpublishing_keeps_its_place(db):
    from archive.curation import unpublish

    first, second = new_story(db)[0], new_story(db)[0]
    approve(db, first, None)
    approve(db, second, None)
    number = db["stories"].get(first)["published_seq"]
    unpublish(db, first, None)
    approve(db, first, None)
    assert db["stories"].get(first)["published_seq"] == number < db["stories"].get(second)["published_seq"]


def test_home_page_counts_respect_the_viewer(app, client, db):
    approve(db, new_story(db, title="Open one", themes=["safe-spaces"])[0], None)
    approve(db, new_story(db, title="For researchers", access="researchers", themes=["safe-spaces"])[0], None)
    new_story(db, title="Pending one", themes=["safe-spaces"])
    html = client.get("/").get_data(as_text=True)
    assert "1 story to read" in html
    assert "1 story" in theme_card(html, "safe-spaces")
    assert "For researchers" not in html and "Pending one" not in html
    make_user(db, "res", "researcher")
    researcher = app.test_client()
    login(researcher, "res")
    html = researcher.get("/").get_data(as_text=True)
    assert "2 stories to read" in html and "For researchers" in html
    themes = researcher.get("/themes").get_data(as_text=True)
    assert "2 stories" in theme_card(themes, "safe-spaces")


def test_cards_show_the_opening_lines_or_the_content_notes(client, db):
    approve(db, new_story(db, title="Lanterns", body=OPENING + "\n\nA second paragraph.")[0], None)
    approve(db, new_story(db, title="Hard one", body=OPENING, content_notes="family rejection")[0], None)
    html = client.get("/").get_data(as_text=True)
    lanterns = html.split(">Lanterns<", 1)[1].split("</article>", 1)[0]
    assert '<p class="opening" dir="auto">Lanterns on the water every autumn' in lanterns
    assert "A second paragraph" not in lanterns
    hard = html.split(">Hard one<", 1)[1].split("</article>", 1)[0]
    assert "family rejection" in hard and "Lanterns on the water" not in hard


@pytest.fixture
def photo_story(client, db):
    """A submitted story with one described photo; returns (story_id, photo_id, code)."""
    fields = mf.photo_fields(1, mf.jpeg_with_metadata(), alt="Two people under a paper lantern.")
    _response, story_id, code = submit(client, title="With a photo", **fields)
    return story_id, list_media(db, story_id)[0]["id"], code


def test_a_public_story_with_a_photo_gets_a_thumbnail_with_its_description(client, db, photo_story):
    story_id, photo_id, _code = photo_story
    assert f"/media/{photo_id}/thumb" not in client.get("/").get_data(as_text=True)  # pending
    approve(db, story_id, None)
    html = client.get("/").get_data(as_text=True)
    assert re.search(
        rf'<img class="thumb" src="/media/{photo_id}/thumb" width="\d+" height="\d+" loading="lazy" '
        r'alt="Two people under a paper lantern.">',
        html,
    )
    assert client.get(f"/media/{photo_id}/thumb").status_code == 200
    drain(client.application, db)
    search = client.get("/search").get_data(as_text=True)
    assert f"/media/{photo_id}/thumb" in search


def test_a_story_with_content_notes_gates_its_photos_and_recordings_too(client, db, tmp_path):
    source = tmp_path / "interview.mp3"
    mf.mp3_with_tags(source)
    fields = {
        **mf.photo_fields(1, mf.jpeg_with_metadata(), alt="A hospital corridor."),
        **mf.audio_fields(1, source.read_bytes(), "interview.mp3", transcript="What I said that night."),
    }
    _r, story_id, _code = submit(client, title="Gated", content_notes="hospital stay", **fields)
    approve(db, story_id, None)
    html = client.get(f"/stories/{story_id}").get_data(as_text=True)
    gate = html.split('<details class="story-text story-gate" id="story-gate">', 1)[1].split("</details>", 1)[
        0
    ]
    before = html.split('id="story-gate"', 1)[0]
    for part in ("/display", "<audio", "What I said that night.", '<div class="story-body" dir="auto">'):
        assert part in gate and part not in before, part
    assert 'preload="none" data-gated' in gate
    # No thumbnail in lists either: the photo waits behind the gate.
    assert "/thumb" not in client.get("/").get_data(as_text=True)
    drain(client.application, db)
    assert "/thumb" not in client.get("/search").get_data(as_text=True)


def test_the_migration_numbers_stories_already_published_and_reindexes_them(tmp_path):
    from archive.db import open_db
    from archive.migrations import migrate, migrations

    db = open_db(tmp_path / "old.db")
    migrations.apply(db, stop_before="m110_publication_order")
    stories = []
    for n, day in enumerate(("2025-03-02", "2025-03-01", "2025-03-02")):
        story_id = f"s{n}"
        db["stories"].insert({"id": story_id, "status": "approved", "title": story_id, "published": day})
        stories.append(story_id)
    db["stories"].insert({"id": "pending", "status": "pending", "title": "p"})
    db.conn.commit()
    assert "m110_publication_order" in migrate(db)
    numbers = {row["id"]: row["published_seq"] for row in db["stories"].rows}
    assert numbers == {"s1": 1, "s0": 2, "s2": 3, "pending": None}
    assert sorted(row["story_id"] for row in db["index_outbox"].rows) == sorted(stories)
    db.close()
