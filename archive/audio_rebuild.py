"""Rebuilding a recording from its audio packets, with PyAV (FFmpeg's libraries).

Only the first audio stream's packets are copied, unchanged, into a new
container that the muxer writes from scratch: no metadata, chapters,
attachments or other streams can come along, because nothing but audio packets
is ever handed to it. The packets are also decoded on the way, which measures
how much sound the upload really holds (headers can lie) and finds damage.
Nothing is re-encoded: every format we accept can be remuxed cleanly.

Per format (the kind of the stored file in brackets):
- MP3 (mp3): the MP3 muxer with no ID3v2 header and no Xing/Info frame. Each
  packet is checked against its MPEG frame header, and bytes after the frame
  (data a demuxer passed through) are dropped.
- AAC in ADTS (adts): the ADTS muxer, which writes no ID3 or APE tag.
- MP4/M4A, also an MP4 named .aac (mp4): the MP4 muxer with ``faststart`` so
  browsers can play while loading. It always writes an empty iTunes metadata
  box; that box is turned into zeroed free space.
- Ogg Vorbis and Opus (ogg): the Ogg muxer writes the stream's headers anew,
  with a comment header holding only a vendor string. FLAC in Ogg is stored
  as plain FLAC.
- FLAC (flac): written here, since FFmpeg's FLAC muxer always adds a comment
  block: the marker, the STREAMINFO block from the stream's parameters, then
  the frames as FFmpeg's parser split them.
- WAV, RF64 and WAVs with a streaming size (wav): the WAV muxer, which writes
  fmt (fact) and data chunks only. RF64 becomes a plain WAV (our files are
  far below 4 GB).
The muxers run with FFmpeg's ``bitexact`` flag, so they write no encoder
name and no dates.
"""

from dataclasses import dataclass

import av

from archive.audio_formats import mapped, mp4_boxes, mpeg_frame_length

# The FFmpeg demuxer forced for each kind of upload, so a file is read as what
# its bytes say it is and nothing else.
_DEMUXERS = {"mp3": "mp3", "adts": "aac", "mp4": "mov", "ogg": "ogg", "flac": "flac", "wav": "wav"}

_MUXERS = {
    "mp3": ("mp3", {"id3v2_version": "0", "write_xing": "0"}),
    "adts": ("adts", {}),
    "mp4": ("mp4", {"movflags": "+faststart"}),
    "ogg": ("ogg", {}),
    "wav": ("wav", {}),
}
_OGG_CODECS = ("vorbis", "opus")


