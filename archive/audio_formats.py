"""What recordings look like byte by byte, read with our own code (no media library).

Used on both sides of a rebuild: before it, to learn what an upload really is
and where its audio ends (``sniff``, ``trailing_tags_start``, ``first_ogg_link``,
``wav_data_is_cut``); after it, by ``archive.audio_check`` to walk the stored
file. Everything works on an ``mmap`` or ``bytes`` view, so a 200 MB file is
never read into memory.
"""

import mmap
import struct
from contextlib import contextmanager

# --- MPEG audio (MP3) and ADTS (AAC) frame headers ---------------------------------

# kbit/s by (MPEG-1?, layer) and the 4-bit index; 0 and 15 are not valid.
_BITRATES = {
    (True, 1): (0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448),
    (True, 2): (0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384),
    (True, 3): (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    (False, 1): (0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256),
    (False, 2): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
# Sample rates by the 2-bit version field (3 MPEG-1, 2 MPEG-2, 0 MPEG-2.5; 1 is reserved).
_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}


def mpeg_frame_length(data, pos: int = 0) -> int:
    """The length in bytes of the MPEG audio frame whose header starts at ``pos``, or 0
    when there is no valid header there (free-format frames count as not valid)."""
    if pos + 4 > len(data):
        return 0
    b0, b1, b2, b3 = data[pos], data[pos + 1], data[pos + 2], data[pos + 3]
    if b0 != 0xFF or b1 & 0xE0 != 0xE0:
        return 0
    version, layer_bits = (b1 >> 3) & 3, (b1 >> 1) & 3
    bitrate_index, rate_index = b2 >> 4, (b2 >> 2) & 3
    if version == 1 or layer_bits == 0 or bitrate_index in (0, 15) or rate_index == 3 or b3 & 3 == 2:
        return 0
    layer, mpeg1 = 4 - layer_bits, version == 3
    bitrate = _BITRATES[(mpeg1, layer if mpeg1 or layer == 1 else 2)][bitrate_index] * 1000
    rate = _RATES[version][rate_index]
    padding = (b2 >> 1) & 1
    if layer == 1:
        return (12 * bitrate // rate + padding) * 4
    if layer == 3 and not mpeg1:
        return 72 * bitrate // rate + padding
    return 144 * bitrate // rate + padding


def adts_frame_length(data, pos: int = 0) -> int:
    """The length of the ADTS (AAC) frame whose header starts at ``pos``, or 0."""
    if pos + 7 > len(data):
        return 0
    if data[pos] != 0xFF or data[pos + 1] & 0xF6 != 0xF0:
        return 0
    length = ((data[pos + 3] & 3) << 11) | (data[pos + 4] << 3) | (data[pos + 5] >> 5)
    return length if length >= 7 else 0


def find_mpeg_frames(data, start: int = 0, limit: int = 65536, run: int = 3) -> int:
    """The offset of the first of ``run`` MPEG audio frames in a row, looking from
    ``start`` over at most ``limit`` bytes; -1 if there is none (not MP3 data)."""
    end = min(len(data), start + limit)
    pos = start
    while True:
        pos = data.find(b"\xff", pos, end)
        if pos < 0:
            return -1
        at, ok = pos, True
        for _ in range(run):
            length = mpeg_frame_length(data, at)
            if not length:
                ok = False
                break
            at += length
        # The last frame of a short file may end the data exactly.
        if ok or (at == len(data) and at > pos):
            return pos
        pos += 1


# --- tag blocks at either end of MP3, AAC and FLAC files ---------------------------


def _syncsafe(four) -> int:
    return (four[0] << 21) | (four[1] << 14) | (four[2] << 7) | four[3]


def id3v2_size(data, pos: int = 0) -> int:
    """The whole size of an ID3v2 tag starting at ``pos`` (header, footer included), or 0."""
    head = data[pos : pos + 10]
    if len(head) < 10 or head[:3] != b"ID3" or head[3] > 4 or any(b & 0x80 for b in head[6:10]):
        return 0
    return 10 + _syncsafe(head[6:10]) + (10 if head[5] & 0x10 else 0)


def leading_tags_end(data) -> int:
    """Where the data after any ID3v2 tags at the very start of a file begins."""
    pos = 0
    while size := id3v2_size(data, pos):
        pos += size
    return pos


def trailing_tags_start(data, start: int = 0) -> int:
    """Where the tag blocks appended after the audio begin (``len(data)`` when there
    are none): ID3v1 (and its TAG+ extension), APEv2, Lyrics3 v1/v2 and ID3v2 with a
    footer, in any order and any number, as tag editors leave them."""
    end = len(data)
    while end > start:
        if end - 128 >= start and data[end - 128 : end - 125] == b"TAG":
            end -= 128
            if end - 227 >= start and data[end - 227 : end - 223] == b"TAG+":
                end -= 227
        elif end - 32 >= start and data[end - 32 : end - 24] == b"APETAGEX":
            size, flags = struct.unpack("<I4xI", data[end - 20 : end - 8])
            end -= size + (32 if flags & 0x80000000 else 0)
        elif end - 15 >= start and data[end - 9 : end] == b"LYRICS200" and data[end - 15 : end - 9].isdigit():
            end -= int(data[end - 15 : end - 9]) + 15
        elif end - 9 >= start and data[end - 9 : end] == b"LYRICSEND":
            begin = data.rfind(b"LYRICSBEGIN", max(start, end - 5100 - 20), end)
            end = begin if begin >= 0 else start
        elif end - 10 >= start and data[end - 10 : end - 7] == b"3DI" and data[end - 7] <= 4:
            end -= 20 + _syncsafe(data[end - 4 : end])
        else:
            break
    return max(end, start)


# --- Ogg pages ------------------------------------------------------------------------

_OGG_HEADER = struct.Struct("<4sBBqIIIB")


def ogg_pages(data, start: int = 0):
    """(offset, header type, serial, page end, segment sizes) for each page from ``start``
    until the data stops being Ogg pages. A final page cut short is yielded with its
    page end past the data."""
    pos = start
    while pos + 27 <= len(data) and data[pos : pos + 4] == b"OggS":
        _, version, flags, _granule, serial, _seq, _crc, count = _OGG_HEADER.unpack_from(data, pos)
        if version != 0:
            return
        lacing = data[pos + 27 : pos + 27 + count]
        end = pos + 27 + count + sum(lacing)
        yield pos, flags, serial, end, lacing
        if end > len(data):
            return
        pos = end


def first_ogg_link(data) -> tuple[int, str | None]:
    """Where the first link of a (possibly chained) Ogg file ends, and what is wrong
    with it: None, "cut-short" (its last page runs past the end of the file) or
    "damaged" (bytes that are not a page stand between its pages). A link is one group
    of logical streams: a page that begins a stream after other pages have carried
    data starts the next link. Bytes after the last page are not judged."""
    end, seen_data = 0, False
    for pos, flags, _serial, page_end, _lacing in ogg_pages(data):
        if flags & 0x02 and seen_data:
            return pos, None
        if page_end > len(data):
            return pos, "cut-short"
        seen_data = seen_data or not flags & 0x02
        end = page_end
    return end, "damaged" if data.find(b"OggS", end) >= 0 else None


def ogg_packets(data, limit: int):
    """The first ``limit`` complete packets of the first logical stream, with the set
    of serial numbers met on the way and on every later page."""
    packets, current, serials, first = [], b"", set(), None
    for pos, _flags, serial, _page_end, lacing in ogg_pages(data):
        serials.add(serial)
        if first is None:
            first = serial
        if serial != first or len(packets) >= limit:
            continue
        body = pos + 27 + len(lacing)
        for size in lacing:
            current += bytes(data[body : body + size])
            body += size
            if size < 255 and len(packets) < limit:
                packets.append(current)
                current = b""
    return packets, serials


# --- RIFF chunks, MP4 boxes, FLAC metadata blocks ------------------------------------


def riff_chunks(data, start: int = 12):
    """(id, payload offset, declared size) of each chunk of a RIFF file."""
    pos = start
    while pos + 8 <= len(data):
        kind, size = struct.unpack_from("<4sI", data, pos)
        yield bytes(kind), pos + 8, size
        pos += 8 + size + (size & 1)


def wav_data_is_cut(data) -> bool:
    """True when a WAV's data chunk declares more bytes than the file holds. The
    sizes 0 and 0xFFFFFFFF (streaming writers) and RF64 files are not judged."""
    if data[:4] != b"RIFF":
        return False
    for kind, offset, size in riff_chunks(data):
        if kind == b"data":
            return size not in (0, 0xFFFFFFFF) and offset + size > len(data) + 1
    return False


def mp4_boxes(data, start: int, end: int):
    """(type, box offset, payload offset, box end) of the boxes in [start, end).
    A box that claims to run past ``end`` is yielded with its claimed end."""
    pos = start
    while pos + 8 <= end:
        size, kind = struct.unpack_from(">I4s", data, pos)
        header = 8
        if size == 1 and pos + 16 <= end:
            size, header = struct.unpack_from(">Q", data, pos + 8)[0], 16
        elif size == 0:
            size = end - pos
        if size < header:
            yield bytes(kind), pos, pos + header, end + 1  # malformed: reported as running past the end
            return
        yield bytes(kind), pos, pos + header, pos + size
        pos += size


def flac_blocks(data, start: int = 4):
    """(type, payload offset, size) of each FLAC metadata block, then stops."""
    pos = start
    while pos + 4 <= len(data):
        header = data[pos]
        size = int.from_bytes(data[pos + 1 : pos + 4], "big")
        yield header & 0x7F, pos + 4, size
        pos += 4 + size
        if header & 0x80:
            return


def flac_audio_start(data) -> int:
    """The offset just after a FLAC stream's metadata blocks."""
    end = 4
    for _kind, offset, size in flac_blocks(data):
        end = offset + size
    return end


# --- what a file is -------------------------------------------------------------------

_AUDIO_ELSEWHERE = (
    (b"FORM", 8, (b"AIFF", b"AIFC"), "AIFF"),
    (b"\x1a\x45\xdf\xa3", 0, None, "WebM/Matroska"),
    (b"\x30\x26\xb2\x75", 0, None, "WMA"),
    (b"#!AMR", 0, None, "AMR"),
    (b"caff", 0, None, "CAF"),
    (b"MAC ", 0, None, "Monkey's Audio"),
    (b"wvpk", 0, None, "WavPack"),
    (b"MPCK", 0, None, "Musepack"),
    (b"MP+", 0, None, "Musepack"),
    (b"TTA1", 0, None, "TTA"),
    (b"tBaK", 0, None, "TAK"),
    (b"DSD ", 0, None, "DSF"),
    (b"FRM8", 0, None, "DSDIFF"),
    (b"OFR ", 0, None, "OptimFROG"),
    (b".snd", 0, None, "AU"),
    (b"MThd", 0, None, "MIDI"),
    (b"\x0b\x77", 0, None, "AC-3"),
    (b"ADIF", 0, None, "AAC (ADIF)"),
)
_NOT_AUDIO = (
    (b"\xff\xd8\xff", "jpeg"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"GIF8", "gif"),
    (b"%PDF", "pdf"),
    (b"PK\x03\x04", "zip"),
    (b"\x00\x00\x01\x00", "ico"),
)
_MP4_FIRST_BOXES = (b"ftyp", b"moov", b"mdat", b"free", b"wide", b"skip")


def sniff(data) -> tuple[str, str | None]:
    """What a file's bytes say it is: ``(kind, name)``.

    kind is one of our audio kinds (``mp3``, ``adts``, ``mp4``, ``ogg``, ``flac``,
    ``wav``), ``other-audio`` (name says which), a non-audio kind (``jpeg``, ``png``,
    ``gif``, ``pdf``, ``zip``, ``ico``, ``html``, ``text``) or ``unknown``. ID3v2 tags at
    the start are skipped first: they may stand in front of MP3, AAC or FLAC data."""
    pos = leading_tags_end(data)
    head = bytes(data[pos : pos + 64])
    if head.startswith(b"fLaC"):
        return "flac", None
    if head.startswith(b"OggS"):
        return "ogg", None
    if head[:4] in (b"RIFF", b"RF64", b"BW64") and head[8:12] == b"WAVE":
        return "wav", None
    if head[4:8] in _MP4_FIRST_BOXES:
        return "mp4", None
    for magic, at, subtypes, name in _AUDIO_ELSEWHERE:
        if head.startswith(magic) and (subtypes is None or head[at : at + 4] in subtypes):
            return "other-audio", name
    for magic, kind in _NOT_AUDIO:
        if head.startswith(magic):
            return kind, None
    if adts_frame_length(data, pos) and adts_frame_length(data, pos + adts_frame_length(data, pos)):
        return "adts", None
    if find_mpeg_frames(data, pos, limit=1) == pos:
        return "mp3", None
    if head[:4] == b"RIFF":
        return "other-audio", "RIFF"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<?xml", b"<svg")):
        return "html", None
    if find_mpeg_frames(data, pos) >= 0:
        return "mp3", None  # MPEG audio after some padding or junk, which FFmpeg skips too
    sample = bytes(data[pos : pos + 4096])
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start < len(sample) - 3:  # not just a character cut at the sample's end
            return "unknown", None
    return ("text", None) if sample and b"\x00" not in sample else ("unknown", None)


@contextmanager
def mapped(path):
    """The file at ``path`` as a read-only ``mmap`` (``b""`` when it is empty)."""
    with open(path, "rb") as fh:
        if fh.seek(0, 2) == 0:
            yield b""
            return
        view = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        try:
            yield view
        finally:
            view.close()
