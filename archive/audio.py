"""Recordings: check that an upload is the audio it claims to be, rebuild it from its
audio frames, and verify the copy before it can be stored.

Recordings are rebuilt, not scrubbed tag by tag (as photos are rebuilt from
their pixels): the first audio stream's packets are copied into a new file that
FFmpeg's muxer writes from scratch (``archive.audio_rebuild``). Tag blocks that
demuxers pass on as if they were audio are cut off first, where our own parser
finds them at the end of the file, and a chained Ogg file keeps its first link
only. The stored copy is then checked by our own byte-level walk
(``archive.audio_check``) and decoded again, and its sound must last as long as
the upload's.

The steps, each with its own message for the contributor:
1. the name claims a type we take; the file is not empty and not over the cap;
2. its bytes are that type (a photo, a web page or another audio format named
   .mp3 is told so);
3. FFmpeg can read it, it holds sound that decodes, it is not cut short or
   damaged, and not longer than three hours;
4. the rebuilt copy holds nothing but audio and plays as long as the upload.
"""

import logging
import os
from dataclasses import dataclass

from flask_babel import lazy_gettext as _

from archive.audio_check import leftovers
from archive.audio_formats import first_ogg_link, mapped, sniff, trailing_tags_start, wav_data_is_cut
from archive.audio_rebuild import RebuildError, decoded_seconds, rebuild
from archive.errors import MediaError
from archive.storage import Staged

MAX_AUDIO_BYTES = 200 * 1024 * 1024
MAX_SECONDS = 3 * 60 * 60
_CHUNK = 1024 * 1024
# How far the stored copy's sound may differ from the upload's. Copied packets
# decode to the same samples; what differs is the trimming of encoder delay and
# padding that an MP3's Info frame or an Ogg's last page asked for (tenths of a
# second at most, at 8 kHz).
DURATION_TOLERANCE = 0.3
# When more than this share of the packets fail to decode, or of the bytes between
# frames are not audio, the recording counts as damaged.
DAMAGED_SHARE = 0.01

# Extension -> the kinds of file (as ``sniff`` names them) it may hold.
AUDIO_TYPES = {
    "mp3": ("mp3",),
    "m4a": ("mp4",),
    "aac": ("adts", "mp4"),
    "ogg": ("ogg",),
    "oga": ("ogg",),
    "opus": ("ogg",),
    "flac": ("flac",),
    "wav": ("wav",),
}
AUDIO_EXTENSIONS = tuple(AUDIO_TYPES)

# Stored kind -> (extension, MIME type served).
STORED_TYPES = {
    "mp3": ("mp3", "audio/mpeg"),
    "adts": ("aac", "audio/aac"),
    "mp4": ("m4a", "audio/mp4"),
    "ogg": ("ogg", "audio/ogg"),
    "flac": ("flac", "audio/flac"),
    "wav": ("wav", "audio/wav"),
}

# The names people know formats by, for messages.
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
_KIND_NAMES = {"mp3": "MP3", "adts": "AAC", "mp4": "M4A (MP4)", "ogg": "Ogg", "flac": "FLAC", "wav": "WAV"}
_KIND_EXTENSIONS = {"mp3": "mp3", "adts": "aac", "mp4": "m4a", "ogg": "ogg", "flac": "flac", "wav": "wav"}
_NOT_AUDIO_NAMES = {
    "jpeg": _("a photo (JPEG)"),
    "png": _("an image (PNG)"),
    "gif": _("an image (GIF)"),
    "ico": _("an icon"),
    "pdf": _("a PDF document"),
    "zip": _("a ZIP archive or office document"),
    "html": _("a web page"),
    "text": _("a text file"),
}

log = logging.getLogger(__name__)


@dataclass
class ProcessedAudio:
    """A recording checked, rebuilt and staged, waiting to be moved into storage."""

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


# --- messages ----------------------------------------------------------------------


