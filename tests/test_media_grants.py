"""A contributor sees their own photos and recordings on /my-story, served only to
the browser session in which the receipt code was entered, for a while."""

import re
import time

import pytest

from archive import grants
from archive.media import list_media
from tests import media_fixtures as mf
from tests.conftest import post_my_story, submit


@pytest.fixture
def own_story(client, db, tmp_path):
    source = tmp_path / "interview.mp3"
    mf.mp3_with_tags(source)
    fields = {
        **mf.photo_fields(1, mf.jpeg_with_metadata(), alt="Two people under a paper lantern."),
        **mf.audio_fields(1, source.read_bytes(), "interview.mp3"),
    }
    _response, story_id, code = submit(client, **fields)
    items = {m["kind"]: m["id"] for m in list_media(db, story_id)}
    return story_id, code, items["photo"], items["audio"]


def test_my_story_shows_the_contributors_photo_and_recording(app, client, own_story):
    _story_id, code, photo_id, audio_id = own_story
    contributor = app.test_client()
    assert contributor.get(f"/media/{photo_id}/thumb").status_code == 404
    html = post_my_story(contributor, code, "open").get_data(as_text=True)
    assert re.search(
        rf'<img class="my-thumb" src="/media/{photo_id}/thumb" [^>]*alt="Two people under a paper lantern.">',
        html,
    )
    assert f'<audio controls preload="metadata" src="/media/{audio_id}/audio"' in html
    for url in (f"/media/{photo_id}/thumb", f"/media/{photo_id}/display", f"/media/{audio_id}/audio"):
        response = contributor.get(url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "no-store"  # nothing of it stays in the browser
    # Nobody else: not another browser, not the same browser after its session ends.
    assert app.test_client().get(f"/media/{photo_id}/thumb").status_code == 404
    contributor.delete_cookie("session")
    assert contributor.get(f"/media/{photo_id}/thumb").status_code == 404


def test_a_grant_covers_one_story_and_ends(app, client, db, own_story):
    story_id, code, photo_id, _audio_id = own_story
    _r, other_id, other_code = submit(
        client, title="Another", **mf.photo_fields(1, mf.jpeg_with_metadata(), alt="A kite.")
    )
    other_photo = list_media(db, other_id)[0]["id"]
    contributor = app.test_client()
    post_my_story(contributor, code, "open")
    assert contributor.get(f"/media/{photo_id}/thumb").status_code == 200
    assert contributor.get(f"/media/{other_photo}/thumb").status_code == 404
    # The grant ends after its lifetime.
    db.execute("UPDATE media_grants SET expires = ?", [time.time() - 1])
    db.conn.commit()
    assert contributor.get(f"/media/{photo_id}/thumb").status_code == 404
    assert grants.purge_expired(db) == 1
    # Entering the other code moves the grant to that story alone.
    post_my_story(contributor, other_code, "open")
    assert contributor.get(f"/media/{other_photo}/thumb").status_code == 200
    assert contributor.get(f"/media/{photo_id}/thumb").status_code == 404
    assert db["media_grants"].count == 1


def test_withdrawal_ends_the_grant(app, client, db, own_story):
    _story_id, code, photo_id, _audio_id = own_story
    contributor = app.test_client()
    post_my_story(contributor, code, "open")
    post_my_story(contributor, code, "withdraw_confirm", confirm="y")
    assert db["media_grants"].count == 0
    assert contributor.get(f"/media/{photo_id}/thumb").status_code == 404


def test_only_the_tokens_hash_is_stored(app, db, own_story):
    story_id = own_story[0]
    token = grants.grant(db, story_id)
    row = db["media_grants"].rows.__next__()
    assert row["token_hash"] != token and len(row["token_hash"]) == 64
    assert grants.holds(db, token, story_id) and not grants.holds(db, "forged", story_id)
