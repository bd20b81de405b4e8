"""Photos attached at submission are rebuilt from pixels: nothing that identifies survives."""

import io

import pytest
from PIL import Image

from archive.media import list_media
from stories.resources import get_storage
from tests import media_fixtures as mf
from tests.conftest import submit


def stored_bytes(app, db, story_id, variant="display", position=0):
    photo = list_media(db, story_id, kind="photo")[position]
    key = photo["files"][variant]["storage_key"]
    with app.app_context(), get_storage().open(key) as fh:
        return fh.read()


def test_jpeg_with_gps_xmp_icc_iptc_and_comment_is_stored_without_any(app, client, db):
    original = mf.jpeg_with_metadata()
    # The fixture really carries what we are about to prove gone.
    with Image.open(io.BytesIO(original)) as im:
        assert im.getexif().get_ifd(0x8825)  # GPS
        assert {"exif", "icc_profile", "xmp", "comment", "photoshop"} <= set(im.info)
    assert {0xE1, 0xE2, 0xED, 0xFE} <= set(mf.jpeg_markers(original))

    response, story_id, code = submit(client, **mf.photo_fields(1, original))
    assert response.status_code == 200 and code

    for variant in ("display", "thumb"):
        data = stored_bytes(app, db, story_id, variant)
        with Image.open(io.BytesIO(data)) as im:
            assert im.format == "JPEG"
            assert dict(im.getexif()) == {}
            assert not im.getexif().get_ifd(0x8825)
            for key in ("exif", "icc_profile", "xmp", "comment", "photoshop", "iptc"):
                assert key not in im.info, key
        markers = set(mf.jpeg_markers(data))
        # APP1 (EXIF/XMP), APP2 (ICC), APP13 (IPTC) and COM are gone; only JFIF's APP0 remains.
        assert not markers & {0xE1, 0xE2, 0xED, 0xFE}
        assert not {m for m in markers if 0xE1 <= m <= 0xEF}
        for marker in mf.MARKERS:
            assert marker.encode() not in data
        assert b"http://ns.adobe.com/xap" not in data


def test_photo_with_orientation_6_is_stored_upright(app, client, db):
    # Stored sideways (120x80, red left half); Orientation=6 means "rotate 90° clockwise to view".
    response, story_id, _code = submit(client, **mf.photo_fields(1, mf.jpeg_with_metadata(orientation=6)))
    assert response.status_code == 200
    with Image.open(io.BytesIO(stored_bytes(app, db, story_id))) as im:
        assert im.size == (80, 120)
        top = im.getpixel((40, 10))
        bottom = im.getpixel((40, 110))
    assert top[0] > 150 and top[2] < 80  # red at the top once upright
    assert bottom[2] > 150 and bottom[0] < 80
    photo = list_media(db, story_id, kind="photo")[0]
    assert (photo["width"], photo["height"]) == (80, 120)


def test_large_photo_gets_display_copy_and_thumbnail_sizes(app, client, db):
    big = io.BytesIO()
    mf.two_colour_image((3000, 1500)).save(big, format="JPEG", quality=70)
    response, story_id, _code = submit(client, **mf.photo_fields(1, big.getvalue()))
    assert response.status_code == 200
    photo = list_media(db, story_id, kind="photo")[0]
    assert (photo["files"]["display"]["width"], photo["files"]["display"]["height"]) == (2000, 1000)
    assert (photo["files"]["thumb"]["width"], photo["files"]["thumb"]["height"]) == (400, 200)
    with Image.open(io.BytesIO(stored_bytes(app, db, story_id, "thumb"))) as im:
        assert im.size == (400, 200)


def test_png_with_transparency_stays_png_with_alpha_and_loses_text_chunks(app, client, db):
    im = mf.two_colour_image((60, 40), mode="RGBA")
    im.putpixel((0, 0), (0, 0, 0, 0))
    out = io.BytesIO()
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Author", mf.ARTIST_MARKER)
    info.add_itxt("XML:com.adobe.xmp", mf.XMP_MARKER)
    im.save(out, format="PNG", pnginfo=info)
    response, story_id, _code = submit(client, **mf.photo_fields(1, out.getvalue(), "scan.png"))
    assert response.status_code == 200
    data = stored_bytes(app, db, story_id)
    assert mf.ARTIST_MARKER.encode() not in data and mf.XMP_MARKER.encode() not in data
    with Image.open(io.BytesIO(data)) as stored:
        assert stored.format == "PNG" and stored.mode == "RGBA"
        assert stored.getpixel((0, 0))[3] == 0
        assert not stored.text


def test_file_names_are_neither_used_nor_stored(app, client, db):
    response, story_id, _code = submit(
        client, **mf.photo_fields(1, mf.jpeg_with_metadata(), "Mei-Ling at Pride 2019.jpg")
    )
    assert response.status_code == 200
    names = mf.files_under(app.config["MEDIA_DIR"])
    assert len(names) == 2
    assert not any("Mei" in name or "Pride" in name or name.endswith(".jpg") for name in names)
    with open(app.config["DATABASE"], "rb") as fh:
        assert b"Mei-Ling at Pride" not in fh.read()
    for path in (p for p in __import__("pathlib").Path(app.config["MEDIA_DIR"]).rglob("*") if p.is_file()):
        assert path.stat().st_mode & 0o777 == 0o600


