"""Contributors manage their media on /my-story; curators set alt text through the domain functions."""

import datetime
import re

import pytest

from archive import media
from archive.curation import approve, reject
from archive.errors import MediaError, StoryError
from tests import media_fixtures as mf
from tests.conftest import csrf_token, submit


@pytest.fixture
def submitted(client, db, tmp_path):
    source = tmp_path / "voice.wav"
    mf.wav_with_tags(source)
    fields = {
        **mf.photo_fields(1, mf.jpeg_with_metadata(), alt="A bowl of noodles.", caption="New year"),
        **mf.audio_fields(1, source.read_bytes(), "voice.wav", transcript="Hello from Ipoh."),
    }
    response, story_id, code = submit(client, **fields)
    assert response.status_code == 200
    items = {m["kind"]: m for m in media.list_media(db, story_id)}
    return story_id, code, items["photo"], items["audio"]


def media_post(client, code, **data):
    data = {"csrf_token": csrf_token(client, "/my-story"), "code": code, **data}
    return client.post("/my-story/media", data=data)


def open_story(client, code):
    return client.post("/my-story", data={"csrf_token": csrf_token(client, "/my-story"), "code": code})


def test_my_story_lists_media_with_editable_descriptions(client, submitted):
    _story_id, code, photo, audio = submitted
    html = open_story(client, code).get_data(as_text=True)
    assert "Your photos and recordings" in html
    assert f'<label for="alt-{photo["id"]}">' in html and "A bowl of noodles." in html
    assert f'<label for="transcript-{audio["id"]}">' in html and "Hello from Ipoh." in html


def test_contributor_edits_alt_text_caption_and_transcript(client, db, submitted):
    story_id, code, photo, audio = submitted
    response = media_post(
        client, code, action="describe", media_id=photo["id"], alt_text="Noodles in a blue bowl.", caption=""
    )
    assert response.status_code == 200 and "Your changes are saved." in response.get_data(as_text=True)
    updated = media.get_media(db, photo["id"])
    assert updated["alt_text"] == "Noodles in a blue bowl." and updated["caption"] is None
    media_post(client, code, action="describe", media_id=audio["id"], transcript="Hello from Penang.")
    assert media.get_media(db, audio["id"])["transcript"] == "Hello from Penang."
    assert db["audit_log"].count_where("action = 'media_edit' AND story_id = ?", [story_id]) >= 2


def test_contributor_deletes_a_photo_and_its_files(app, client, db, submitted):
    _story_id, code, photo, _audio = submitted
    keys = [f["storage_key"] for f in photo["files"].values()]
    refused = media_post(client, code, action="delete", media_id=photo["id"])
    assert "Please tick the box to confirm." in refused.get_data(as_text=True)
    assert media.get_media(db, photo["id"]) is not None
    response = media_post(client, code, action="delete", media_id=photo["id"], confirm="y")
    assert "has been deleted" in response.get_data(as_text=True)
    assert media.get_media(db, photo["id"]) is None
    assert db["media_files"].count_where("media_id = ?", [photo["id"]]) == 0
    remaining = mf.files_under(app.config["MEDIA_DIR"])
    assert len(remaining) == 1 and not any(k in name for k in keys for name in remaining)


def test_another_storys_media_cannot_be_touched_with_my_code(client, db, submitted, tmp_path):
    _story_id, _code, photo, _audio = submitted
    _r, _other_id, other_code = submit(client, title="Another story")
    media_post(client, other_code, action="delete", media_id=photo["id"], confirm="y")
    assert media.get_media(db, photo["id"]) is not None
    wrong = media_post(client, "WRONG-CODE", action="delete", media_id=photo["id"], confirm="y")
    assert "We could not find a story with that code" in wrong.get_data(as_text=True)
    assert media.get_media(db, photo["id"]) is not None


def test_media_is_fixed_once_approved(client, db, submitted):
    story_id, code, photo, _audio = submitted
    approve(db, story_id, None)
    response = media_post(client, code, action="describe", media_id=photo["id"], alt_text="Changed")
    assert "can no longer be changed" in response.get_data(as_text=True)
    assert media.get_media(db, photo["id"])["alt_text"] == "A bowl of noodles."
    html = open_story(client, code).get_data(as_text=True)
    assert f'id="alt-{photo["id"]}"' not in html and "A bowl of noodles." in html


def test_curators_set_alt_text_and_approval_waits_for_it(db, submitted):
    story_id, _code, photo, _audio = submitted
    media.set_alt_text(db, photo["id"], "   ", actor_id=None)
    assert media.photos_missing_alt_text(db, story_id) == [photo["id"]]
    with pytest.raises(StoryError):
        approve(db, story_id, None)
    media.set_alt_text(db, photo["id"], "A bowl of noodles on a red tablecloth.", actor_id=None)
    assert media.photos_missing_alt_text(db, story_id) == []
    approve(db, story_id, None)
    with pytest.raises(MediaError):
        media.set_alt_text(db, photo["id"], "x" * (media.MAX_ALT_TEXT + 1))
    with pytest.raises(MediaError):
        media.set_alt_text(db, "no-such-media", "text")


