"""Media fixtures generated in code: photos and recordings that carry identifying metadata.

Each carries marker strings so that a test can look for them in the bytes of
stored files as well as through the parsers.
"""

import io
import struct
import wave
import zlib

from mutagen.id3 import APIC, COMM, ID3, TIT2, TPE1, TXXX
from mutagen.wave import WAVE
from PIL import Image, ImageCms

TITLE_MARKER = "MARKER-TITLE-Lanterns"
ARTIST_MARKER = "MARKER-ARTIST-MeiLing"
COMMENT_MARKER = "MARKER-COMMENT-Recorded-at-home"
XMP_MARKER = "MARKER-XMP-Creator"
IPTC_MARKER = "MARKER-IPTC-Byline"
INFO_MARKER = "MARKER-INFO-Name"
BEXT_MARKER = "MARKER-BEXT-Originator"
MAKE_MARKER = "MARKER-Make"

# A point in a public park: only here to be proved gone.
GPS_IFD = {
    1: "N",
    2: (51.0, 30.0, 12.5),
    3: "W",
    4: (0.0, 7.0, 39.0),
}


def two_colour_image(size=(120, 80), mode="RGB"):
    """Left half red, right half blue: the colours show which way up an image is stored."""
    w, h = size
    im = Image.new(mode, size, (200, 20, 20) if mode == "RGB" else (200, 20, 20, 255))
    im.paste((20, 20, 200) if mode == "RGB" else (20, 20, 200, 255), (w // 2, 0, w, h))
    return im


def _xmp_segment() -> bytes:
    xmp = (
        '<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f"<dc:creator>{XMP_MARKER}</dc:creator></rdf:Description></rdf:RDF></x:xmpmeta>"
        '<?xpacket end="w"?>'
    ).encode()
    payload = b"http://ns.adobe.com/xap/1.0/\x00" + xmp
    return b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload


def _iptc_segment() -> bytes:
    # IPTC-IIM dataset 2:80 (By-line) inside a Photoshop 8BIM resource 0x0404.
    value = IPTC_MARKER.encode()
    iptc = b"\x1c\x02\x50" + struct.pack(">H", len(value)) + value
    resource = b"8BIM" + struct.pack(">H", 0x0404) + b"\x00\x00" + struct.pack(">I", len(iptc)) + iptc
    if len(iptc) % 2:
        resource += b"\x00"
    payload = b"Photoshop 3.0\x00" + resource
    return b"\xff\xed" + struct.pack(">H", len(payload) + 2) + payload


def _splice_after_soi(jpeg: bytes, *segments: bytes) -> bytes:
    assert jpeg[:2] == b"\xff\xd8"
    return jpeg[:2] + b"".join(segments) + jpeg[2:]


def jpeg_with_metadata(orientation: int = 1, size=(120, 80)) -> bytes:
    """A JPEG with EXIF (GPS, camera make, orientation), XMP, IPTC, an ICC profile and a comment."""
    im = two_colour_image(size)
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = MAKE_MARKER
    exif[0x8825] = GPS_IFD
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    out = io.BytesIO()
    im.save(
        out, format="JPEG", exif=exif.tobytes(), icc_profile=icc, comment=COMMENT_MARKER.encode(), quality=95
    )
    return _splice_after_soi(out.getvalue(), _xmp_segment(), _iptc_segment())


def jpeg_markers(data: bytes) -> list[int]:
    """The marker codes of a JPEG's segments up to the start of scan."""
    assert data[:2] == b"\xff\xd8"
    markers, pos = [], 2
    while pos < len(data):
        assert data[pos] == 0xFF, "not at a marker"
        marker = data[pos + 1]
        markers.append(marker)
        if marker == 0xDA:  # start of scan: entropy-coded data follows
            break
        length = struct.unpack(">H", data[pos + 2 : pos + 4])[0]
        pos += 2 + length
    return markers


def png_bytes(im) -> bytes:
    out = io.BytesIO()
    im.save(out, format="PNG")
    return out.getvalue()


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_declaring(width: int, height: int) -> bytes:
    """A small file whose PNG header declares ``width`` x ``height`` pixels (a decompression bomb's calling card)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1024)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", idat)
        + _png_chunk(b"IEND", b"")
    )


def tiff_bytes() -> bytes:
    out = io.BytesIO()
    two_colour_image().save(out, format="TIFF")
    return out.getvalue()


def gif_multiframe() -> bytes:
    frames = [
        two_colour_image().convert("P"),
        two_colour_image().transpose(Image.Transpose.ROTATE_180).convert("P"),
    ]
    out = io.BytesIO()
    frames[0].save(out, format="GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    return out.getvalue()


def animated_png() -> bytes:
    frames = [two_colour_image(), two_colour_image().transpose(Image.Transpose.ROTATE_180)]
    out = io.BytesIO()
    frames[0].save(out, format="PNG", save_all=True, append_images=frames[1:], duration=100)
    return out.getvalue()


SVG = (
    b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b'<script>alert(1)</script><rect width="10" height="10"/></svg>'
)

HEIC_HEAD = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 200


def truncated_jpeg() -> bytes:
    data = jpeg_with_metadata(size=(400, 300))
    return data[: len(data) * 2 // 3]


def cover_art() -> bytes:
    out = io.BytesIO()
    two_colour_image((16, 16)).save(out, format="JPEG")
    return out.getvalue()


def _id3_frames():
    return [
        TIT2(encoding=3, text=[TITLE_MARKER]),
        TPE1(encoding=3, text=[ARTIST_MARKER]),
        COMM(encoding=3, lang="eng", desc="", text=[COMMENT_MARKER]),
        TXXX(encoding=3, desc="location", text=["51.5,-0.12"]),
        APIC(encoding=3, mime="image/jpeg", type=3, desc="cover", data=cover_art()),
    ]


def silent_mp3_frames(seconds: float = 2.0) -> bytes:
    """Hand-written MPEG-1 Layer III frames (128 kbit/s, 44.1 kHz, mono) that decode as silence."""
    header = bytes([0xFF, 0xFB, 0x90, 0xC0])
    frame = header + bytes(417 - 4)
    count = int(seconds * 44100 / 1152) + 1
    return frame * count


def mp3_with_tags(path, seconds: float = 2.0) -> None:
    """Write an MP3 with ID3v2 (title, artist, comment, cover art) and an ID3v1 tag."""
    with open(path, "wb") as fh:
        fh.write(silent_mp3_frames(seconds))
    tags = ID3()
    for frame in _id3_frames():
        tags.add(frame)
    tags.save(path, v1=2)


def _riff_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack("<4sI", kind, len(data)) + data + (b"\x00" if len(data) % 2 else b"")


def wav_with_tags(path, seconds: float = 1.0, rate: int = 8000) -> None:
    """Write a WAV with a LIST/INFO chunk, a bext chunk and an ID3 chunk (title, cover art)."""
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(bytes(int(seconds * rate) * 2))
    data = buf.getvalue()
    info = _riff_chunk(b"INAM", INFO_MARKER.encode() + b"\x00") + _riff_chunk(b"IART", ARTIST_MARKER.encode())
    extra = _riff_chunk(b"LIST", b"INFO" + info) + _riff_chunk(
        b"bext", BEXT_MARKER.encode().ljust(256, b"\x00")
    )
    body = data[12:] + extra
    with open(path, "wb") as fh:
        fh.write(b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WAVE" + body)
    wav = WAVE(path)
    wav.add_tags()
    for frame in _id3_frames():
        wav.tags.add(frame)
    wav.save()


MARKERS = (
    TITLE_MARKER,
    ARTIST_MARKER,
    COMMENT_MARKER,
    XMP_MARKER,
    IPTC_MARKER,
    INFO_MARKER,
    BEXT_MARKER,
    MAKE_MARKER,
)


# --- helpers for tests that go through the submission form ------------------------


def upload(data: bytes, filename: str):
    """A file part for the Flask test client."""
    return (io.BytesIO(data), filename)


def photo_fields(
    n: int, data: bytes, filename: str = "IMG_2041.jpg", alt="My grandmother at her kitchen table.", **extra
):
    """Form fields for photo slot ``n`` with the confirmations ticked."""
    fields = {f"photo{n}": upload(data, filename), f"photo{n}_alt": alt, f"photo{n}_others": "y"}
    fields.update({f"photo{n}_{k}": v for k, v in extra.items()})
    return {k: v for k, v in fields.items() if v is not None}


def audio_fields(n: int, data: bytes, filename: str, transcript=None, vtt: bytes | None = None):
    """Form fields for recording slot ``n`` with the voice acknowledgement ticked."""
    fields = {f"audio{n}": upload(data, filename), f"audio{n}_voice": "y"}
    if transcript is not None:
        fields[f"audio{n}_transcript"] = transcript
    if vtt is not None:
        fields[f"audio{n}_vtt"] = upload(vtt, "captions.vtt")
    return fields


def files_under(path) -> list:
    """Every file below ``path`` (media, staging, anything), as relative paths."""
    from pathlib import Path

    root = Path(path)
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


# --- FLAC, written by hand (no encoder needed) ------------------------------------------


def _crc8(data: bytes) -> int:
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = ((crc << 1) ^ 0x07) & 0xFF if crc & 0x80 else (crc << 1) & 0xFF
    return crc


def _crc16(data: bytes) -> int:
    crc = 0
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x8005) & 0xFFFF if crc & 0x8000 else (crc << 1) & 0xFFFF
    return crc


def flac_silence(seconds: float = 1.0, rate: int = 8000) -> bytes:
    """A valid FLAC stream: 16-bit mono, constant (silent) subframes of 4096 samples."""
    block = 4096
    frames = max(1, int(seconds * rate) // block)
    total = frames * block
    info = struct.pack(">HH", block, block) + b"\x00\x00\x00" + b"\x00\x00\x00"
    packed = (rate << 44) | (0 << 41) | (15 << 36) | total
    info += packed.to_bytes(8, "big") + bytes(16)
    out = b"fLaC" + bytes([0x80]) + len(info).to_bytes(3, "big") + info
    for number in range(frames):
        header = bytes([0xFF, 0xF8, 0xC0, 0x00, number])
        header += bytes([_crc8(header)])
        frame = header + b"\x00" + b"\x00\x00"  # CONSTANT subframe with value 0
        out += frame + struct.pack(">H", _crc16(frame))
    return out


def flac_with_tags(path) -> None:
    """A FLAC with Vorbis comments, a picture block and an ID3v2 tag in front."""
    from mutagen.flac import FLAC, Picture

    with open(path, "wb") as fh:
        fh.write(flac_silence())
    flac = FLAC(path)
    flac["title"] = TITLE_MARKER
    flac["artist"] = ARTIST_MARKER
    flac["comment"] = COMMENT_MARKER
    picture = Picture()
    picture.type = 3
    picture.mime = "image/jpeg"
    picture.desc = "cover"
    picture.data = cover_art()
    flac.add_picture(picture)
    flac.save()
    id3 = ID3()
    id3.add(TIT2(encoding=3, text=[TITLE_MARKER]))
    id3.save(path)


# A recording location as phones write it (ISO 6709): only here to be proved gone.
LOCATION_MARKER = "+51.5074-000.1278/"


WEBVTT = (
    b"WEBVTT - interview\n\n"
    b"NOTE recorded by the contributor\n\n"
    b"intro\n00:00:00.000 --> 00:00:00.800 align:start\n<v Mei>My grandmother&apos;s kitchen</v>\n\n"
    b"00:00.800 --> 00:01.600\nsmelled of <b>ginger</b> &amp; rain.\n"
)
