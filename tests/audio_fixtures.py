"""Recordings for the audio tests, made with Debian's ffmpeg (/usr/bin/ffmpeg) and
then given marker text in every place each container keeps tags.

Debian's ffmpeg and ffprobe are separate from the FFmpeg libraries inside PyAV,
which rebuild the recordings, so the tests also use them to check that a
stored copy plays. .ci/run installs them where they are missing.
"""

import struct
import subprocess

from mutagen.apev2 import APEv2
from mutagen.flac import Picture
from mutagen.id3 import APIC, COMM, ID3, TIT2, TPE1, TXXX
from mutagen.mp4 import MP4, MP4Cover

from tests import media_fixtures as mf

FFMPEG = "/usr/bin/ffmpeg"
FFPROBE = "/usr/bin/ffprobe"

# One marker for each place a tag can hide, so a failure names the place.
ID3V23_MARKER = "MARKER-ID3v23-Lanterns"
ID3V24_END_MARKER = "MARKER-ID3v24-appended"
UTF16_MARKER = "MARKER-UTF16-Comment"
APE_MARKER = "MARKER-APE-Artist"
LYRICS_MARKER = "MARKER-LYRICS3-Words"
ID3V1_MARKER = "MARKER-ID3v1-Title"  # at most 30 characters
JUNK_MARKER = "MARKER-JUNK-after-the-audio"
MP4_TAG_MARKER = "MARKER-MP4-ilst-Title"
CHAPTER_MARKER = "MARKER-CHAPTER-Kitchen"
VORBIS_MARKER = "MARKER-VORBIS-First"
VORBIS_LINK2_MARKER = "MARKER-VORBIS-SecondLink"
OPUS_MARKER = "MARKER-OPUS-First"
OPUS_LINK2_MARKER = "MARKER-OPUS-SecondLink"
FLAC_COMMENT_MARKER = "MARKER-FLAC-Comment"
FLAC_PICTURE_MARKER = "MARKER-FLAC-Picture"
FLAC_APPLICATION_MARKER = "MARKER-FLAC-Application"
FLAC_STRAY_MARKER = "MARKER-FLAC-Stray"
IXML_MARKER = "MARKER-iXML-Project"
RF64_MARKER = "MARKER-RF64-Info"

ALL_MARKERS = (
    *(value for name, value in globals().items() if name.endswith("_MARKER")),
    *mf.MARKERS,
    mf.LOCATION_MARKER,
)


def text_hits(data: bytes, texts) -> list[str]:
    """The texts found in ``data``: any case, as UTF-8/Latin-1 or UTF-16 (either byte order)."""
    folded = data.lower()
    hits = []
    for text in texts:
        lowered = text.lower()
        encodings = (lowered.encode(), lowered.encode("latin-1", "ignore"), lowered.encode("utf-16-le"))
        if any(encoded and encoded in folded for encoded in (*encodings, lowered.encode("utf-16-be"))):
            hits.append(text)
    return hits


def marker_hits(data: bytes) -> list[str]:
    """The markers found in ``data`` (see ``text_hits``)."""
    return text_hits(data, ALL_MARKERS)


def ffmpeg(*args: str) -> None:
    subprocess.run([FFMPEG, "-nostdin", "-v", "error", "-y", *args], check=True)


def tone(path, codec_args, seconds: float = 2.0, rate: int = 44100, *metadata: str) -> None:
    """A sine tone encoded by Debian's ffmpeg."""
    ffmpeg(
        "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}:sample_rate={rate}",
        *metadata, *codec_args, str(path),
    )  # fmt: skip


def probe(path, strict: bool = True) -> tuple[float, str]:
    """Debian's ffprobe on a file: how long its first audio stream plays when every
    frame is decoded (not what a header says), and its report of the file's streams,
    chapters and tags (``-of flat``). When ``strict``, any decoding error fails the
    test (uploads may have them: tag bytes read as audio)."""
    result = subprocess.run(
        [FFPROBE, "-v", "error", "-show_streams", "-show_chapters", "-show_format",
         "-show_entries", "frame=nb_samples,stream_index", "-of", "flat", str(path)],
        capture_output=True,
        text=True,
        check=True,
    )  # fmt: skip
    assert not strict or result.stderr == "", result.stderr
    values = dict(line.split("=", 1) for line in result.stdout.splitlines())
    audio = next(
        key.split(".")[2]
        for key, value in values.items()
        if key.endswith(".codec_type") and value == '"audio"'
    )
    rate = int(values[f"streams.stream.{audio}.sample_rate"].strip('"'))
    samples = sum(
        int(value)
        for key, value in values.items()
        if key.endswith(".nb_samples") and values[key.replace("nb_samples", "stream_index")] == audio
    )
    return samples / rate, result.stdout


