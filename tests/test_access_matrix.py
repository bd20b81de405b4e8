"""Who sees what: every viewer against every access level and status, through real
requests to a real app with real accounts signed in through the login form.

Anything a viewer is not entitled to answers 404 (never 403), so that nobody can
tell a hidden story from one that never existed."""

import datetime
import io

import pytest

from app import create_app
from archive import curation
from archive.db import open_db
from archive.media import AudioUpload, PhotoUpload, add_media, list_media
from archive.workflows import withdraw_story
from tests import media_fixtures as mf
from tests.accounts import login, make_user, new_story
from tests.conftest import media_storage

VIEWERS = ("anonymous", "pending_researcher", "researcher", "curator", "admin")
ACCESS = ("public", "researchers", "sealed")
STATUSES = ("pending", "approved", "rejected", "withdrawn")

# Which access levels each viewer may read once a story is approved (and not embargoed).
READS_APPROVED = {
    "anonymous": {"public"},
    "pending_researcher": {"public"},
    "researcher": {"public", "researchers"},
    "curator": {"public", "researchers", "sealed"},
    "admin": {"public", "researchers", "sealed"},
}
# Who may read stories that are not approved (pending, rejected): curators and admins only.
SEES_UNPUBLISHED = {"curator", "admin"}


def expected(viewer, access, status):
    """The status code the story page must answer."""
    if status == "withdrawn":
        return 404
    if status == "approved":
        return 200 if access in READS_APPROVED[viewer] else 404
    return 200 if viewer in SEES_UNPUBLISHED else 404


def _days(n):
    return (datetime.date.today() + datetime.timedelta(days=n)).isoformat()


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """One archive with a story for every (access, status), plus embargoed ones, and a
    signed-in client for every viewer."""
    data = tmp_path_factory.mktemp("matrix")
    app = create_app({"TESTING": True, "DATA_DIR": str(data), "SECRET_KEY": "matrix"})
    db = open_db(app.config["DATABASE"])
    curator_id = make_user(db, "cura", "curator")
    make_user(db, "adam", "admin")
    make_user(db, "rita", "researcher")
    make_user(db, "penny", "researcher", status="pending")

    storage = media_storage(app)
    photo = mf.jpeg_with_metadata()
    recording = data / "voice.mp3"
    mf.mp3_with_tags(recording)

    def with_media(sid):
        # A photo and a recording, added through the media module as a contributor would.
        uploads = [
            PhotoUpload(stream=io.BytesIO(photo), alt_text="A paper lantern.", others_consent=True),
            AudioUpload(stream=io.BytesIO(recording.read_bytes()), filename="voice.mp3", voice_ack=True),
        ]
        add_media(db, storage, sid, uploads)
        items = {m["kind"]: m["id"] for m in list_media(db, sid)}
        return [
            f"/media/{items['photo']}/display",
            f"/media/{items['photo']}/thumb",
            f"/media/{items['audio']}/audio",
        ]

    stories, media_urls = {}, {}
    for access in ACCESS:
        for status in STATUSES:
            sid, _code = new_story(db, access=access, title=f"Story {access} {status}")
            media_urls[access, status] = with_media(sid)
            if status in ("approved", "withdrawn"):
                curation.approve(db, sid, curator_id)
            if status == "rejected":
                curation.reject(db, sid, curator_id, "Not for this archive.")
            if status == "withdrawn":
                with app.app_context():  # media files are deleted from the app's storage
                    withdraw_story(db, media_storage(app), sid)
            stories[access, status] = sid

    embargoed, embargoed_media = {}, {}
    for access in ACCESS:
        future, _ = new_story(db, access=access, embargo_until=_days(30), title=f"Embargo future {access}")
        ended, _ = new_story(db, access=access, embargo_until=_days(-2), title=f"Embargo ended {access}")
        released, _ = new_story(
            db, access=access, embargo_until=_days(-2), title=f"Embargo released {access}"
        )
        embargoed_media[access] = {"future": with_media(future), "released": with_media(released)}
        for sid in (future, ended, released):
            curation.approve(db, sid, curator_id)
        curation.release_embargo(db, released, curator_id)
        embargoed[access] = {"future": future, "ended": ended, "released": released}

    clients = {"anonymous": app.test_client()}
    for viewer, username in (
        ("pending_researcher", "penny"),
        ("researcher", "rita"),
        ("curator", "cura"),
        ("admin", "adam"),
    ):
        client = app.test_client()
        assert login(client, username).status_code == 302
        clients[viewer] = client
    yield {
        "app": app,
        "db": db,
        "stories": stories,
        "media": media_urls,
        "embargoed": embargoed,
        "embargoed_media": embargoed_media,
        "clients": clients,
    }
    db.close()


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("access", ACCESS)
@pytest.mark.parametrize("viewer", VIEWERS)
def test_story_page(world, viewer, access, status):
    story_id = world["stories"][access, status]
    response = world["clients"][viewer].get(f"/stories/{story_id}")
    assert response.status_code == expected(viewer, access, status)
    body = response.get_data(as_text=True)
    if response.status_code == 404:
        assert f"Story {access}" not in body
    else:
        assert f"Story {access} {status}" in body


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("access", ACCESS)
@pytest.mark.parametrize("viewer", VIEWERS)
def test_story_media(world, viewer, access, status):
    """Photos (display and thumbnail) and recordings answer exactly like their story page."""
    client = world["clients"][viewer]
    for url in world["media"][access, status]:
        response = client.get(url)
        assert response.status_code == expected(viewer, access, status), url
        if response.status_code == 200:
            assert response.mimetype in ("image/jpeg", "audio/mpeg")
            assert response.data


@pytest.mark.parametrize("access", ACCESS)
@pytest.mark.parametrize("viewer", VIEWERS)
def test_embargoed_story_page(world, viewer, access):
    """Curators only until a curator releases it after the embargo date; then by access level."""
    ids = world["embargoed"][access]
    client = world["clients"][viewer]
    curator = viewer in SEES_UNPUBLISHED
    assert client.get(f"/stories/{ids['future']}").status_code == (200 if curator else 404)
    assert client.get(f"/stories/{ids['ended']}").status_code == (200 if curator else 404)
    released = 200 if access in READS_APPROVED[viewer] else 404
    assert client.get(f"/stories/{ids['released']}").status_code == released
    media = world["embargoed_media"][access]
    for url in media["future"]:
        assert client.get(url).status_code == (200 if curator else 404), url
    for url in media["released"]:
        assert client.get(url).status_code == released, url


def test_guessed_id_is_404_for_everyone(world):
    for client in world["clients"].values():
        assert client.get("/stories/AAAAAAAAAAAAAAAA").status_code == 404


def test_theme_listing_follows_the_same_rule(world):
    """The theme page lists exactly the approved stories each viewer may read."""
    for viewer in VIEWERS:
        html = world["clients"][viewer].get("/themes/intergenerational-dialogue").get_data(as_text=True)
        for access in ACCESS:
            listed = f"Story {access} approved" in html
            # Theme pages list the published archive; curators see sealed stories there too.
            assert listed == (access in READS_APPROVED[viewer]), (viewer, access)
            assert f"Story {access} pending" not in html
            assert f"Embargo future {access}" not in html
