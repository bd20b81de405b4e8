"""Recordings attached at submission: rebuilt from their audio frames, served with no
tag text, playing as long as the upload; odd but valid files accepted, bad ones
refused with a message that names the real problem."""

import io

import pytest

import search_index
from archive.audio import MAX_AUDIO_BYTES, process_audio
from archive.audio_check import leftovers
from archive.curation import approve
from archive.errors import MediaError
from archive.media import list_media
from archive.storage import LocalStorage
from tests import audio_fixtures as af
from tests import media_fixtures as mf
from tests.conftest import submit

MIMES = {
    "mp3": "audio/mpeg",
    "m4a": "audio/mp4",
    "ogg": "audio/ogg",
    "opus": "audio/ogg",
    "flac": "audio/flac",
}
MIMES.update(wav="audio/wav", aac="audio/aac")
# What ffprobe may still report about a stored copy: what the muxer itself writes.
ALLOWED_PROBE_TAGS = {
    "language",
    "handler_name",
    "vendor_id",
    "major_brand",
    "minor_version",
    "compatible_brands",
}


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """Every made recording, written once for this module."""
    folder = tmp_path_factory.mktemp("made")
    return {name: af.make(name, folder) for name in af.MADE}


def served_recording(client, db, source, filename):
    """Submit ``source`` through the form, approve the story, fetch the recording as the public would."""
    response, story_id, code = submit(client, **mf.audio_fields(1, source.read_bytes(), filename))
    assert response.status_code == 200 and code, response.get_data(as_text=True)
    approve(db, story_id, None)
    recording = list_media(db, story_id, kind="audio")[0]
    served = client.get(f"/media/{recording['id']}/audio")
    assert served.status_code == 200
    return served, recording


@pytest.mark.parametrize("name", list(af.MADE))
def test_served_copy_holds_no_tag_text_and_plays_as_long_as_the_upload(app, client, db, tmp_path, made, name):
    source = made[name]
    expected_seconds = af.MADE[name][1]
    if "chained" not in name:  # a chained Ogg keeps only its first link
        assert af.probe(source, strict=False)[0] == pytest.approx(expected_seconds, abs=0.05)
    if name != "mp3-leading-junk.mp3":
        assert af.marker_hits(source.read_bytes())  # the upload really carries marker text

    served, recording = served_recording(client, db, source, name)

    data = served.get_data()
    assert af.marker_hits(data) == []
    assert served.mimetype == MIMES[name.rsplit(".", 1)[1]]
    copy = tmp_path / f"served-{name}"
    copy.write_bytes(data)
    # Debian's ffprobe, not the libraries that wrote the copy, decodes all of it without an error.
    seconds, probed = af.probe(copy)
    assert seconds == pytest.approx(expected_seconds, abs=0.1)
    assert recording["duration"] == pytest.approx(expected_seconds, abs=0.1)
    assert probed.count(".codec_type=") == 1 and 'streams.stream.0.codec_type="audio"' in probed
    assert "chapters.chapter." not in probed
    tags = {line.split("=", 1)[0].rsplit(".", 1)[1] for line in probed.splitlines() if ".tags." in line}
    assert tags <= ALLOWED_PROBE_TAGS


@pytest.mark.parametrize(
    "name,kind,expected",
    [
        (
            "mp3-tagged.mp3",
            "mp3",
            ["ID3v2 tag at byte 0", "APEv2 tag", "Lyrics3 tag", "ID3v1 tag at the end"],
        ),
        ("mp3-leading-junk.mp3", "mp3", ["bytes that are not MPEG audio frames, at byte 0"]),
        ("mp3-trailing-junk.mp3", "mp3", ["bytes that are not MPEG audio frames, at byte"]),
        (
            "aac-tagged.aac",
            "adts",
            ["ID3v2 tag at byte 0", "APEv2 tag", "ID3v1 tag at the end", "not ADTS frames"],
        ),
        (
            "m4a-tagged.m4a",
            "mp4",
            [
                "b'udta' in moov",
                "b'tref' in trak",
                "(not sound)",
                "2 MP4 tracks",
                "a date in MP4 box b'mvhd'",
            ],
        ),
        ("vorbis-chained.ogg", "ogg", ["2 Ogg logical streams", "an Ogg comment header with comments"]),
        ("opus-chained.opus", "ogg", ["2 Ogg logical streams", "an Ogg comment header with comments"]),
        (
            "flac-tagged.flac",
            "flac",
            ["type 4", "type 6", "type 2", "padding block with content", "not a FLAC frame"],
        ),
        ("wav-tagged.wav", "wav", ["b'LIST'", "b'bext'", "b'iXML'", "b'id3 '"]),
        ("rf64.wav", "wav", ["not a RIFF/WAVE file"]),
    ],
)
def test_the_independent_check_finds_every_tag_place_in_the_uploads(made, name, kind, expected):
    found = "; ".join(leftovers(made[name], kind))
    for description in expected:
        assert description in found


