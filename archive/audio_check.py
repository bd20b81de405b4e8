"""The independent check of a rebuilt recording: our own byte-level walk of the
stored file, not the library (PyAV/FFmpeg) that wrote it, nor mutagen.

``leftovers(path, kind)`` lists everything in the file that is not plain audio
in its container's plainest form: tag blocks at either end or inside (ID3v2,
APEv2, Lyrics3, ID3v1), RIFF chunks other than fmt/fact/data, MP4 boxes outside
a one-sound-track layout (udta, meta, chpl, a second trak, a text or data
track, a chapter reference), more than one Ogg logical stream or a comment
header with anything but its vendor string, FLAC metadata blocks other than
STREAMINFO, SEEKTABLE and zeroed PADDING, and for MP3 and AAC any byte that
is not part of an audio frame. An empty list means the file is clean.
"""

import re

from archive.audio_formats import (
    adts_frame_length,
    flac_blocks,
    mapped,
    mp4_boxes,
    mpeg_frame_length,
    ogg_packets,
    ogg_pages,
    riff_chunks,
)

# Tag containers found anywhere in a file, whatever its kind. The ID3v2 patterns
# ask for a valid version and size so that audio data matches them by chance
# about once in 10^13 bytes.
_TAG_SIGNATURES = re.compile(
    rb"ID3[\x02-\x04]\x00.[\x00-\x7f]{4}|3DI[\x02-\x04]\x00.[\x00-\x7f]{4}|APETAGEX|LYRICSBEGIN|LYRICS200|LYRICSEND",
    re.DOTALL,
)
_TAG_NAMES = {b"ID3": "ID3v2 tag", b"3DI": "ID3v2 tag footer", b"APE": "APEv2 tag", b"LYR": "Lyrics3 tag"}


def _tag_signatures(data) -> list[str]:
    found = [
        f"{_TAG_NAMES[match.group()[:3]]} at byte {match.start()}" for match in _TAG_SIGNATURES.finditer(data)
    ]
    if len(data) >= 128 and data[-128:-125] == b"TAG":
        found.append("ID3v1 tag at the end")
    return found


def _frames_tile(data, frame_length, name: str) -> list[str]:
    """Every byte must belong to a frame, from the first byte to the last."""
    pos = 0
    while pos < len(data):
        length = frame_length(data, pos)
        if not length:
            return [f"{len(data) - pos} bytes that are not {name} frames, at byte {pos}"]
        pos += length
    return [] if pos == len(data) else [f"the last {name} frame is cut short"]


def _mp3(data) -> list[str]:
    return _frames_tile(data, mpeg_frame_length, "MPEG audio")


def _adts(data) -> list[str]:
    return _frames_tile(data, adts_frame_length, "ADTS")


def _wav(data) -> list[str]:
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        return ["not a RIFF/WAVE file"]
    found, end = [], 12
    for kind, offset, size in riff_chunks(data):
        if kind not in (b"fmt ", b"fact", b"data"):
            found.append(f"RIFF chunk {kind!r}")
        end = offset + size + (size & 1)
    if end < len(data):
        found.append(f"{len(data) - end} bytes after the last RIFF chunk")
    return found


# The boxes an audio-only MP4 needs, and which of them hold other boxes.
_MP4_ALLOWED = {
    b"": {b"ftyp", b"moov", b"mdat", b"free"},
    b"moov": {b"mvhd", b"trak", b"iods", b"free"},
    b"trak": {b"tkhd", b"edts", b"mdia"},
    b"edts": {b"elst"},
    b"mdia": {b"mdhd", b"hdlr", b"minf"},
    b"minf": {b"smhd", b"dinf", b"stbl"},
    b"dinf": {b"dref"},
    b"stbl": {
        b"stsd",
        b"stts",
        b"stsc",
        b"stsz",
        b"stz2",
        b"stco",
        b"co64",
        b"stss",
        b"ctts",
        b"sgpd",
        b"sbgp",
    },
}
_HANDLER_NAMES = (b"", b"SoundHandler")


def _zeroed(data, start: int, end: int) -> bool:
    return not bytes(data[start:end]).strip(b"\x00")