class RebuildError(Exception):
    """The upload cannot be rebuilt; ``reason`` says why: unreadable, no-audio,
    codec (a kind of audio we cannot store in that container), too-long, unwritable."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass
class Rebuilt:
    """What a rebuild wrote and what it learnt about the upload."""

    kind: str  # the stored file's kind: mp3, adts, mp4, ogg, flac or wav
    codec: str
    packets: int
    bad_packets: int  # packets the decoder could not decode
    junk_share: float  # the share of the packet bytes between frames that were not frames (MP3, FLAC)
    upload_seconds: float  # the sound the upload's packets decode to
    cut_short: bool  # the upload ends inside a frame, or before the frames its header declares


def _stored_kind(kind: str, codec: str) -> str:
    if kind == "ogg" and codec == "flac":
        return "flac"
    if kind == "ogg" and codec not in _OGG_CODECS:
        raise RebuildError("codec", codec)
    if kind == "mp3" and codec not in ("mp3", "mp2", "mp1"):
        raise RebuildError("codec", codec)
    return kind


class _FlacWriter:
    """A FLAC file: marker, one STREAMINFO block, frames."""

    def __init__(self, path, streaminfo: bytes):
        if len(streaminfo) != 34:
            raise RebuildError("unwritable", "no FLAC STREAMINFO")
        self._out = open(path, "wb")  # noqa: SIM115 (closed in close())
        self._out.write(b"fLaC" + bytes([0x80]) + (34).to_bytes(3, "big") + streaminfo)

    def mux(self, packet) -> None:
        self._out.write(bytes(packet))

    def close(self) -> None:
        self._out.close()


class _Muxer:
    """One of FFmpeg's muxers with a single stream copied from the upload's."""

    def __init__(self, path, kind: str, template):
        name, options = _MUXERS[kind]
        if kind == "mp3" and template.codec_context.codec.canonical_name != "mp3":
            name = "mp2"  # MPEG layer I/II audio in a .mp3 file: the same frames, raw
        self._container = av.open(str(path), "w", format=name, options=dict(options))
        self._container.flags |= av.container.Flags.bitexact.value
        self._stream = self._container.add_stream_from_template(template)
        self._stream.metadata.clear()

    def mux(self, packet) -> None:
        packet.stream = self._stream
        self._container.mux(packet)

    def close(self) -> None:
        self._container.close()


def _open_writer(path, kind: str, template):
    try:
        if kind == "flac":
            return _FlacWriter(path, bytes(template.codec_context.extradata or b""))
        return _Muxer(path, kind, template)
    except av.FFmpegError as error:
        raise RebuildError("codec", str(error)) from None


def _frame_only(packet, kind: str):
    """For MP3 and FLAC, whose frames we can recognise: the packet cut to the frame it
    starts with, or None when it starts with no frame (stray bytes a demuxer passed
    on). An MP3 frame cut short by the end of the file is returned as it is."""
    if kind == "flac":
        return packet if bytes(packet)[:2] in (b"\xff\xf8", b"\xff\xf9") else None
    if kind != "mp3":
        return packet
    data = bytes(packet)
    length = mpeg_frame_length(data)
    if not length:
        return None
    if len(data) <= length:
        return packet
    frame = av.Packet(data[:length])
    frame.pts, frame.dts, frame.duration = packet.pts, packet.dts, packet.duration
    frame.time_base = packet.time_base
    return frame


_TAG_STARTS = (b"ID3", b"APETAGEX", b"TAG", b"LYRICSBEGIN")


class _Decoded:
    """Counts the sound and the damage in a stream's packets as they are decoded."""

    def __init__(self, max_seconds: float | None = None):
        self.seconds = 0.0
        self.bad = 0
        self.max_seconds = max_seconds

    def feed(self, codec_context, packet) -> None:
        try:
            frames = codec_context.decode(packet)
        except av.FFmpegError:
            self.bad += 1
            return
        for frame in frames:
            if frame.sample_rate:
                self.seconds += frame.samples / frame.sample_rate
        if self.max_seconds is not None and self.seconds > self.max_seconds:
            raise RebuildError("too-long")


def _open_input(path, kind: str):
    try:
        container = av.open(str(path), "r", format=_DEMUXERS[kind])
    except (av.FFmpegError, UnicodeDecodeError) as error:
        raise RebuildError("unreadable", str(error)) from None
    if not container.streams.audio:
        container.close()
        raise RebuildError("no-audio")
    return container


@dataclass
class _Copied:
    """What the packet copy counted."""

    packets: int = 0
    short: int = 0  # MP3 frames cut short with another frame after them
    last_short: bool = False  # the last MP3 frame is cut short
    audio_bytes: int = 0
    junk_bytes: int = 0  # bytes between frames that were no frame and no tag block
    pending_junk: int = 0  # such bytes after the last frame so far


def _copy_packets(upload, source, writer, kind: str, decoded: _Decoded, copied: _Copied) -> None:
    for packet in upload.demux(source):
        if packet.size == 0:
            decoded.feed(source.codec_context, packet)  # the end: flushes the decoder
            continue
        frame = _frame_only(packet, kind)
        if frame is None:
            # Bytes that the demuxer passed on as if they were a frame: a tag block is
            # dropped like any other; anything else between two frames is damage to
            # the audio (after the last frame it is only dropped).
            copied.pending_junk += 0 if bytes(packet).startswith(_TAG_STARTS) else packet.size
            continue
        copied.audio_bytes += frame.size
        copied.junk_bytes, copied.pending_junk = copied.junk_bytes + copied.pending_junk, 0
        copied.short += copied.last_short
        copied.last_short = kind == "mp3" and mpeg_frame_length(bytes(frame)) > frame.size
        decoded.feed(source.codec_context, frame)
        # Muxers need timestamps; raw FLAC frames are written as they are.
        if frame.dts is None and kind != "flac":
            continue
        writer.mux(frame)
        copied.packets += 1