def test_the_check_finds_a_trailing_id3v24_tag_in_an_otherwise_clean_mp3(made, tmp_path):
    storage = LocalStorage(tmp_path / "media")
    with open(made["mp3-leading-junk.mp3"], "rb") as fh:
        clean = process_audio(fh, "clean.mp3", storage.stage).file.path
    assert leftovers(clean, "mp3") == []
    tagged = tmp_path / "tagged.mp3"
    tagged.write_bytes(clean.read_bytes() + af._id3v24_with_footer(af.ID3V24_END_MARKER))
    assert "ID3v2 tag" in "; ".join(leftovers(tagged, "mp3"))


def test_mp4_free_space_must_be_zeroed(made, tmp_path):
    storage = LocalStorage(tmp_path / "media")
    with open(made["m4a-tagged.m4a"], "rb") as fh:
        stored = process_audio(fh, "memo.m4a", storage.stage).file.path
    data = stored.read_bytes()
    assert leftovers(stored, "mp4") == [] and b"udta" not in data
    free = data.index(b"free", data.index(b"moov"))  # the muxer's empty metadata, blanked
    changed = tmp_path / "changed.m4a"
    changed.write_bytes(data[: free + 4] + b"X" + data[free + 5 :])
    assert leftovers(changed, "mp4") == ["an MP4 'free' box with content"]


# --- refusals ------------------------------------------------------------------------------


def _cut(path, share: float) -> bytes:
    data = path.read_bytes()
    return data[: int(len(data) * share)]


def _scrambled(path, start: float, end: float, skip_header: int = 0) -> bytes:
    """The file with the bytes between two shares of its length replaced by noise."""
    import random

    data = bytearray(path.read_bytes())
    lo, hi = max(skip_header, int(len(data) * start)), int(len(data) * end)
    data[lo:hi] = random.Random(9).randbytes(hi - lo)
    return bytes(data)


def _plain(name, tmp_path, *codec_args, seconds=2.0):
    path = tmp_path / name
    af.tone(path, list(codec_args), seconds)
    return path


CUT_SHORT = "This recording seems to be cut off before its end"
DAMAGED = "Parts of this MP3 recording are damaged"


def _refusal_cases(tmp_path):
    mp3 = _plain("plain.mp3", tmp_path, "-c:a", "libmp3lame", "-b:a", "64k")
    flac = _plain("plain.flac", tmp_path, "-c:a", "flac")
    m4a = _plain("plain.m4a", tmp_path, "-c:a", "aac", "-movflags", "+faststart")
    wav = _plain("plain.wav", tmp_path, "-c:a", "pcm_s16le")
    ogg = _plain("plain.ogg", tmp_path, "-c:a", "libvorbis")
    webm = _plain("voice.webm", tmp_path, "-c:a", "libopus")
    speex = _plain("speex.ogg", tmp_path, "-c:a", "libspeex", "-ar", "16000")
    return {
        "empty": (b"", "voice.mp3", "This file is empty"),
        "jpeg named mp3": (mf.cover_art(), "voice.mp3", "This file is a photo (JPEG), not a recording"),
        "html named wav": (
            b"<!DOCTYPE html><html><body>hi</body></html>",
            "voice.wav",
            "This file is a web page",
        ),
        "text named mp3": (b"Dear diary, " * 400, "voice.mp3", "This file is a text file, not a recording"),
        "wav named mp3": (
            wav.read_bytes(),
            "voice.mp3",
            "This is a recording in WAV format, but its name ends in .mp3",
        ),
        "webm named ogg": (webm.read_bytes(), "voice.ogg", "This recording is in WebM/Matroska format"),
        "speex in ogg": (speex.read_bytes(), "voice.ogg", "This Ogg file holds a kind of audio we cannot"),
        "truncated mp3": (_cut(mp3, 0.6), "voice.mp3", CUT_SHORT),
        "truncated wav": (_cut(wav, 0.6), "voice.wav", CUT_SHORT),
        "truncated flac": (_cut(flac, 0.6), "voice.flac", CUT_SHORT),
        "truncated m4a": (_cut(m4a, 0.6), "voice.m4a", CUT_SHORT),
        "corrupted mp3 frames": (_scrambled(mp3, 0.3, 0.7), "voice.mp3", DAMAGED),
        "corrupted ogg pages": (_scrambled(ogg, 0.4, 0.6), "voice.ogg", "Parts of this Ogg recording"),
        "flac frames that do not decode": (_scrambled(flac, 0, 1, skip_header=100), "voice.flac", "no sound"),
    }


