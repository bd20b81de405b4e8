"""WebVTT captions: validated, cleaned, and turned into a searchable transcript."""

import pytest

from archive.errors import MediaError
from archive.media import list_media
from archive.webvtt import Cue, clock, parse_vtt, render_vtt, timestamp, transcript_text
from tests import media_fixtures as mf
from tests.conftest import submit


def test_parse_keeps_times_and_plain_text_only():
    cues = parse_vtt(mf.WEBVTT)
    assert cues == [
        Cue(0.0, 0.8, "My grandmother's kitchen"),
        Cue(0.8, 1.6, "smelled of ginger & rain."),
    ]


def test_render_round_trips_and_escapes():
    cues = [Cue(0, 1.5, "a < b & c"), Cue(3661.25, 3662, "later")]
    text = render_vtt(cues)
    assert text.startswith("WEBVTT\n\n00:00:00.000 --> 00:00:01.500\na &lt; b &amp; c\n")
    assert "01:01:01.250 --> 01:01:02.000" in text
    assert parse_vtt(text.encode()) == cues


def test_bom_crlf_and_hour_timestamps_are_accepted():
    data = "\ufeffWEBVTT\r\n\r\n01:00:00.000 --> 01:00:02.000\r\nHello\r\n".encode()
    assert parse_vtt(data) == [Cue(3600.0, 3602.0, "Hello")]


@pytest.mark.parametrize(
    "data,words",
    [
        (b"00:00.000 --> 00:01.000\nhi\n", "first line is WEBVTT"),
        (b"WEBVTT\n\n00:00 --> 00:01.000\nhi\n", "Line 3"),
        (b"WEBVTT\n\n00:02.000 --> 00:01.000\nhi\n", "must end after it starts"),
        (b"WEBVTT\n\n", "no cues"),
        (b"WEBVTT\n\n\xff\xfe\x00bad", "UTF-8"),
        (b"WEBVTT\n\nan identifier\nno timing here\n", "time line"),
        (b"WEBVTT\n\n" + b"x" * (1024 * 1024), "1 MB"),
    ],
)
def test_invalid_files_get_a_helpful_message(app, data, words):
    with app.test_request_context(), pytest.raises(MediaError) as caught:
        parse_vtt(data)
    with app.test_request_context():
        assert words in str(caught.value)


def test_helpers_format_times():
    assert timestamp(62.5) == "00:01:02.500"
    assert clock(62.5) == "1:02" and clock(3725) == "1:02:05"
    assert transcript_text([Cue(0, 1, "one"), Cue(1, 2, ""), Cue(2, 3, "two")]) == "one\ntwo"


def test_captions_file_becomes_the_transcript_when_none_is_typed(client, db, tmp_path):
    source = tmp_path / "a.mp3"
    mf.mp3_with_tags(source)
    response, story_id, _code = submit(
        client, **mf.audio_fields(1, source.read_bytes(), "a.mp3", vtt=mf.WEBVTT)
    )
    assert response.status_code == 200
    recording = list_media(db, story_id, kind="audio")[0]
    assert recording["transcript"] == "My grandmother's kitchen\nsmelled of ginger & rain."
    assert recording["vtt"].startswith("WEBVTT\n") and "NOTE" not in recording["vtt"]


def test_invalid_captions_file_is_refused_on_its_own_field(app, client, db, tmp_path):
    source = tmp_path / "a.mp3"
    mf.mp3_with_tags(source)
    fields = mf.audio_fields(1, source.read_bytes(), "a.mp3", vtt=b"not captions at all")
    response, _story_id, code = submit(client, **fields)
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and code is None
    assert 'href="#audio1_vtt"' in html and "first line is WEBVTT" in html
    assert db["stories"].count == 0
    assert mf.files_under(app.config["MEDIA_DIR"]) == []


def test_captions_without_a_recording_ask_for_the_recording(client, db):
    response, _story_id, code = submit(client, audio1_vtt=mf.upload(mf.WEBVTT, "captions.vtt"))
    assert response.status_code == 400 and code is None
    assert "Please choose the file for recording 1" in response.get_data(as_text=True)