# --- MP3 ---------------------------------------------------------------------------------


def _syncsafe(n: int) -> bytes:
    return bytes([(n >> 21) & 0x7F, (n >> 14) & 0x7F, (n >> 7) & 0x7F, n & 0x7F])


def _id3v24_with_footer(text: str) -> bytes:
    """An ID3v2.4 tag with a footer (3DI), as written to be found from the end of a file."""
    frames = b""
    for frame_id in (b"TIT2", b"TPE1"):
        payload = b"\x03" + text.encode()
        frames += frame_id + _syncsafe(len(payload)) + b"\x00\x00" + payload
    header = b"ID3\x04\x00\x10" + _syncsafe(len(frames))
    footer = b"3DI\x04\x00\x10" + _syncsafe(len(frames))
    return header + frames + footer


def _lyrics3v2(text: str) -> bytes:
    field = b"LYR" + b"%05d" % len(text) + text.encode()
    body = b"LYRICSBEGIN" + field
    return body + b"%06d" % len(body) + b"LYRICS200"


def _id3v1(title: str) -> bytes:
    return (
        b"TAG"
        + title.encode().ljust(30, b"\x00")
        + b"MARKER-ID3v1".ljust(30, b"\x00")
        + b"".ljust(30, b"\x00")
        + b"2026"
        + b"".ljust(30, b"\x00")
        + b"\xff"
    )


def mp3_tagged_everywhere(path, seconds: float = 2.0) -> None:
    """An MP3 (LAME, with its Info frame) with a leading ID3v2.3 tag (UTF-8 and UTF-16
    text, cover art), then after the audio an ID3v2.4 tag with a 3DI footer, an APEv2
    tag, a Lyrics3v2 block and an ID3v1 tag."""
    tone(path, ["-c:a", "libmp3lame", "-b:a", "64k", "-ac", "1"], seconds)
    tags = ID3()
    tags.add(TIT2(encoding=3, text=[ID3V23_MARKER]))
    tags.add(TPE1(encoding=3, text=[mf.ARTIST_MARKER]))
    tags.add(COMM(encoding=1, lang="eng", desc="", text=[UTF16_MARKER]))
    tags.add(TXXX(encoding=1, desc="where", text=[mf.LOCATION_MARKER]))
    tags.add(APIC(encoding=3, mime="image/jpeg", type=3, desc="cover", data=mf.cover_art()))
    tags.save(path, v2_version=3, v1=0)
    with open(path, "ab") as fh:
        fh.write(_id3v24_with_footer(ID3V24_END_MARKER))
    ape = APEv2()
    ape["Artist"] = APE_MARKER
    ape.save(path)
    with open(path, "ab") as fh:
        fh.write(_lyrics3v2(LYRICS_MARKER) + _id3v1(ID3V1_MARKER))


def mp3_with_leading_junk(path) -> None:
    """An MP3 whose first frame follows 1000 bytes of zeros (as some recorders write)."""
    tone(path, ["-c:a", "libmp3lame", "-b:a", "64k", "-ac", "1", "-write_xing", "0"])
    data = path.read_bytes()
    path.write_bytes(bytes(1000) + data)


def mp3_with_trailing_junk(path) -> None:
    """An MP3 followed by bytes that are neither frames nor a tag, some of them text."""
    tone(path, ["-c:a", "libmp3lame", "-b:a", "64k", "-ac", "1", "-id3v2_version", "0"])
    with open(path, "ab") as fh:
        fh.write(b"\x13\x37" * 50 + JUNK_MARKER.encode() + bytes(range(256)))


