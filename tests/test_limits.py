"""Limits that match the fields: a text over its limit comes back to the form with
the field's own message and what was typed kept; only a far larger one meets the
"too large" page, which names the real cause."""

import html as html_module
import io

from archive import media
from stories import limits
from stories.contribute.forms import SubmitStoryForm
from tests import media_fixtures as mf
from tests.conftest import csrf_token, post_my_story, sent, submission, submit

CJK = "我在香港長大，家人來自很多地方。"  # 16 characters, 48 bytes of UTF-8


def cjk(chars):
    return (CJK * (chars // len(CJK) + 1))[:chars]


def post(client, data, path="/submit"):
    """Send ``data`` as multipart (as a browser sends the submission form, here with
    an empty photo slot); returns (status, page). The response is closed: the test
    client keeps a body over 500 KB in a temporary file until then."""
    data = {"photo1": (io.BytesIO(b""), ""), **data}
    response = sent(client.post(path, data=data, content_type="multipart/form-data"))
    return response.status_code, response.get_data(as_text=True)


def test_the_form_limits_come_from_the_fields(app):
    assert app.config["MAX_FORM_MEMORY_SIZE"] == media.MAX_TRANSCRIPT * 4
    # Every field of the largest form, one part per theme and per language, and a few hidden inputs.
    assert 60 <= app.config["MAX_FORM_PARTS"] == limits.form_parts(SubmitStoryForm) < 150


def test_a_600_kb_story_gets_the_fields_message_with_the_text_kept(client, db):
    text = "My grandmother's kitchen. " * 24_000  # 624,000 characters
    status, html = post(client, submission(csrf_token(client), body=text))
    assert status == 400
    assert "Stories can be up to 100000 characters. Please shorten it." in html
    assert 'href="#body"' in html
    assert text.strip() in html_module.unescape(html)  # what was typed is still in the form
    assert db["stories"].count == 0


def test_a_170000_character_cjk_transcript_reaches_the_form_and_is_kept(client, db, tmp_path):
    transcript = cjk(170_000)  # 510,000 bytes: over Flask's default per-field limit
    status, html = post(client, submission(csrf_token(client), audio1_transcript=transcript))
    assert status == 400
    assert "Please choose the file for recording 1, or clear its transcript." in html
    assert transcript in html
    # With its recording, the same transcript is simply accepted.
    source = tmp_path / "voice.mp3"
    mf.mp3_with_tags(source)
    fields = mf.audio_fields(1, source.read_bytes(), "voice.mp3", transcript=transcript)
    _response, story_id, code = submit(client, **fields)
    assert code and media.list_media(db, story_id)[0]["transcript"] == transcript


def test_a_transcript_over_its_limit_gets_the_fields_message(client, db, tmp_path):
    source = tmp_path / "voice.mp3"
    mf.mp3_with_tags(source)
    transcript = cjk(media.MAX_TRANSCRIPT + 10_000)
    fields = mf.audio_fields(1, source.read_bytes(), "voice.mp3", transcript=transcript)
    status, html = post(client, submission(csrf_token(client), **fields))
    assert status == 400
    assert "Transcripts can be up to 200000 characters." in html and transcript in html
    assert db["stories"].count == 0


def test_a_far_larger_text_gets_a_too_large_page_about_text_not_files(client, db):
    status, html = post(client, submission(csrf_token(client), body="x" * (limits.MAX_FORM_MEMORY_SIZE + 1)))
    assert status == 413
    assert "One of the text boxes held far more than we can keep" in html
    assert "100,000" in html and "20 MB" not in html
    assert db["stories"].count == 0


def test_a_plain_form_body_is_limited_too(client, db):
    _response, _story_id, code = submit(client)
    with post_my_story(
        client, code, "edit", title="T", body="x" * (limits.URLENCODED_MAX_BYTES + 1)
    ) as response:
        assert response.status_code == 413
        assert "One of the text boxes" in response.get_data(as_text=True)
    # A story's own limit in an edit still gets the field's message.
    with post_my_story(
        client, code, "edit", title="T", body="y" * 150_000, themes=["safe-spaces"]
    ) as response:
        assert "Stories can be up to 100000 characters" in response.get_data(as_text=True)
