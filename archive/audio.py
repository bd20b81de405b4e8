"""Recordings: check that an upload is the audio type it claims, and strip every tag.

mutagen parses the file as the claimed type (by extension) and removes ID3,
APEv2, Vorbis comments and MP4 atoms, cover art included. Where mutagen leaves
identifying data behind we go further: RIFF/WAVE files are rebuilt with only
their format and sample chunks (dropping LIST/INFO, bext, iXML, XMP), and MP4
user-data boxes and creation dates are blanked in place. The result is reopened
and checked before it can be stored.
"""

import os
import struct
from dataclasses import dataclass

import mutagen
from flask_babel import lazy_gettext as _
from mutagen.aac import AAC
from mutagen.apev2 import APENoHeaderError, APEv2
from mutagen.apev2 import delete as delete_ape
from mutagen.flac import FLAC, SeekTable, StreamInfo
from mutagen.id3 import ID3, ID3NoHeaderError
from mutagen.id3 import delete as delete_id3
from mutagen.mp3 import MP3
from mutagen.mp4 import MP4
from mutagen.oggopus import OggOpus
from mutagen.oggvorbis import OggVorbis
from mutagen.wave import WAVE

from archive.errors import MediaError
from archive.storage import Staged

MAX_AUDIO_BYTES = 200 * 1024 * 1024
MAX_SECONDS = 3 * 60 * 60
_CHUNK = 1024 * 1024

# Extension -> (mutagen classes to try, container signatures allowed, MIME type served).
AUDIO_TYPES = {
    "mp3": ((MP3,), ("id3", "mpeg"), "audio/mpeg"),
    "m4a": ((MP4,), ("mp4",), "audio/mp4"),
    "aac": ((AAC, MP4), ("id3", "adts", "mp4"), "audio/aac"),
    "ogg": ((OggVorbis, OggOpus), ("ogg",), "audio/ogg"),
    "oga": ((OggVorbis, OggOpus), ("ogg",), "audio/ogg"),
    "opus": ((OggOpus,), ("ogg",), "audio/ogg"),
    "flac": ((FLAC,), ("flac", "id3"), "audio/flac"),
    "wav": ((WAVE,), ("wav",), "audio/wav"),
}
AUDIO_EXTENSIONS = tuple(AUDIO_TYPES)

# The names people know these formats by, for messages.
_FORMAT_NAMES = {
    "mp3": "MP3",
    "m4a": "M4A",
    "aac": "AAC",
    "ogg": "Ogg",
    "oga": "Ogg",
    "opus": "Opus",
    "flac": "FLAC",
    "wav": "WAV",
}

# The XMP box of MP4 files.
_XMP_UUID = bytes.fromhex("BE7ACFCB97A942E89C71999491E3AFAC")


@dataclass
class ProcessedAudio:
    """A recording checked, stripped and staged, waiting to be moved into storage."""

    file: Staged
    mime: str
    extension: str
    duration: float

    def staged(self):
        """The staged files with their variant names."""
        return [("audio", self.file)]

    def discard(self) -> None:
        """Remove the staged file (the recording will not be kept)."""
        self.file.discard()


def extension_of(filename: str | None) -> str:
    """The lower-case extension of an uploaded file's name ('' when there is none).

    The name is used only to learn which type the file claims to be; it is never stored."""
    name = (filename or "").rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def sniff(head: bytes) -> str:
    """The container a file's first bytes announce."""
    if head.startswith(b"ID3"):
        return "id3"
    if head.startswith(b"OggS"):
        return "ogg"
    if head.startswith(b"fLaC"):
        return "flac"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "wav"
    if head[4:8] == b"ftyp":
        return "mp4"
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0:
        # Frame sync: layer bits 00 mean ADTS (AAC), anything else MPEG audio.
        return "adts" if head[1] & 0x06 == 0 else "mpeg"
    return "other"


def _not_this_type(ext: str) -> MediaError:
    return MediaError(
        _(
            "This file is not a recording in %(kind)s format that we can read. Please check that "
            "it plays on your device, or send it as MP3, M4A, Ogg, FLAC or WAV.",
            kind=_FORMAT_NAMES.get(ext, ext.upper()),
        )
    )