def rebuild(src, dst, kind: str, max_seconds: float) -> Rebuilt:
    """Write the first audio stream of the upload at ``src`` (sniffed as ``kind``) into
    a new file at ``dst``, packet for packet. Raises RebuildError."""
    with _open_input(src, kind) as upload:
        source = upload.streams.audio[0]
        codec = source.codec_context.codec.canonical_name
        stored_kind = _stored_kind(kind, codec)
        writer = _open_writer(dst, stored_kind, source)
        decoded, copied = _Decoded(max_seconds), _Copied()
        try:
            try:
                _copy_packets(upload, source, writer, stored_kind, decoded, copied)
            finally:
                writer.close()  # writes the container's trailer
        except (av.FFmpegError, ValueError, OSError) as error:
            # A muxer that refuses the first packet refuses the codec (it writes its header then).
            raise RebuildError("codec" if copied.packets == 0 else "unwritable", str(error)) from None
        declared = source.frames if kind == "mp4" else 0
        cut_short = copied.last_short or (declared > 0 and copied.packets < declared)
        cut_short = cut_short or _flac_cut_short(source, kind, decoded.seconds)
    if stored_kind == "mp4":
        blank_empty_metadata(dst)
    return Rebuilt(
        kind=stored_kind,
        codec=codec,
        packets=copied.packets,
        bad_packets=decoded.bad + copied.short,
        junk_share=copied.junk_bytes / max(1, copied.junk_bytes + copied.audio_bytes),
        upload_seconds=decoded.seconds,
        cut_short=cut_short,
    )


def _flac_cut_short(stream, kind: str, seconds: float) -> bool:
    """A FLAC's STREAMINFO counts its samples: fewer decoded means the file was cut."""
    info = bytes(stream.codec_context.extradata or b"") if kind == "flac" else b""
    if len(info) != 34:
        return False
    packed = int.from_bytes(info[10:18], "big")
    rate, total = packed >> 44, packed & ((1 << 36) - 1)
    return bool(rate and total) and seconds < total / rate - 0.05


def decoded_seconds(path, kind: str) -> tuple[float, int]:
    """Decode the first audio stream of the file at ``path`` (``kind`` as stored):
    (seconds of sound, packets that failed to decode)."""
    with _open_input(path, kind) as container:
        stream = container.streams.audio[0]
        decoded = _Decoded()
        for packet in container.demux(stream):
            decoded.feed(stream.codec_context, packet)
    return decoded.seconds, decoded.bad


def blank_empty_metadata(path) -> None:
    """Turn the MP4 muxer's empty user-data box (udta > meta > hdlr 'mdir' + empty ilst) into zeroed free space (same size, so
    no offset moves). A user-data box with anything in it is left for the check to find."""
    with open(path, "r+b") as fh:
        with mapped(path) as data:
            spots = []
            for kind, _pos, payload, end in mp4_boxes(data, 0, len(data)):
                if kind != b"moov":
                    continue
                for inner, inner_pos, inner_payload, inner_end in mp4_boxes(data, payload, end):
                    if inner == b"udta" and _holds_only_empty_meta(data, inner_payload, inner_end):
                        spots.append((inner_pos, inner_payload, inner_end))
        for pos, payload, end in spots:
            fh.seek(pos + 4)
            fh.write(b"free")
            fh.seek(payload)
            fh.write(bytes(end - payload))


def _holds_only_empty_meta(data, start: int, end: int) -> bool:
    boxes = list(mp4_boxes(data, start, end))
    if [kind for kind, *_ in boxes] != [b"meta"]:
        return False
    _kind, _pos, payload, meta_end = boxes[0]
    inner = list(mp4_boxes(data, payload + 4, meta_end))  # meta is a full box: 4 bytes of version/flags
    kinds = [kind for kind, *_ in inner]
    if kinds != [b"hdlr", b"ilst"]:
        return False
    _k, _p, ilst_payload, ilst_end = inner[1]
    return ilst_payload == ilst_end