def aac_tagged_everywhere(path) -> None:
    """AAC in ADTS frames with an ID3v2.3 tag in front and APEv2 and ID3v1 tags behind."""
    tone(path, ["-c:a", "aac", "-b:a", "64k", "-ac", "1", "-f", "adts"])
    tags = ID3()
    tags.add(TIT2(encoding=1, text=[ID3V23_MARKER]))
    tags.add(APIC(encoding=3, mime="image/jpeg", type=3, desc="cover", data=mf.cover_art()))
    tags.save(path, v2_version=3, v1=0)
    ape = APEv2()
    ape["Artist"] = APE_MARKER
    ape.save(path)
    with open(path, "ab") as fh:
        fh.write(_id3v1(ID3V1_MARKER))


# --- M4A ---------------------------------------------------------------------------------


def m4a_tagged_everywhere(path, tmp) -> None:
    """An M4A (AAC) with iTunes tags and cover art, a recording location (©xyz), a
    recording date and chapters, which FFmpeg writes both as a chpl box and as a
    chapter text track."""
    chapters = tmp / "chapters.txt"
    chapters.write_text(
        ";FFMETADATA1\n"
        f"title={mf.TITLE_MARKER}\nlocation={mf.LOCATION_MARKER}\n"
        f"[CHAPTER]\nTIMEBASE=1/1000\nSTART=0\nEND=1000\ntitle={CHAPTER_MARKER}\n"
        f"[CHAPTER]\nTIMEBASE=1/1000\nSTART=1000\nEND=2000\ntitle={CHAPTER_MARKER}-2\n"
    )
    ffmpeg(
        "-f", "lavfi", "-i", "sine=frequency=440:duration=2:sample_rate=44100",
        "-i", str(chapters), "-map_metadata", "1", "-map_chapters", "1",
        "-metadata", "creation_time=2026-05-01T10:00:00Z", "-c:a", "aac", "-b:a", "64k", str(path),
    )  # fmt: skip
    m4a = MP4(path)
    m4a["\xa9nam"] = [MP4_TAG_MARKER]
    m4a["\xa9ART"] = [mf.ARTIST_MARKER]
    m4a["\xa9cmt"] = [mf.COMMENT_MARKER]
    m4a["covr"] = [MP4Cover(mf.cover_art(), imageformat=MP4Cover.FORMAT_JPEG)]
    m4a.save()


# --- Ogg ---------------------------------------------------------------------------------


def chained_ogg(path, codec_args, first_marker: str, second_marker: str, rate: int = 44100) -> None:
    """Two Ogg files one after the other (a chained Ogg), each link with its own comments."""
    links = []
    for n, (seconds, marker) in enumerate(((1.0, first_marker), (1.5, second_marker))):
        link = path.with_name(f"link{n}{path.suffix}")
        tone(link, codec_args, seconds, rate, "-metadata", f"title={marker}", "-metadata", f"artist={marker}")
        links.append(link.read_bytes())
        link.unlink()
    path.write_bytes(b"".join(links))


def vorbis_chained(path) -> None:
    chained_ogg(path, ["-c:a", "libvorbis"], VORBIS_MARKER, VORBIS_LINK2_MARKER)


def opus_chained(path) -> None:
    chained_ogg(path, ["-c:a", "libopus"], OPUS_MARKER, OPUS_LINK2_MARKER, rate=48000)


# --- FLAC --------------------------------------------------------------------------------


def _flac_block(kind: int, payload: bytes, last: bool = False) -> bytes:
    return bytes([kind | (0x80 if last else 0)]) + len(payload).to_bytes(3, "big") + payload


def flac_tagged_everywhere(path) -> None:
    """A FLAC with a Vorbis comment, a picture, an application block, padding that still
    holds an old comment's bytes, stray bytes before the first frame and an ID3v1 tag."""
    tone(path, ["-c:a", "flac"], 1.0)
    data = path.read_bytes()
    pos, streaminfo = 4, b""
    while True:
        header, size = data[pos], int.from_bytes(data[pos + 1 : pos + 4], "big")
        if header & 0x7F == 0:
            streaminfo = data[pos + 4 : pos + 4 + size]
        pos += 4 + size
        if header & 0x80:
            break
    frames = data[pos:]
    vendor = b"reference libFLAC 1.4.2"
    comments = [f"TITLE={FLAC_COMMENT_MARKER}".encode(), f"ARTIST={mf.ARTIST_MARKER}".encode()]
    comment = struct.pack("<I", len(vendor)) + vendor + struct.pack("<I", len(comments))
    comment += b"".join(struct.pack("<I", len(c)) + c for c in comments)
    picture = Picture()
    picture.type, picture.mime, picture.desc, picture.data = (
        3,
        "image/jpeg",
        FLAC_PICTURE_MARKER,
        mf.cover_art(),
    )
    leftover = f"TITLE={mf.TITLE_MARKER}".encode().ljust(64, b"\x00")
    path.write_bytes(
        b"fLaC"
        + _flac_block(0, streaminfo)
        + _flac_block(4, comment)
        + _flac_block(6, picture.write())
        + _flac_block(2, b"ABCD" + FLAC_APPLICATION_MARKER.encode())
        + _flac_block(1, leftover, last=True)
        + FLAC_STRAY_MARKER.encode()
        + frames
        + _id3v1(ID3V1_MARKER)
    )