def _mp4_box_problem(data, kind: bytes, payload: int, end: int) -> str | None:
    if kind == b"free" and not _zeroed(data, payload, end):
        return "an MP4 'free' box with content"
    if kind == b"hdlr":
        handler = bytes(data[payload + 8 : payload + 12])
        name = bytes(data[payload + 24 : end]).rstrip(b"\x00")
        if handler != b"soun":
            return f"an MP4 track of type {handler!r} (not sound)"
        if name not in _HANDLER_NAMES:
            return f"an MP4 handler name {name!r}"
    if kind in (b"mvhd", b"tkhd", b"mdhd"):
        dates = 16 if data[payload] == 1 else 8
        if not _zeroed(data, payload + 4, payload + 4 + dates):
            return f"a date in MP4 box {kind!r}"
    return None


def _mp4(data) -> list[str]:
    found, tracks, moovs = [], 0, 0

    def walk(parent: bytes, start: int, end: int) -> None:
        nonlocal tracks, moovs
        for kind, _pos, payload, box_end in mp4_boxes(data, start, end):
            if box_end > end:
                found.append(f"MP4 box {kind!r} runs past its end")
                return
            if kind not in _MP4_ALLOWED[parent]:
                found.append(f"MP4 box {kind!r} in {parent.decode() or 'the file'}")
                continue
            tracks += kind == b"trak"
            moovs += kind == b"moov"
            if problem := _mp4_box_problem(data, kind, payload, box_end):
                found.append(problem)
            if kind in _MP4_ALLOWED:
                walk(kind, payload, box_end)

    if data[4:8] != b"ftyp":
        found.append("no MP4 ftyp box first")
    walk(b"", 0, len(data))
    if tracks != 1 or moovs != 1:
        found.append(f"{tracks} MP4 tracks in {moovs} movie boxes (one sound track expected)")
    return found


def _comment_problem(packet: bytes) -> str | None:
    """A Vorbis or Opus comment header must hold its vendor string and nothing else."""
    if packet.startswith(b"\x03vorbis"):
        body, trailer = packet[7:], b"\x01"
    elif packet.startswith(b"OpusTags"):
        body, trailer = packet[8:], b""
    else:
        return "an Ogg stream that is neither Vorbis nor Opus"
    vendor = int.from_bytes(body[:4], "little")
    count = int.from_bytes(body[4 + vendor : 8 + vendor], "little")
    rest = body[8 + vendor :]
    if len(body) < 8 + vendor or count or rest not in (trailer, b""):
        return "an Ogg comment header with comments"
    return None


def _ogg(data) -> list[str]:
    found, end = [], 0
    for _pos, _flags, _serial, page_end, _lacing in ogg_pages(data):
        end = page_end
    if end != len(data):
        found.append(f"{len(data) - end} bytes that are not Ogg pages, at byte {end}")
    packets, serials = ogg_packets(data, 2)
    if len(serials) != 1:
        found.append(f"{len(serials)} Ogg logical streams (one expected)")
    if len(packets) < 2:
        found.append("no Ogg comment header")
    elif problem := _comment_problem(packets[1]):
        found.append(problem)
    return found


_FLAC_STREAMINFO, _FLAC_PADDING, _FLAC_SEEKTABLE = 0, 1, 3


def _flac(data) -> list[str]:
    if data[:4] != b"fLaC":
        return ["no fLaC marker at the start"]
    found, end = [], 4
    for kind, offset, size in flac_blocks(data):
        end = offset + size
        if kind == _FLAC_PADDING and not _zeroed(data, offset, end):
            found.append("a FLAC padding block with content")
        elif kind not in (_FLAC_STREAMINFO, _FLAC_PADDING, _FLAC_SEEKTABLE):
            found.append(f"FLAC metadata block of type {kind}")
    if data[end : end + 2] not in (b"\xff\xf8", b"\xff\xf9"):
        found.append(f"bytes that are not a FLAC frame after the metadata, at byte {end}")
    return found


_WALKS = {"mp3": _mp3, "adts": _adts, "wav": _wav, "mp4": _mp4, "ogg": _ogg, "flac": _flac}


def leftovers(path, kind: str) -> list[str]:
    """What in the file at ``path`` (a rebuilt recording of ``kind``: mp3, adts, mp4,
    ogg, flac or wav) is not plain audio; empty when the file is clean."""
    with mapped(path) as data:
        if not data:
            return ["an empty file"]
        return _tag_signatures(data) + _WALKS[kind](data)