def _copy_to_stage(stream, staged: Staged) -> None:
    """Copy the upload into the staged file, refusing it once it passes the cap."""
    written = 0
    with open(staged.path, "wb") as out:
        while True:
            chunk = stream.read(_CHUNK)
            if not chunk:
                break
            written += len(chunk)
            if written > MAX_AUDIO_BYTES:
                raise MediaError(
                    _(
                        "Recordings can be up to %(mb)d MB each. Please send a shorter or more compressed copy.",
                        mb=MAX_AUDIO_BYTES // 2**20,
                    )
                )
            out.write(chunk)
    if written == 0:
        raise MediaError(_("This file is empty. Please choose the recording again."))


def _parse(path, classes):
    """The file parsed by the first mutagen class that accepts it, or None."""
    for cls in classes:
        try:
            parsed = cls(path)
        except (mutagen.MutagenError, ValueError, struct.error, EOFError, IndexError, KeyError):
            continue
        if parsed is not None and getattr(parsed.info, "length", 0):
            return parsed
    return None


# --- stripping, per container -------------------------------------------------


def _strip_id3_ape(path) -> None:
    delete_id3(path, delete_v1=True, delete_v2=True)
    delete_ape(path)


def _strip_flac(path) -> None:
    flac = FLAC(path)
    # Keep only what decoding needs: no Vorbis comment, picture, cue sheet or application block.
    flac.metadata_blocks = [b for b in flac.metadata_blocks if isinstance(b, (StreamInfo, SeekTable))]
    flac.cuesheet = None
    flac.save(deleteid3=True, padding=lambda info: 0)


def _strip_ogg(path, cls) -> None:
    cls(path).delete()


def _rebuild_wav(path) -> None:
    """Rewrite a RIFF/WAVE file with only its fmt, fact and data chunks."""
    keep = []
    with open(path, "rb") as src:
        header = src.read(12)
        if header[:4] != b"RIFF" or header[8:12] != b"WAVE":
            raise _not_this_type("wav")
        end = os.fstat(src.fileno()).st_size
        pos = 12
        while pos + 8 <= end:
            src.seek(pos)
            chunk_id, size = struct.unpack("<4sI", src.read(8))
            if chunk_id in (b"fmt ", b"fact", b"data"):
                keep.append((chunk_id, pos + 8, min(size, end - pos - 8)))
            pos += 8 + size + (size & 1)
        if not any(c[0] == b"fmt " for c in keep) or not any(c[0] == b"data" for c in keep):
            raise _not_this_type("wav")
        tmp = f"{path}.wav"
        try:
            with open(tmp, "wb") as out:
                out.write(b"RIFF\0\0\0\0WAVE")
                for chunk_id, offset, size in keep:
                    out.write(struct.pack("<4sI", chunk_id, size))
                    src.seek(offset)
                    _copy_exact(src, out, size)
                    if size & 1:
                        out.write(b"\0")
                total = out.tell()
                out.seek(4)
                out.write(struct.pack("<I", total - 8))
            os.chmod(tmp, 0o600)
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)


def _copy_exact(src, out, size: int) -> None:
    remaining = size
    while remaining > 0:
        chunk = src.read(min(_CHUNK, remaining))
        if not chunk:
            break
        out.write(chunk)
        remaining -= len(chunk)


def _mp4_boxes(fh, start: int, end: int):
    """(type, header offset, payload offset, payload end) of the boxes in [start, end)."""
    pos = start
    while pos + 8 <= end:
        fh.seek(pos)
        size, kind = struct.unpack(">I4s", fh.read(8))
        header = 8
        if size == 1:
            size = struct.unpack(">Q", fh.read(8))[0]
            header = 16
        elif size == 0:
            size = end - pos
        if size < header or pos + size > end:
            return
        yield kind, pos, pos + header, pos + size
        pos += size


def _blank_box(fh, pos: int, payload: int, box_end: int) -> None:
    """Turn a box into a 'free' box of the same size, its content overwritten with zeros."""
    fh.seek(pos + 4)
    fh.write(b"free")
    fh.seek(payload)
    remaining = box_end - payload
    while remaining > 0:
        step = min(remaining, _CHUNK)
        fh.write(bytes(step))
        remaining -= step