REFUSED = [
    ("bomb.png", mf.png_declaring(20000, 20000), "megapixels"),
    ("holiday.jpg", mf.tiff_bytes(), "TIFF"),
    ("party.gif", mf.gif_multiframe(), "JPEG, PNG or WebP"),
    ("moving.png", mf.animated_png(), "Animated"),
    ("drawing.svg", mf.SVG, "JPEG, PNG or WebP"),
    ("drawing.jpg", mf.SVG, "SVG"),
    ("cut-off.jpg", mf.truncated_jpeg(), "damaged or incomplete"),
    ("IMG_0001.HEIC", mf.HEIC_HEAD, "Most Compatible"),
    ("IMG_0001.jpg", mf.HEIC_HEAD, "Most Compatible"),
    ("notes.jpg", b"just some text, not a photo", "JPEG, PNG or WebP"),
]


@pytest.mark.parametrize("filename,data,words", REFUSED, ids=[r[0] for r in REFUSED])
def test_refused_images_get_a_clear_message_and_nothing_is_stored(app, client, db, filename, data, words):
    response, story_id, code = submit(client, **mf.photo_fields(1, data, filename))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert code is None and story_id is None
    assert 'id="error-summary"' in html
    assert words in html
    # The message is tied to the photo field.
    assert 'href="#photo1"' in html
    assert db["stories"].count == 0 and db["media"].count == 0 and db["media_files"].count == 0
    assert mf.files_under(app.config["MEDIA_DIR"]) == []


def test_one_refused_photo_refuses_the_whole_submission_and_keeps_no_staged_file(app, client, db):
    fields = {
        **mf.photo_fields(1, mf.jpeg_with_metadata()),
        **mf.photo_fields(2, mf.tiff_bytes(), "scan.jpg"),
    }
    response, _story_id, code = submit(client, **fields)
    assert response.status_code == 400 and code is None
    html = response.get_data(as_text=True)
    assert 'href="#photo2"' in html
    assert "choose your photos and recordings again" in html
    assert db["stories"].count == 0 and db["media"].count == 0
    assert mf.files_under(app.config["MEDIA_DIR"]) == []


def test_photo_needs_alt_text_and_the_others_confirmation(app, client, db):
    fields = mf.photo_fields(1, mf.jpeg_with_metadata(), alt="")
    del fields["photo1_others"]
    response, _story_id, code = submit(client, **fields)
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and code is None
    assert 'href="#photo1_alt"' in html and 'href="#photo1_others"' in html
    assert db["stories"].count == 0
    assert mf.files_under(app.config["MEDIA_DIR"]) == []


def test_description_without_a_photo_asks_for_the_file(client, db):
    response, _story_id, code = submit(client, photo1_alt="My grandmother's garden.")
    assert response.status_code == 400 and code is None
    assert "Please choose the file for photo 1" in response.get_data(as_text=True)


def test_six_photos_are_accepted(app, client, db):
    photo = mf.jpeg_with_metadata()
    fields = {}
    for n in range(1, 7):
        fields.update(mf.photo_fields(n, photo, alt=f"Photo number {n}."))
    response, story_id, code = submit(client, **fields)
    assert response.status_code == 200 and code
    photos = list_media(db, story_id, kind="photo")
    assert [p["alt_text"] for p in photos] == [f"Photo number {n}." for n in range(1, 7)]
    assert len(mf.files_under(app.config["MEDIA_DIR"])) == 12


def test_submission_form_shows_labelled_media_fields(client):
    html = client.get("/submit").get_data(as_text=True)
    for n in range(1, 7):
        assert f'<label for="photo{n}">Photo {n}</label>' in html
        assert f'for="photo{n}_alt"' in html
    for n in range(1, 4):
        assert f'<label for="audio{n}">Recording {n}</label>' in html
        assert f'for="audio{n}_voice"' in html
    assert 'enctype="multipart/form-data"' in html


def _process(data: bytes, tmp_path):
    from archive.images import process_photo
    from archive.storage import LocalStorage

    processed = process_photo(io.BytesIO(data), LocalStorage(tmp_path / "media").stage)
    with Image.open(processed.display.path) as im:
        im.load()
        return processed, im


def test_sixteen_bit_greyscale_is_scaled_not_clipped(tmp_path):
    grey = Image.new("I;16", (50, 40), 30000)  # about 46% grey in 16 bits
    processed, stored = _process(mf.png_bytes(grey), tmp_path)
    value = stored.getpixel((10, 10))
    assert stored.mode == "RGB" and 100 < value[0] < 135
    assert processed.mime == "image/jpeg"


def test_palette_png_with_transparency_keeps_its_alpha(tmp_path):
    im = mf.two_colour_image((40, 20)).convert("P")
    im.info["transparency"] = im.getpixel((0, 0))
    processed, stored = _process(mf.png_bytes(im), tmp_path)
    assert processed.mime == "image/png" and stored.mode == "RGBA"
    assert stored.getpixel((0, 0))[3] == 0 and stored.getpixel((39, 0))[3] == 255


def test_cmyk_jpeg_becomes_rgb(tmp_path):
    out = io.BytesIO()
    mf.two_colour_image((40, 20)).convert("CMYK").save(out, format="JPEG")
    processed, stored = _process(out.getvalue(), tmp_path)
    assert stored.mode == "RGB" and processed.mime == "image/jpeg"
    red = stored.getpixel((5, 5))
    assert red[0] > 150 and red[2] < 90


def test_a_large_photo_is_scaled_down_while_decoding(tmp_path):
    out = io.BytesIO()
    mf.two_colour_image((6000, 4000)).save(out, format="JPEG", quality=60)
    processed, stored = _process(out.getvalue(), tmp_path)
    assert stored.size == (2000, 1333) and (processed.thumb_width, processed.thumb_height) == (400, 267)
