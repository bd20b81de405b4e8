"""Media is served only to those who may see its story, with safe headers and Range support."""

import re

import pytest

from archive.curation import approve
from archive.media import list_media
from archive.stories import narrow_access
from stories.resources import get_storage
from tests import media_fixtures as mf
from tests.conftest import submit


@pytest.fixture
def story_with_media(client, db, tmp_path):
    """A submitted (pending) public story with one photo and one MP3 with a WebVTT transcript."""
    source = tmp_path / "interview.mp3"
    mf.mp3_with_tags(source)
    fields = {
        **mf.photo_fields(1, mf.jpeg_with_metadata(), alt="Two people under a paper lantern."),
        **mf.audio_fields(1, source.read_bytes(), "interview.mp3", vtt=mf.WEBVTT),
    }
    response, story_id, code = submit(client, **fields)
    assert response.status_code == 200
    items = {m["kind"]: m for m in list_media(db, story_id)}
    return story_id, code, items["photo"]["id"], items["audio"]["id"]


def urls(photo_id, audio_id):
    return [
        f"/media/{photo_id}/display",
        f"/media/{photo_id}/thumb",
        f"/media/{audio_id}/audio",
        f"/media/{audio_id}/vtt",
    ]


def assert_media_headers(response):
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    csp = response.headers["Content-Security-Policy"]
    assert "sandbox" in csp and "default-src 'none'" in csp
    assert response.headers["Cross-Origin-Resource-Policy"] == "same-origin"
    # Kept only with revalidation (public) or not at all (restricted, or a signed-in viewer).
    assert response.headers["Cache-Control"] in ("private, no-cache", "no-store")


def test_pending_story_media_answers_404_to_the_public(client, story_with_media):
    _story_id, _code, photo_id, audio_id = story_with_media
    for url in urls(photo_id, audio_id):
        assert client.get(url).status_code == 404, url


def test_published_media_answers_200_with_the_right_headers(client, db, story_with_media):
    story_id, _code, photo_id, audio_id = story_with_media
    approve(db, story_id, None)
    expected = {"display": "image/jpeg", "thumb": "image/jpeg", "audio": "audio/mpeg", "vtt": "text/vtt"}
    for url in urls(photo_id, audio_id):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.mimetype == expected[url.rsplit("/", 1)[1]]
        assert_media_headers(response)
        assert response.data
    vtt = client.get(f"/media/{audio_id}/vtt").get_data(as_text=True)
    assert vtt.startswith("WEBVTT\n")
    assert "recorded by the contributor" not in vtt  # NOTE blocks are not kept
    assert "My grandmother's kitchen" in vtt and "<b>" not in vtt


def test_audio_range_request_gets_206_and_exactly_the_bytes_asked_for(app, client, db, story_with_media):
    story_id, _code, _photo_id, audio_id = story_with_media
    approve(db, story_id, None)
    recording = list_media(db, story_id, kind="audio")[0]
    key = recording["files"]["audio"]["storage_key"]
    with app.app_context(), get_storage().open(key) as fh:
        whole = fh.read()

    response = client.get(f"/media/{audio_id}/audio", headers={"Range": "bytes=0-99"})
    assert response.status_code == 206
    assert len(response.data) == 100 and response.data == whole[:100]
    assert response.headers["Content-Range"] == f"bytes 0-99/{len(whole)}"
    assert response.headers["Accept-Ranges"] == "bytes"
    assert_media_headers(response)

    middle = client.get(f"/media/{audio_id}/audio", headers={"Range": "bytes=1000-1999"})
    assert middle.status_code == 206 and middle.data == whole[1000:2000]

    full = client.get(f"/media/{audio_id}/audio")
    assert full.status_code == 200 and full.data == whole
    assert full.headers["Accept-Ranges"] == "bytes"

    beyond = client.get(f"/media/{audio_id}/audio", headers={"Range": f"bytes={len(whole) + 10}-"})
    assert beyond.status_code == 416