def test_bad_recordings_are_refused_with_a_message_naming_the_problem(app, client, db, tmp_path):
    for case, (data, filename, message) in _refusal_cases(tmp_path).items():
        response, _story_id, code = submit(client, **mf.audio_fields(1, data, filename))
        html = response.get_data(as_text=True)
        assert response.status_code == 400 and code is None, case
        assert message in html, case
        assert 'href="#audio1"' in html, case
    assert db["stories"].count == 0 and db["media"].count == 0
    assert mf.files_under(app.config["MEDIA_DIR"]) == []


def test_a_recording_over_three_hours_is_refused(tmp_path):
    # MPEG-2.5 layer III frames at 8 kbit/s and 8 kHz: 72 bytes, 72 ms of silence each.
    frame = bytes([0xFF, 0xE3, 0x18, 0xC4]) + bytes(68)
    data = frame * (3 * 3600 * 8000 // 576 + 100)
    storage = LocalStorage(tmp_path / "media")
    with pytest.raises(MediaError, match="up to 3 hours long"):
        process_audio(io.BytesIO(data), "long.mp3", storage.stage)
    assert mf.files_under(tmp_path / "media") == []


class Endless:
    """A stream of zeros that counts how much of it was read."""

    def __init__(self):
        self.read_bytes = 0

    def read(self, size):
        self.read_bytes += size
        return bytes(size)


def test_the_size_cap_stops_the_copy(tmp_path):
    storage = LocalStorage(tmp_path / "media")
    stream = Endless()
    with pytest.raises(MediaError, match="up to 200 MB"):
        process_audio(stream, "big.wav", storage.stage)
    assert stream.read_bytes <= MAX_AUDIO_BYTES + 1024 * 1024
    assert mf.files_under(tmp_path / "media") == []


@pytest.mark.parametrize(
    "maker,claimed",
    [(mf.wav_with_tags, "voice.mp3"), (mf.mp3_with_tags, "voice.wav"), (mf.flac_with_tags, "voice.mp3")],
)
def test_a_recording_must_be_the_type_its_name_claims(app, client, db, tmp_path, maker, claimed):
    source = tmp_path / "source"
    maker(source)
    response, _story_id, code = submit(client, **mf.audio_fields(1, source.read_bytes(), claimed))
    assert response.status_code == 400 and code is None
    assert "but its name ends in ." + claimed.rsplit(".", 1)[1] in response.get_data(as_text=True)
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


def test_refused_recording_leaves_no_staged_file(tmp_path):
    storage = LocalStorage(tmp_path / "media")
    with pytest.raises(MediaError):
        process_audio(io.BytesIO(b"OggS" + b"nothing to hear here" * 10), "voice.ogg", storage.stage)
    assert mf.files_under(tmp_path / "media") == []


def test_an_accepted_recording_leaves_only_its_rebuilt_copy_staged(tmp_path, made):
    storage = LocalStorage(tmp_path / "media")
    with open(made["wav-tagged.wav"], "rb") as fh:
        processed = process_audio(fh, "voice.wav", storage.stage)
    assert [processed.file.path.name] == [p.rsplit("/", 1)[-1] for p in mf.files_under(tmp_path / "media")]
    processed.discard()
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
    assert recording["voice_ack"] == 1
    # Once published, the story is found by words that only its transcript holds.
    approve(db, story_id, None)
    search_index.sync(db, index_dir=app.config["INDEX_DIR"])
    found = search_index.search(db, '"lantern festival"', index_dir=app.config["INDEX_DIR"])
    assert found.ids == [story_id]


def test_three_recordings_are_accepted(app, client, db, made):
    fields = {}
    for n in range(1, 4):
        fields.update(mf.audio_fields(n, made["wav-tagged.wav"].read_bytes(), f"part{n}.wav"))
    response, story_id, code = submit(client, **fields)
    assert response.status_code == 200 and code
    assert len(list_media(db, story_id, kind="audio")) == 3
    assert len(mf.files_under(app.config["MEDIA_DIR"])) == 3
