"""A corpus of broken and hostile uploads, made here in code, sent through the
submission form: each is refused with a message at its field, and nothing of the
submission is stored (no row, no file, no staged leftover)."""

import io
import zipfile

import pytest
from PIL import Image

from archive.storage import LocalStorage
from tests import media_fixtures as mf
from tests.conftest import submit

TABLES = ("stories", "media", "media_files", "consent_records", "story_themes", "index_outbox", "audit_log")


def _image(fmt: str, size=(320, 240)) -> bytes:
    out = io.BytesIO()
    im = Image.effect_noise(size, 64).convert("RGB")  # noise: every byte of the file matters
    im.save(out, format=fmt, **({"quality": 90} if fmt in ("JPEG", "WEBP") else {}))
    return out.getvalue()


def _corrupt(data: bytes, start: int, length: int) -> bytes:
    return data[:start] + bytes((b ^ 0xA5) for b in data[start : start + length]) + data[start + length :]


def _jpeg_without_frame_header() -> bytes:
    data = _image("JPEG")
    sof = data.index(b"\xff\xc0")
    return data[:sof] + b"\xff\xc0\x00\x02" + data[sof + 4 :]  # a start-of-frame too short to hold one


def _png_with_bad_crc() -> bytes:
    data = bytearray(_image("PNG"))
    ihdr_crc = 8 + 8 + 13  # signature, length + type, IHDR data
    data[ihdr_crc] ^= 0xFF
    return bytes(data)


def _zip_bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("inner.bin", b"\x00" * (20 * 1024 * 1024))  # 20 MB of zeros in about 20 KB
    return out.getvalue()


def _html_then_jpeg() -> bytes:
    return b"<html><body><script>alert(document.cookie)</script></body></html>\n" + _image("JPEG")


def _mp3_with_corrupt_frames() -> bytes:
    frames = bytearray(mf.silent_mp3_frames(2.0))
    for offset in range(0, len(frames), 417):  # every frame's sync word broken
        frames[offset : offset + 2] = b"\x00\x00"
    return b"ID3\x03\x00\x00\x00\x00\x00\x00" + bytes(frames)


PHOTOS = {
    "truncated JPEG": (mf.truncated_jpeg, "photo.jpg"),
    "JPEG with a broken frame header": (_jpeg_without_frame_header, "photo.jpg"),
    "truncated PNG": (lambda: _image("PNG")[: len(_image("PNG")) // 2], "photo.png"),
    "PNG with a corrupted checksum": (_png_with_bad_crc, "photo.png"),
    "truncated WebP": (lambda: _image("WEBP")[:200], "photo.webp"),
    # RIFF header (12 bytes), VP8 chunk header (8), frame tag (3), then the start code and size.
    "WebP with a corrupted frame header": (lambda: _corrupt(_image("WEBP"), 23, 7), "photo.webp"),
    "zip bomb renamed .png": (_zip_bomb, "photo.png"),
    "PNG declaring 100,000 x 100,000 pixels": (lambda: mf.png_declaring(100_000, 100_000), "photo.png"),
    "HTML page with a JPEG after it": (_html_then_jpeg, "photo.jpg"),
    "zero-byte photo": (lambda: b"", "photo.jpg"),
    "a recording sent as a photo": (mf.silent_mp3_frames, "photo.jpg"),
}
RECORDINGS = {
    "MP3 whose frames are all corrupt": (_mp3_with_corrupt_frames, "voice.mp3"),
    "zero-byte recording": (lambda: b"", "voice.mp3"),
    "a photo sent as a recording": (lambda: _image("JPEG"), "voice.mp3"),
    "random bytes as FLAC": (lambda: bytes(range(256)) * 40, "voice.flac"),
}


def _assert_nothing_stored(app, db):
    for table in TABLES:
        assert db[table].count == 0, table
    assert mf.files_under(app.config["MEDIA_DIR"]) == []
    assert list(LocalStorage(app.config["MEDIA_DIR"]).staged_files()) == []


def _field_error(html: str, field: str) -> str:
    """The error text shown at ``field`` (the form marks it with aria-describedby)."""
    start = html.find(f'id="{field}-error"')
    assert start != -1, f"no error at {field}"
    return html[start : html.find("</", start)]


CORPUS = {
    **{name: (make, filename, "photo1", mf.photo_fields) for name, (make, filename) in PHOTOS.items()},
    **{name: (make, filename, "audio1", mf.audio_fields) for name, (make, filename) in RECORDINGS.items()},
}
# Words one of which the message at the field must use.
_SAYS = {"photo1": ("photo", "JPEG", "file", "image"), "audio1": ("recording", "Recording", "audio", "file")}


@pytest.mark.parametrize("name", list(CORPUS))
def test_a_broken_upload_is_refused_with_a_message_and_nothing_is_kept(app, client, db, name):
    make, filename, field, fields = CORPUS[name]
    response, _story_id, code = submit(client, **fields(1, make(), filename))
    assert response.status_code == 400 and code is None
    message = _field_error(response.get_data(as_text=True), field)
    assert any(word in message for word in _SAYS[field]), message
    _assert_nothing_stored(app, db)


def test_html_after_a_jpeg_never_reaches_the_stored_copy(app, client, db):
    """A JPEG with a page appended is a real photo: it is taken, and the stored copy
    is rebuilt from its pixels, so the page is not in it."""
    from archive import media

    data = _image("JPEG") + b"<html><script>alert(1)</script></html>"
    response, story_id, code = submit(client, **mf.photo_fields(1, data, "photo.jpg"))
    assert response.status_code == 200 and code
    storage = LocalStorage(app.config["MEDIA_DIR"])
    for key in media.story_file_keys(db, story_id):
        with storage.open(key) as fh:
            stored = fh.read()
        assert b"<html" not in stored and b"script" not in stored