def test_add_media_respects_the_per_story_limit(app, db, submitted):
    from stories.resources import get_storage

    story_id, _code, _photo, _audio = submitted
    uploads = [
        media.PhotoUpload(
            stream=__import__("io").BytesIO(mf.jpeg_with_metadata()), alt_text="More", others_consent=True
        )
        for _ in range(5)
    ]
    with app.app_context():
        ids = media.add_media(db, get_storage(), story_id, uploads)
        assert len(ids) == 5
        with pytest.raises(MediaError):
            media.add_media(
                db,
                get_storage(),
                story_id,
                [
                    media.PhotoUpload(
                        stream=__import__("io").BytesIO(mf.jpeg_with_metadata()), others_consent=True
                    )
                ],
            )
    positions = [m["position"] for m in media.list_media(db, story_id)]
    assert positions == sorted(positions) and len(set(positions)) == 7


def test_contributor_adds_a_photo_while_pending(app, client, db, submitted):
    story_id, code, _photo, _audio = submitted
    html = open_story(client, code).get_data(as_text=True)
    assert '<label for="photo1">Photo to add</label>' in html
    data = {
        "csrf_token": csrf_token(client, "/my-story"),
        "code": code,
        **mf.photo_fields(1, mf.jpeg_with_metadata(orientation=6), alt="The harbour at dusk."),
    }
    response = client.post("/my-story/media/add", data=data)
    assert response.status_code == 200
    assert "Added." in response.get_data(as_text=True)
    photos = media.list_media(db, story_id, kind="photo")
    assert [p["alt_text"] for p in photos] == ["A bowl of noodles.", "The harbour at dusk."]
    assert (photos[1]["width"], photos[1]["height"]) == (80, 120)
    assert len(mf.files_under(app.config["MEDIA_DIR"])) == 5
    assert db["audit_log"].count_where("action = 'media_add' AND story_id = ?", [story_id]) == 1


