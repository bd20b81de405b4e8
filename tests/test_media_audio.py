"""Recordings attached at submission: parsed as the type they claim, stored with no tags."""

import io

import mutagen
import pytest
from mutagen.apev2 import APENoHeaderError, APEv2
from mutagen.id3 import ID3, ID3NoHeaderError

import search_index
from archive.audio import process_audio
from archive.curation import approve
from archive.errors import MediaError
from archive.media import list_media
from archive.storage import LocalStorage
from stories.resources import get_storage
from tests import media_fixtures as mf
from tests.conftest import submit


def stored_path(app, db, story_id, position=0):
    recording = list_media(db, story_id, kind="audio")[position]
    key = recording["files"]["audio"]["storage_key"]
    with app.app_context():
        storage = get_storage()
        assert storage.exists(key)
        return storage._path(key)


def assert_no_markers(data: bytes):
    for marker in (*mf.MARKERS, mf.LOCATION_MARKER):
        assert marker.encode() not in data, marker
    assert mf.cover_art() not in data


def test_mp3_with_id3_title_and_cover_art_is_stored_with_no_tags(app, client, db, tmp_path):
    source = tmp_path / "interview.mp3"
    mf.mp3_with_tags(source)
    original = mutagen.File(source)
    assert "TIT2" in original.tags and "APIC:cover" in original.tags  # the fixture is really tagged
    assert source.read_bytes()[-128:-125] == b"TAG"  # and has an ID3v1 tag too

    response, story_id, code = submit(client, **mf.audio_fields(1, source.read_bytes(), "interview.mp3"))
    assert response.status_code == 200 and code

    path = stored_path(app, db, story_id)
    reopened = mutagen.File(path)
    assert type(reopened).__name__ == "MP3"
    assert reopened.tags is None
    with pytest.raises(ID3NoHeaderError):
        ID3(path)
    with pytest.raises(APENoHeaderError):
        APEv2(path)
    data = path.read_bytes()
    assert not data.startswith(b"ID3") and data[-128:-125] != b"TAG"
    assert_no_markers(data)
    recording = list_media(db, story_id, kind="audio")[0]
    assert recording["duration"] == pytest.approx(2.0, abs=0.1)
    assert recording["files"]["audio"]["mime"] == "audio/mpeg"
    assert recording["voice_ack"] == 1


def test_wav_with_id3_list_info_and_bext_is_rebuilt_with_no_tags(app, client, db, tmp_path):
    source = tmp_path / "voice.wav"
    mf.wav_with_tags(source)
    assert b"LIST" in source.read_bytes() and b"bext" in source.read_bytes()
    response, story_id, code = submit(client, **mf.audio_fields(1, source.read_bytes(), "voice.wav"))
    assert response.status_code == 200 and code
    path = stored_path(app, db, story_id)
    reopened = mutagen.File(path)
    assert type(reopened).__name__ == "WAVE" and reopened.tags is None
    data = path.read_bytes()
    chunks = []
    pos = 12
    while pos < len(data):
        chunks.append(data[pos : pos + 4])
        pos += 8 + int.from_bytes(data[pos + 4 : pos + 8], "little")
    assert chunks == [b"fmt ", b"data"]
    assert_no_markers(data)
    assert list_media(db, story_id, kind="audio")[0]["duration"] == pytest.approx(1.0)


def test_text_file_named_mp3_is_refused_and_nothing_stored(app, client, db):
    response, story_id, code = submit(client, **mf.audio_fields(1, b"Dear diary, " * 400, "voice.mp3"))
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and code is None
    assert "This file is not a recording in MP3 format that we can read" in html
    assert 'href="#audio1"' in html
    assert db["stories"].count == 0 and db["media"].count == 0
    assert mf.files_under(app.config["MEDIA_DIR"]) == []


@pytest.mark.parametrize(
    "maker,claimed",
    [(mf.wav_with_tags, "voice.mp3"), (mf.mp3_with_tags, "voice.wav"), (mf.flac_with_tags, "voice.mp3")],
)
def test_a_recording_must_be_the_type_its_name_claims(app, client, db, tmp_path, maker, claimed):
    source = tmp_path / "source"
    maker(source)
    response, _story_id, code = submit(client, **mf.audio_fields(1, source.read_bytes(), claimed))
    assert response.status_code == 400 and code is None
    assert mf.files_under(app.config["MEDIA_DIR"]) == []