def _too_long() -> MediaError:
    return MediaError(
        _("Recordings can be up to %(h)d hours long. Please send a shorter one.", h=MAX_SECONDS // 3600)
    )


def _damaged(ext: str) -> MediaError:
    return MediaError(
        _(
            "Parts of this %(kind)s recording are damaged and do not play. Please check that it plays "
            "on your device, or export it again from the app that made it.",
            kind=_FORMAT_NAMES[ext],
        )
    )


def _unreadable(ext: str) -> MediaError:
    return MediaError(
        _(
            "This file is not a recording in %(kind)s format that we can read: it looks damaged. Please "
            "check that it plays on your device, or send it as MP3, M4A, Ogg, FLAC or WAV.",
            kind=_FORMAT_NAMES[ext],
        )
    )


def _cut_short() -> MediaError:
    return MediaError(
        _(
            "This recording seems to be cut off before its end: the file is incomplete. Please send "
            "the whole file again."
        )
    )


def _no_sound() -> MediaError:
    return MediaError(
        _(
            "We found no sound that plays in this recording: its audio is damaged or missing. Please check the file."
        )
    )


def _not_clean() -> MediaError:
    return MediaError(
        _(
            "We could not make a clean copy of this recording without its hidden information (tags), "
            "so we did not keep it. Please try saving it again as MP3 or WAV."
        )
    )


def _not_copied() -> MediaError:
    return MediaError(
        _(
            "We could not make a complete copy of this recording that plays, so we did not keep it. "
            "Please try saving it again as MP3 or WAV."
        )
    )


def _claim_mismatch(ext: str, kind: str, name: str | None) -> MediaError:
    """The message for a file whose bytes are not the type its name claims."""
    if kind in _KIND_NAMES:
        return MediaError(
            _(
                "This is a recording in %(found)s format, but its name ends in .%(ext)s. Please rename it "
                "to end in .%(right)s and choose it again.",
                found=_KIND_NAMES[kind],
                ext=ext,
                right=_KIND_EXTENSIONS[kind],
            )
        )
    if kind == "other-audio":
        return MediaError(
            _(
                "This recording is in %(found)s format, which we cannot keep. Please save it as MP3, M4A, "
                "Ogg, FLAC or WAV.",
                found=name,
            )
        )
    if kind in _NOT_AUDIO_NAMES:
        return MediaError(
            _(
                "This file is %(what)s, not a recording. Please choose the audio file.",
                what=_NOT_AUDIO_NAMES[kind],
            )
        )
    return _unreadable(ext)


def _rebuild_refusal(error: RebuildError, ext: str) -> MediaError:
    if error.reason == "too-long":
        return _too_long()
    if error.reason == "no-audio":
        return _no_sound()
    if error.reason == "codec":
        return MediaError(
            _(
                "This %(kind)s file holds a kind of audio we cannot keep. Please save it as MP3, M4A, "
                "Ogg, FLAC or WAV.",
                kind=_FORMAT_NAMES[ext],
            )
        )
    if error.reason == "unwritable":
        return _not_copied()
    return _unreadable(ext)


# --- steps -------------------------------------------------------------------------


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


def _sniff_and_cut(path, ext: str) -> str:
    """Check that the upload is the type its name claims, and cut off what follows its
    audio (tags at the end, the later links of a chained Ogg). Returns its kind."""
    with mapped(path) as data:
        kind, name = sniff(data)
        if kind not in AUDIO_TYPES[ext]:
            raise _claim_mismatch(ext, kind, name)
        end, problem = len(data), None
        if kind in ("mp3", "adts", "flac"):
            end = trailing_tags_start(data)
        elif kind == "ogg":
            end, problem = first_ogg_link(data)
        elif kind == "wav" and wav_data_is_cut(data):
            problem = "cut-short"
        size = len(data)
    if problem == "cut-short":
        raise _cut_short()
    if problem == "damaged":
        raise _damaged(ext)
    if end == 0:
        raise _no_sound()
    if end < size:
        os.truncate(path, end)
    return kind


def _verify(path, rebuilt) -> float:
    """The independent checks of the stored copy; returns its decoded duration."""
    found = leftovers(path, rebuilt.kind)
    if found:
        log.warning("rebuilt %s recording refused: %s", rebuilt.kind, "; ".join(found))
        raise _not_clean()
    seconds, bad = decoded_seconds(path, rebuilt.kind)
    if seconds <= 0 or bad or abs(seconds - rebuilt.upload_seconds) > DURATION_TOLERANCE:
        log.warning(
            "rebuilt %s recording refused: %.3f s stored, %.3f s uploaded, %d bad packets",
            rebuilt.kind,
            seconds,
            rebuilt.upload_seconds,
            bad,
        )
        raise _not_copied()
    return seconds


def process_audio(stream, filename: str | None, stage) -> ProcessedAudio:
    """Check an uploaded recording, rebuild it from its audio frames and stage the copy.

    ``filename`` tells only which type the upload claims to be. Raises MediaError
    with a message for the contributor when the file is refused; nothing stays
    staged then (the upload's own copy never does)."""
    ext = extension_of(filename)
    if ext not in AUDIO_TYPES:
        raise MediaError(_("Recordings can be MP3, M4A, AAC, Ogg, Opus, FLAC or WAV files."))
    upload = stage()
    stored = None
    try:
        _copy_to_stage(stream, upload)
        kind = _sniff_and_cut(upload.path, ext)
        stored = stage()
        try:
            # A second's grace: a three-hour recording's encoder adds a few silent samples.
            rebuilt = rebuild(upload.path, stored.path, kind, MAX_SECONDS + 1)
        except RebuildError as error:
            raise _rebuild_refusal(error, ext) from None
        if rebuilt.upload_seconds <= 0 or rebuilt.packets == 0:
            raise _no_sound()
        if rebuilt.cut_short:
            raise _cut_short()
        bad_share = rebuilt.bad_packets / (rebuilt.packets + rebuilt.bad_packets)
        if bad_share > DAMAGED_SHARE or rebuilt.junk_share > DAMAGED_SHARE:
            raise _damaged(ext)
        seconds = _verify(stored.path, rebuilt)
        extension, mime = STORED_TYPES[rebuilt.kind]
        return ProcessedAudio(file=stored, mime=mime, extension=extension, duration=round(seconds, 3))
    except BaseException:
        if stored is not None:
            stored.discard()
        raise
    finally:
        upload.discard()