def test_adding_a_refused_file_shows_the_reason_and_keeps_nothing(app, client, db, submitted):
    story_id, code, _photo, _audio = submitted
    before = mf.files_under(app.config["MEDIA_DIR"])
    data = {
        "csrf_token": csrf_token(client, "/my-story"),
        "code": code,
        **mf.photo_fields(1, mf.tiff_bytes()),
    }
    response = client.post("/my-story/media/add", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "TIFF images cannot be accepted" in html
    assert len(media.list_media(db, story_id, kind="photo")) == 1
    assert mf.files_under(app.config["MEDIA_DIR"]) == before
    empty = client.post(
        "/my-story/media/add", data={"csrf_token": csrf_token(client, "/my-story"), "code": code}
    )
    assert empty.status_code == 400 and "Please choose a photo or a recording to add." in empty.get_data(
        as_text=True
    )


def test_media_change_after_changes_requested_returns_the_story_to_the_queue(client, db, submitted):
    story_id, code, photo, _audio = submitted
    db["stories"].update(story_id, {"status": "changes_requested"})
    media_post(client, code, action="describe", media_id=photo["id"], alt_text="Better words.", caption="")
    assert db["stories"].get(story_id)["status"] == "pending"


def test_media_edits_note_the_story_for_search_in_the_same_transaction(app, db, submitted):
    story_id, _code, photo, audio = submitted
    with app.app_context():
        db.execute("DELETE FROM index_outbox")
        media.set_transcript(db, audio["id"], "Hello from Penang.")
        assert db["index_outbox"].count_where("story_id = ?", [story_id]) == 1
        media.set_alt_text(db, photo["id"], "Noodles.")
        assert db["index_outbox"].count_where("story_id = ?", [story_id]) == 2


def test_contributor_cannot_empty_a_photos_alt_text(client, db, submitted):
    story_id, code, photo, _audio = submitted
    before = db["audit_log"].count_where("action = 'media_edit'")
    for blank in ("", "   \n "):
        response = media_post(
            client, code, action="describe", media_id=photo["id"], alt_text=blank, caption="A new caption"
        )
        html = response.get_data(as_text=True)
        assert response.status_code == 400
        assert "Your changes are saved." not in html
        assert "Your change was not saved." in html
        # The error summary at the top of the photo's form links to its field, which carries the message.
        assert 'class="error-summary"' in html and f'href="#alt-{photo["id"]}"' in html
        assert f'<p class="field-error" id="alt-{photo["id"]}-error">Please describe the photo' in html
        assert f'aria-describedby="alt-{photo["id"]}-hint alt-{photo["id"]}-error"' in html
        assert 'value="A new caption"' in html  # what they typed is kept for the next try
        section = html.split('<section class="my-media"', 1)[1].split("</section>", 1)[0]
        ids = re.findall(r'\bid="([^"]+)"', section)
        assert html.count("<h1") == 1 and html.count('id="error-summary"') == 1 and len(ids) == len(set(ids))
    stored = media.get_media(db, photo["id"])
    assert (stored["alt_text"], stored["caption"]) == ("A bowl of noodles.", "New year")  # nothing saved
    assert db["audit_log"].count_where("action = 'media_edit'") == before
    approve(db, story_id, None)  # curators can still approve


def test_describe_photo_requires_alt_text_and_saves_both_or_nothing(db, submitted):
    _story_id, _code, photo, audio = submitted
    with pytest.raises(MediaError):
        media.describe_photo(db, photo["id"], "  ", "A caption")
    with pytest.raises(MediaError):
        media.describe_photo(db, photo["id"], "Fine words.", "x" * (media.MAX_CAPTION + 1))
    with pytest.raises(MediaError):
        media.describe_photo(db, audio["id"], "A recording is not a photo.", None)
    stored = media.get_media(db, photo["id"])
    assert (stored["alt_text"], stored["caption"]) == ("A bowl of noodles.", "New year")
    media.describe_photo(db, photo["id"], " Noodles in a blue bowl. ", "")
    stored = media.get_media(db, photo["id"])
    assert (stored["alt_text"], stored["caption"]) == ("Noodles in a blue bowl.", None)


def test_a_refused_delete_is_marked_at_its_checkbox(client, db, submitted):
    _story_id, code, photo, _audio = submitted
    response = media_post(client, code, action="delete", media_id=photo["id"])
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f'href="#delete-{photo["id"]}">Please tick the box to confirm.' in html
    assert f'aria-describedby="delete-{photo["id"]}-error"' in html
    assert media.get_media(db, photo["id"]) is not None


def audience(client, code):
    """The sentence about who can see the media, from /my-story."""
    html = open_story(client, code).get_data(as_text=True)
    match = re.search(r'<p class="hint" id="media-audience">(.*?)</p>', html, re.S)
    assert match, "no audience note on /my-story"
    return " ".join(match.group(1).split())


def story_with_photo(client, **overrides):
    _response, story_id, code = submit(client, **mf.photo_fields(1, mf.jpeg_with_metadata()), **overrides)
    return story_id, code


def test_who_sees_the_media_follows_the_status_and_access(app, client, db):
    public_id, public_code = story_with_photo(client)
    note = audience(client, public_code)
    assert "Only curators can see them until your story is published." in note
    assert "After that, anyone who reads the archive can see them." in note
    approve(db, public_id, None)
    note = audience(client, public_code)
    assert "Your story is published, so anyone who reads the archive can see them." in note
    assert "until" not in note  # the QA report: it still said "only once the story is published"

    researchers_id, researchers_code = story_with_photo(client, access="researchers")
    assert "After that, approved researchers can see them too." in audience(client, researchers_code)
    approve(db, researchers_id, None)
    note = audience(client, researchers_code)
    assert "published for approved researchers only, so only they and curators can see them" in note
    assert "anyone" not in note

    sealed_id, sealed_code = story_with_photo(client, access="sealed")
    sealed = "You chose that only curators may read your story, so only curators can see them."
    assert sealed in audience(client, sealed_code)
    approve(db, sealed_id, None)
    assert sealed in audience(client, sealed_code)

    rejected_id, rejected_code = story_with_photo(client)
    with app.test_request_context():
        reject(db, rejected_id, None, "Not for this archive.")
    assert "not accepted into the archive, so only curators can see them" in audience(client, rejected_code)


def test_who_sees_the_media_of_an_embargoed_story(client, db):
    until = (datetime.date.today() + datetime.timedelta(days=400)).isoformat()
    story_id, code = story_with_photo(client, embargo_until=until)
    note = audience(client, code)
    assert f"Only curators can see them until your story is published, and not before {until}." in note
    approve(db, story_id, None)
    note = audience(client, code)
    assert f"closed until curators review it after {until}; until then only curators can see them" in note
    assert "After that, anyone who reads the archive can see them." in note
    assert "is published, so anyone" not in note


def test_an_over_long_caption_is_refused_with_its_limit(client, db, submitted):
    _story_id, code, photo, _audio = submitted
    response = media_post(
        client, code, action="describe", media_id=photo["id"], alt_text="Fine.", caption="x" * 301
    )
    assert response.status_code == 400
    assert f'id="caption-{photo["id"]}-error">Captions can be up to 300 characters.' in response.get_data(
        as_text=True
    )
    assert media.get_media(db, photo["id"])["alt_text"] == "A bowl of noodles."
