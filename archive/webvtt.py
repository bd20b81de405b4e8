"""WebVTT transcripts: validate an uploaded captions file and keep a clean copy.

Only cue times and plain cue text are kept: notes, styles, regions, cue
settings and markup are dropped, and the stored file is written anew from the
parsed cues (the same "rebuild, don't copy" rule as for photos).
"""

import html
import re
from dataclasses import dataclass

from flask_babel import lazy_gettext as _

from archive.errors import MediaError

MAX_VTT_BYTES = 1024 * 1024
MAX_CUES = 20_000
MAX_CUE_CHARS = 2_000

_TIMESTAMP = re.compile(r"^(?:(\d{2,}):)?([0-5]\d):([0-5]\d)\.(\d{3})$")
_TAG = re.compile(r"<[^>]*>")


@dataclass(frozen=True)
class Cue:
    """One timed piece of a transcript."""

    start: float
    end: float
    text: str


def _seconds(stamp: str, line_no: int) -> float:
    match = _TIMESTAMP.match(stamp.strip())
    if not match:
        raise MediaError(
            _(
                "Line %(line)d of the captions file: “%(stamp)s” is not a time like 00:01:02.500.",
                line=line_no,
                stamp=stamp.strip()[:40],
            )
        )
    hours, minutes, secs, millis = match.groups()
    return int(hours or 0) * 3600 + int(minutes) * 60 + int(secs) + int(millis) / 1000


def _plain(text: str) -> str:
    """Cue text without markup (voice spans, classes, timestamps) and with entities decoded."""
    return " ".join(html.unescape(_TAG.sub("", text)).split())


def parse_vtt(data: bytes) -> list[Cue]:
    """The cues of a WebVTT file. Raises MediaError with a helpful message when the
    file is not valid WebVTT."""
    if len(data) > MAX_VTT_BYTES:
        raise MediaError(_("Captions files can be up to 1 MB."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise MediaError(_("The captions file must be saved as UTF-8 text.")) from None
    if "\x00" in text:
        raise MediaError(_("The captions file must be saved as UTF-8 text."))
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    first = lines[0] if lines else ""
    if not (first == "WEBVTT" or first.startswith(("WEBVTT ", "WEBVTT\t"))):
        raise MediaError(_("A captions file must be a WebVTT file whose first line is WEBVTT."))
    cues: list[Cue] = []
    block: list[tuple[int, str]] = []
    # Walk blank-line separated blocks after the header block.
    numbered = list(enumerate(lines, start=1))
    i = 1
    while i < len(numbered) and numbered[i][1].strip():
        i += 1  # the rest of the header block
    for line_no, line in numbered[i:] + [(len(lines) + 1, "")]:
        if line.strip():
            block.append((line_no, line))
            continue
        if block:
            cue = _cue_from_block(block)
            if cue is not None:
                cues.append(cue)
                if len(cues) > MAX_CUES:
                    raise MediaError(_("The captions file has too many cues."))
            block = []
    if not cues:
        raise MediaError(_("The captions file has no cues (timed lines of text)."))
    return cues


def _cue_from_block(block) -> Cue | None:
    first = block[0][1].strip()
    if first.split(" ", 1)[0].split("\t", 1)[0] in ("NOTE", "STYLE", "REGION") and "-->" not in first:
        return None
    if "-->" not in first:
        block = block[1:]  # a cue identifier
        if not block or "-->" not in block[0][1]:
            raise MediaError(
                _(
                    "Line %(line)d of the captions file: a time line like 00:00:01.000 --> 00:00:04.000 was expected.",
                    line=block[0][0] if block else 0,
                )
            )
    line_no, timing = block[0]
    start_text, _arrow, rest = timing.partition("-->")
    end_text = rest.strip().split(maxsplit=1)[0] if rest.strip() else ""
    start, end = _seconds(start_text, line_no), _seconds(end_text, line_no)
    if end <= start:
        raise MediaError(
            _("Line %(line)d of the captions file: a cue must end after it starts.", line=line_no)
        )
    words = _plain(" ".join(line for _n, line in block[1:]))
    if len(words) > MAX_CUE_CHARS:
        raise MediaError(_("Line %(line)d of the captions file: this cue is too long.", line=line_no))
    return Cue(start, end, words)


def timestamp(seconds: float) -> str:
    """A WebVTT timestamp (HH:MM:SS.mmm)."""
    millis = round(seconds * 1000)
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"


def clock(seconds: float) -> str:
    """A short time for people: 1:02 or 1:02:03."""
    total = int(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def render_vtt(cues: list[Cue]) -> str:
    """A clean WebVTT file holding only the cues' times and plain text."""
    parts = ["WEBVTT", ""]
    for cue in cues:
        text = cue.text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        parts += [f"{timestamp(cue.start)} --> {timestamp(cue.end)}", text or "&nbsp;", ""]
    return "\n".join(parts)


def transcript_text(cues: list[Cue]) -> str:
    """The cues' text as a plain transcript, one cue per line."""
    return "\n".join(cue.text for cue in cues if cue.text)