def _zero_dates(fh, payload: int) -> None:
    """Zero the creation and modification times of an mvhd, tkhd or mdhd box."""
    fh.seek(payload)
    version = fh.read(1)[0]
    fh.seek(payload + 4)
    fh.write(bytes(16 if version == 1 else 8))


_MP4_CONTAINERS = {b"moov", b"trak", b"mdia"}


def _blank_mp4_boxes(fh, start: int, end: int) -> None:
    for kind, pos, payload, box_end in list(_mp4_boxes(fh, start, end)):
        if kind in (b"udta", b"meta"):
            _blank_box(fh, pos, payload, box_end)
        elif kind == b"uuid":
            fh.seek(payload)
            if fh.read(16) == _XMP_UUID:
                _blank_box(fh, pos, payload, box_end)
        elif kind in (b"mvhd", b"tkhd", b"mdhd"):
            _zero_dates(fh, payload)
        elif kind in _MP4_CONTAINERS:
            _blank_mp4_boxes(fh, payload, box_end)


def _strip_mp4(path) -> None:
    """Remove the MP4 tags with mutagen, then blank what mutagen leaves: user-data
    boxes (location, chapters, recorder names), XMP boxes and recording dates."""
    MP4(path).delete()
    with open(path, "r+b") as fh:
        _blank_mp4_boxes(fh, 0, os.fstat(fh.fileno()).st_size)


def _strip(path, parsed) -> None:
    if isinstance(parsed, MP3 | AAC):
        _strip_id3_ape(path)
    elif isinstance(parsed, FLAC):
        _strip_flac(path)
    elif isinstance(parsed, OggVorbis | OggOpus):
        _strip_ogg(path, type(parsed))
    elif isinstance(parsed, MP4):
        _strip_mp4(path)
    elif isinstance(parsed, WAVE):
        _rebuild_wav(path)


def has_tags(path, parsed_type) -> bool:
    """True when anything tag-like can still be read from the file at ``path``."""
    reopened = parsed_type(path)
    tags = reopened.tags
    if tags is not None and len(tags.keys() if hasattr(tags, "keys") else tags):
        return True
    if isinstance(reopened, FLAC) and reopened.pictures:
        return True
    if isinstance(reopened, MP3 | AAC):
        try:
            ID3(path)
            return True
        except ID3NoHeaderError:
            pass
        try:
            APEv2(path)
            return True
        except APENoHeaderError:
            pass
    return False


def process_audio(stream, filename: str | None, stage) -> ProcessedAudio:
    """Check an uploaded recording, strip its tags and stage it.

    ``filename`` tells only which type the upload claims to be. Raises MediaError
    with a message for the contributor when the file is refused; nothing stays
    staged then."""
    ext = extension_of(filename)
    if ext not in AUDIO_TYPES:
        raise MediaError(_("Recordings can be MP3, M4A, AAC, Ogg, Opus, FLAC or WAV files."))
    classes, containers, mime = AUDIO_TYPES[ext]
    staged = stage()
    try:
        _copy_to_stage(stream, staged)
        with open(staged.path, "rb") as fh:
            if sniff(fh.read(16)) not in containers:
                raise _not_this_type(ext)
        parsed = _parse(str(staged.path), classes)
        if parsed is None:
            raise _not_this_type(ext)
        if parsed.info.length > MAX_SECONDS:
            raise MediaError(
                _(
                    "Recordings can be up to %(h)d hours long. Please send a shorter one.",
                    h=MAX_SECONDS // 3600,
                )
            )
        try:
            _strip(str(staged.path), parsed)
            stripped = _parse(str(staged.path), (type(parsed),))
            clean = stripped is not None and not has_tags(str(staged.path), type(parsed))
        except (mutagen.MutagenError, ValueError, struct.error, EOFError, OSError, IndexError):
            clean, stripped = False, None
        if not clean:
            raise MediaError(
                _(
                    "We could not remove the hidden information (tags) from this recording, so we "
                    "did not keep it. Please try saving it again as MP3 or WAV."
                )
            )
        return ProcessedAudio(file=staged, mime=mime, extension=ext, duration=round(stripped.info.length, 3))
    except BaseException:
        staged.discard()
        raise