def test_unsupported_extension_is_refused_by_the_form(client, db):
    response, _story_id, code = submit(client, **mf.audio_fields(1, b"\x00" * 100, "voice.wma"))
    assert response.status_code == 400 and code is None
    assert "Recordings can be MP3, M4A, AAC, Ogg, Opus, FLAC or WAV files." in response.get_data(as_text=True)


def test_recording_needs_the_voice_acknowledgement(client, db, tmp_path):
    source = tmp_path / "a.mp3"
    mf.mp3_with_tags(source)
    fields = mf.audio_fields(1, source.read_bytes(), "a.mp3")
    del fields["audio1_voice"]
    response, _story_id, code = submit(client, **fields)
    assert response.status_code == 400 and code is None
    assert 'href="#audio1_voice"' in response.get_data(as_text=True)
    assert db["stories"].count == 0


@pytest.mark.parametrize(
    "maker,name,type_name",
    [
        (mf.flac_with_tags, "voice.flac", "FLAC"),
        (mf.opus_with_tags, "voice.opus", "OggOpus"),
        (mf.opus_with_tags, "voice.ogg", "OggOpus"),
        (mf.m4a_with_tags, "voice.m4a", "MP4"),
    ],
)
def test_flac_ogg_and_m4a_are_stripped_too(tmp_path, maker, name, type_name):
    source = tmp_path / name
    maker(source)
    assert mutagen.File(source).tags  # tagged before
    storage = LocalStorage(tmp_path / "media")
    with open(source, "rb") as fh:
        processed = process_audio(fh, name, storage.stage)
    reopened = mutagen.File(processed.file.path)
    assert type(reopened).__name__ == type_name
    assert not reopened.tags
    if type_name == "FLAC":
        assert reopened.pictures == []
        assert not processed.file.path.read_bytes().startswith(b"ID3")
    assert_no_markers(processed.file.path.read_bytes())
    assert processed.duration > 0


def test_m4a_keeps_its_samples_addressable_and_loses_its_dates(tmp_path):
    source = tmp_path / "memo.m4a"
    mf.m4a_with_tags(source)
    assert mf.MP4_DATE.to_bytes(4, "big") in source.read_bytes()
    storage = LocalStorage(tmp_path / "media")
    with open(source, "rb") as fh:
        processed = process_audio(fh, "memo.m4a", storage.stage)
    data = processed.file.path.read_bytes()
    offset = mf.mp4_chunk_offset(data)
    assert data[offset : offset + len(mf.MP4_SAMPLES)] == mf.MP4_SAMPLES
    assert mf.MP4_DATE.to_bytes(4, "big") not in data
    assert b"udta" not in data and b"covr" not in data


def test_refused_recording_leaves_no_staged_file(tmp_path):
    storage = LocalStorage(tmp_path / "media")
    with pytest.raises(MediaError):
        process_audio(io.BytesIO(b"nothing to hear here" * 10), "voice.ogg", storage.stage)
    assert mf.files_under(tmp_path / "media") == []


def test_transcript_is_stored_for_search(app, client, db, tmp_path):
    source = tmp_path / "a.mp3"
    mf.mp3_with_tags(source)
    response, story_id, _code = submit(
        client,
        **mf.audio_fields(1, source.read_bytes(), "a.mp3", transcript="We danced at the lantern festival."),
    )
    assert response.status_code == 200
    recording = list_media(db, story_id, kind="audio")[0]
    assert recording["transcript"] == "We danced at the lantern festival."
    # Once published, the story is found by words that only its transcript holds.
    approve(db, story_id, None)
    search_index.sync(db, index_dir=app.config["INDEX_DIR"])
    found = search_index.search(db, '"lantern festival"', index_dir=app.config["INDEX_DIR"])
    assert found.ids == [story_id]


def test_three_recordings_are_accepted(app, client, db, tmp_path):
    source = tmp_path / "a.wav"
    mf.wav_with_tags(source)
    fields = {}
    for n in range(1, 4):
        fields.update(mf.audio_fields(n, source.read_bytes(), f"part{n}.wav"))
    response, story_id, code = submit(client, **fields)
    assert response.status_code == 200 and code
    assert len(list_media(db, story_id, kind="audio")) == 3
    assert len(mf.files_under(app.config["MEDIA_DIR"])) == 3