# --- WAV and RF64 ------------------------------------------------------------------------


def _chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack("<4sI", kind, len(payload)) + payload + (b"\x00" if len(payload) % 2 else b"")


def _pcm_tone(seconds: float = 1.0, rate: int = 8000) -> tuple[bytes, bytes]:
    """(fmt chunk payload, PCM samples) of a 16-bit mono tone."""
    import math

    samples = b"".join(
        struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * n / rate)))
        for n in range(int(seconds * rate))
    )
    return struct.pack("<HHIIHH", 1, 1, rate, rate * 2, 2, 16), samples


def _info_list(marker: str) -> bytes:
    return _chunk(b"LIST", b"INFO" + _chunk(b"INAM", marker.encode() + b"\x00"))


def wav_tagged_everywhere(path) -> None:
    """A WAV with LIST/INFO, bext, iXML and id3 chunks (the last written by mutagen)."""
    mf.wav_with_tags(path)
    data = path.read_bytes()
    ixml = _chunk(b"iXML", f"<BWFXML><PROJECT>{IXML_MARKER}</PROJECT></BWFXML>".encode())
    body = data[12:] + ixml
    path.write_bytes(b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WAVE" + body)


def rf64(path) -> None:
    """An RF64 file (the 64-bit WAV of broadcast recorders) with a LIST/INFO chunk."""
    fmt, samples = _pcm_tone()
    ds64 = struct.pack("<QQQI", 0, len(samples), len(samples) // 2, 0)
    body = (
        _chunk(b"ds64", ds64)
        + _chunk(b"fmt ", fmt)
        + _info_list(RF64_MARKER)
        + struct.pack("<4sI", b"data", 0xFFFFFFFF)
        + samples
    )
    path.write_bytes(b"RF64" + struct.pack("<I", 0xFFFFFFFF) + b"WAVE" + body)


def wav_streaming(path, size_field: int = 0xFFFFFFFF) -> None:
    """A WAV written by a streaming recorder that never went back to fill in its sizes."""
    fmt, samples = _pcm_tone()
    body = (
        _chunk(b"fmt ", fmt) + _info_list(mf.INFO_MARKER) + struct.pack("<4sI", b"data", size_field) + samples
    )
    path.write_bytes(b"RIFF" + struct.pack("<I", size_field) + b"WAVE" + body)


# The made recordings: file name -> (maker, seconds the stored copy must play).
# A chained Ogg keeps its first link only (1 s of the 2.5 s).
MADE = {
    "mp3-tagged.mp3": (mp3_tagged_everywhere, 2.0),
    "mp3-leading-junk.mp3": (mp3_with_leading_junk, 2.0),
    "mp3-trailing-junk.mp3": (mp3_with_trailing_junk, 2.0),
    "aac-tagged.aac": (aac_tagged_everywhere, 2.0),
    "m4a-tagged.m4a": (m4a_tagged_everywhere, 2.0),
    "vorbis-chained.ogg": (vorbis_chained, 1.0),
    "opus-chained.opus": (opus_chained, 1.0),
    "flac-tagged.flac": (flac_tagged_everywhere, 1.0),
    "wav-tagged.wav": (wav_tagged_everywhere, 1.0),
    "rf64.wav": (rf64, 1.0),
    "wav-streaming-ffffffff.wav": (wav_streaming, 1.0),
    "wav-streaming-zero.wav": (lambda path: wav_streaming(path, 0), 1.0),
}


def make(name: str, folder):
    """Write the made recording ``name`` into ``folder``; returns its path."""
    path = folder / name
    maker = MADE[name][0]
    if maker is m4a_tagged_everywhere:
        maker(path, folder)
    else:
        maker(path)
    return path
