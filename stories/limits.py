"""How much a request may carry, set from the fields' own documented limits, and
the "too large" page that names the real cause.

Werkzeug refuses a multipart text field longer than MAX_FORM_MEMORY_SIZE bytes
and a multipart body of more than MAX_FORM_PARTS parts with a bare 413. Flask's
defaults (500,000 bytes, 1,000 parts) matched nothing of ours: a 170,000-character
Chinese transcript, well within its field's limit, is 510,000 bytes of UTF-8. So:

- MAX_FORM_MEMORY_SIZE is the longest field's limit in characters times 4 (the
  most bytes UTF-8 needs for one character; a browser's CR LF line break is 2).
  Any text within its field's limit fits, and so does a text several times over
  a shorter field's limit: that one reaches the form, which says what the limit
  is and keeps what was typed.
- MAX_FORM_PARTS is the number of fields of the largest multipart form (each
  theme checkbox is a part of its own), with room for a few hidden inputs.
- A body that is not multipart (the forms without files) is read whole, so it
  may be at most what the longest field needs when percent-encoded (3 bytes
  for each byte): URLENCODED_MAX_BYTES, which stories/upload_guard.py enforces
  from the request's headers before anything reads the body.
"""

from flask import request
from flask_babel import format_decimal
from flask_babel import gettext as _
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms.fields.core import UnboundField

from archive import media, stories
from archive.languages import STORY_LANGUAGES
from archive.themes import THEMES
from stories.safety import render_error

# The longest text one field may hold, in characters: a recording's transcript.
LONGEST_FIELD_CHARS = max(
    stories.MAX_STORY_CHARS, media.MAX_TRANSCRIPT, media.MAX_ALT_TEXT, media.MAX_CAPTION
)
UTF8_MAX_BYTES = 4
MAX_FORM_MEMORY_SIZE = LONGEST_FIELD_CHARS * UTF8_MAX_BYTES
URLENCODED_MAX_BYTES = MAX_FORM_MEMORY_SIZE * 3
# Hidden inputs some forms add to their fields (csrf_token, code, action, media_id...).
_HIDDEN_INPUTS = 8


def form_parts(form_class) -> int:
    """How many parts a multipart body of ``form_class`` may have: every field,
    one part per theme and per language checkbox, and the hidden inputs pages add. The app sets
    MAX_FORM_PARTS from the largest form with files (the submission form)."""
    fields = sum(1 for name in dir(form_class) if isinstance(getattr(form_class, name), UnboundField))
    return fields + len(THEMES) + len(STORY_LANGUAGES) + _HIDDEN_INPUTS


def _files_too_large() -> bool:
    """Did the whole request (its files) go over the upload limit, rather than one
    text field over MAX_FORM_MEMORY_SIZE?"""
    whole = request.content_length or 0
    return request.mimetype == "multipart/form-data" and whole > (request.max_content_length or whole)


def too_large_page(files: bool):
    """The 413 page: about files (the general message) when an upload as a whole
    was too large, about text when a text box (or a form without files) was."""
    if files:
        return render_error(413)
    message = _(
        "One of the text boxes held far more than we can keep: a story can be up to %(story)s "
        "characters, and a transcript up to %(transcript)s. Nothing was saved. Please go back (your "
        "browser usually still has what you typed), shorten it or split it, and send it again.",
        story=format_decimal(stories.MAX_STORY_CHARS),
        transcript=format_decimal(media.MAX_TRANSCRIPT),
    )
    return render_error(413, message)


def _too_large(exc: RequestEntityTooLarge):
    return too_large_page(files=_files_too_large())


def init_app(app) -> None:
    """Install the 413 page on ``app`` (the form limits themselves are set in the
    app's configuration, and plain bodies are bounded by stories/upload_guard.py)."""
    app.register_error_handler(RequestEntityTooLarge, _too_large)