def test_etag_revalidation_answers_304(client, db, story_with_media):
    story_id, _code, photo_id, _audio_id = story_with_media
    approve(db, story_id, None)
    first = client.get(f"/media/{photo_id}/display")
    again = client.get(f"/media/{photo_id}/display", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_researchers_only_media_is_hidden_from_the_public_but_not_from_researchers(
    app, client, db, story_with_media
):
    from tests.accounts import login, make_user

    story_id, _code, photo_id, audio_id = story_with_media
    with app.test_request_context():
        narrow_access(db, story_id, "researchers", "consent text shown")
    approve(db, story_id, None)
    for url in urls(photo_id, audio_id):
        assert client.get(url).status_code == 404, url
    make_user(db, "rin", role="researcher")
    assert login(client, "rin").status_code == 302
    for url in urls(photo_id, audio_id):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_media_headers(response)


def test_curators_can_see_media_of_a_pending_story(client, db, story_with_media):
    from tests.accounts import login, make_user

    _story_id, _code, photo_id, audio_id = story_with_media
    make_user(db, "kai", role="curator")
    assert login(client, "kai").status_code == 302
    assert client.get(f"/media/{photo_id}/display").status_code == 200
    assert client.get(f"/media/{audio_id}/audio", headers={"Range": "bytes=0-99"}).status_code == 206


def test_unknown_ids_and_variants_answer_404(client, db, story_with_media):
    story_id, _code, photo_id, audio_id = story_with_media
    approve(db, story_id, None)
    for url in (
        "/media/not-an-id/display",
        f"/media/{photo_id}/audio",
        f"/media/{audio_id}/display",
        f"/media/{photo_id}/original",
        f"/media/{photo_id}/..%2f..%2fcrossings.db",
    ):
        assert client.get(url).status_code == 404, url


def test_story_page_shows_photo_player_and_transcript(client, db, story_with_media):
    story_id, _code, photo_id, audio_id = story_with_media
    approve(db, story_id, None)
    html = client.get(f"/stories/{story_id}").get_data(as_text=True)
    assert f'src="/media/{photo_id}/display"' in html
    assert 'alt="Two people under a paper lantern."' in html
    assert f'<audio controls preload="metadata" id="audio-{audio_id}" src="/media/{audio_id}/audio">' in html
    assert '<track kind="captions"' in html
    # Each cue is a link that works without JavaScript (a media fragment) and carries its start for the script.
    assert f'href="/media/{audio_id}/audio#t=0.800" data-start="0.800"' in html
    assert "smelled of ginger &amp; rain." in html
    assert "/static/js/transcript.js" in html
    assert html.count("<h1") == 1


def test_story_page_offers_the_display_photo_at_its_own_size(client, db, story_with_media):
    story_id, _code, photo_id, _audio_id = story_with_media
    approve(db, story_id, None)
    html = client.get(f"/stories/{story_id}").get_data(as_text=True)
    img = re.search(r"<img\b[^>]*>", html).group(0)
    # No srcset/sizes pair, which made the browser stretch a small photo to the slot width.
    assert "srcset" not in img and "sizes" not in img
    assert f'src="/media/{photo_id}/display"' in img
    assert 'width="120" height="80"' in img  # the display variant's own size


def test_typed_transcript_is_shown_when_there_are_no_cues(client, db, tmp_path):
    source = tmp_path / "a.wav"
    mf.wav_with_tags(source)
    response, story_id, _code = submit(
        client,
        **mf.audio_fields(1, source.read_bytes(), "a.wav", transcript="First line.\n\nSecond paragraph."),
    )
    approve(db, story_id, None)
    html = client.get(f"/stories/{story_id}").get_data(as_text=True)
    assert "<p>First line.</p>" in html and "<p>Second paragraph.</p>" in html
    assert "<audio controls" in html


def test_long_recordings_are_streamed_with_range_support(app, client, db, story_with_media):
    story_id, _code, _photo_id, audio_id = story_with_media
    approve(db, story_id, None)
    app.config["MEDIA_IN_MEMORY_BYTES"] = 0  # stream everything, as for a 200 MB recording
    with client.get(f"/media/{audio_id}/audio") as whole:
        assert whole.status_code == 200 and whole.is_streamed
        data = whole.get_data()
    with client.get(f"/media/{audio_id}/audio", headers={"Range": "bytes=0-99"}) as part:
        assert part.status_code == 206
        assert part.get_data() == data[:100]
        assert part.headers["Content-Range"] == f"bytes 0-99/{len(data)}"
        assert_media_headers(part)
