"""Curation and media: approval waits for alt text on every photo; curators see media
with their alt texts and can write a missing one."""

import io
import re

import pytest

from archive.media import AudioUpload, PhotoUpload, add_media, list_media, set_alt_text
from stories.curate.forms import MediaDescriptionForm, media_form_prefix
from tests import media_fixtures as mf
from tests.accounts import new_story, post_form, review_path
from tests.conftest import csrf_token, media_storage


@pytest.fixture
def story_with_photo(app, db, tmp_path):
    """A pending public story with a described photo, an undescribed one and a recording."""
    story_id, _ = new_story(db, title="Lantern photos")
    recording = tmp_path / "voice.mp3"
    mf.mp3_with_tags(recording)
    uploads = [
        PhotoUpload(
            stream=io.BytesIO(mf.jpeg_with_metadata()), alt_text="A red lantern.", others_consent=True
        ),
        PhotoUpload(
            stream=io.BytesIO(mf.jpeg_with_metadata()), alt_text="Will be cleared.", others_consent=True
        ),
        AudioUpload(
            stream=io.BytesIO(recording.read_bytes()),
            filename="voice.mp3",
            transcript="We lit the lanterns at dusk.",
            voice_ack=True,
        ),
    ]
    add_media(db, media_storage(app), story_id, uploads)
    photos = list_media(db, story_id, kind="photo")
    set_alt_text(db, photos[1]["id"], "")  # as a contributor clearing it would
    return story_id, photos[0]["id"], photos[1]["id"]


def test_approval_is_refused_while_a_photo_lacks_alt_text(app, db, curator, story_with_photo):
    story_id, described, bare = story_with_photo
    review = curator.get(review_path(story_id))
    html = review.get_data(as_text=True)
    assert "A red lantern." in html
    assert "missing: the story cannot be approved" in html
    assert "We lit the lanterns at dusk." in html
    assert f"/media/{described}/display" in html
    assert "Every photo needs alt text" in html  # warned before trying

    response = post_form(curator, review_path(story_id, "approve"), token_from=review_path(story_id))
    assert response.status_code == 400
    assert "Every photo needs alt text" in response.get_data(as_text=True)
    assert db["stories"].get(story_id)["status"] == "pending"
    assert not db["audit_log"].count_where("action = 'approve'")

    # Whitespace is not a description.
    token = csrf_token(curator, review_path(story_id))
    prefix = f"m-{bare}"
    curator.post(
        review_path(story_id, f"media/{bare}"),
        data={"csrf_token": token, f"{prefix}-media_id": bare, f"{prefix}-alt_text": "   "},
    )
    assert (
        post_form(curator, review_path(story_id, "approve"), token_from=review_path(story_id)).status_code
        == 400
    )

    # The curator writes the missing alt text; now the story can be approved.
    response = curator.post(
        review_path(story_id, f"media/{bare}"),
        data={
            "csrf_token": token,
            f"{prefix}-media_id": bare,
            f"{prefix}-alt_text": "Two hands holding a lantern.",
        },
    )
    assert response.status_code == 302
    assert db["media"].get(bare)["alt_text"] == "Two hands holding a lantern."
    assert (
        post_form(curator, review_path(story_id, "approve"), token_from=review_path(story_id)).status_code
        == 302
    )
    assert db["stories"].get(story_id)["status"] == "approved"

    reader = app.test_client()
    page = reader.get(f"/stories/{story_id}").get_data(as_text=True)
    assert 'alt="Two hands holding a lantern."' in page
    assert reader.get(f"/media/{bare}/display").status_code == 200


def test_curators_cannot_describe_media_of_another_story(db, curator, story_with_photo):
    _story_id, described, _bare = story_with_photo
    other_id, _ = new_story(db, title="Another story")
    token = csrf_token(curator, review_path(other_id))
    response = curator.post(
        review_path(other_id, f"media/{described}"),
        data={
            "csrf_token": token,
            f"m-{described}-media_id": described,
            f"m-{described}-alt_text": "Hijacked",
        },
    )
    assert response.status_code == 404
    assert db["media"].get(described)["alt_text"] == "A red lantern."


def test_review_page_with_media_has_one_h1_and_unique_field_ids(curator, story_with_photo):
    story_id, *_ = story_with_photo
    html = curator.get(review_path(story_id)).get_data(as_text=True)
    assert html.count("<h1") == 1
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert sorted(i for i in set(ids) if ids.count(i) > 1) == []


@pytest.mark.parametrize("media_id", ["s3O2jdsWB6cyRFNq", "s3O2jdsWB6cyRFN-", "s3O2jdsWB6cyRFN_"])
def test_media_form_fields_are_named_alike_whatever_the_id_ends_with(app, media_id):
    # WTForms adds no "-" after a prefix that already ends with "-" or "_": ids
    # ending so once named their fields differently from every other id.
    with app.test_request_context("/"):
        form = MediaDescriptionForm(formdata=None, prefix=media_form_prefix(media_id))
        assert form.alt_text.name == f"m-{media_id}-alt_text"
        assert form.media_id.name == f"m-{media_id}-media_id"
