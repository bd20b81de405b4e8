"""Request bodies: refused from their headers when they cannot be valid, spooled
into the data directory when they are read, and a few large uploads at a time.

Flask-WTF's CSRF check reads the whole form, and Werkzeug writes every file of
it to a temporary file first, so a request that was bound to fail (no session,
hence no CSRF token) used to cost up to the whole MAX_CONTENT_LENGTH on disk
before it was refused. ``guard_body`` runs before anything reads the body and
decides from the method, the route and the headers alone:

- a body sent in chunks, without a declared length: 411;
- a content type the route's forms cannot have: 415;
- a declared length over the route's limit (a form: FORM_LIMIT; a route marked
  with ``accepts_uploads``: what its file slots can hold): 413;
- a form without the session that holds its CSRF token: 400, as a failed CSRF
  check would say;
- a large upload while UPLOAD_SLOTS others are being received: 503 with
  Retry-After.

Each refusal closes the connection, so that a server with keep-alive does not
take the unread body for the next request. Bodies that are read are spooled
into ``SPOOL_DIR`` (inside the private data directory, never a RAM-backed /tmp)
as unnamed files, which vanish when the request closes them, or if the process
dies."""

import os
import tempfile
import threading

from flask import Request, current_app, g, make_response, request, session
from flask_babel import gettext as _

from archive.audio import MAX_AUDIO_BYTES
from archive.errors import ProcessingBusy
from archive.images import MAX_PHOTO_BYTES
from archive.webvtt import MAX_VTT_BYTES
from stories.extensions import is_csrf_exempt
from stories.limits import URLENCODED_MAX_BYTES, too_large_page
from stories.safety import csrf_message, render_error

BODY_METHODS = ("POST", "PUT", "PATCH", "DELETE")
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
# The largest form without files: its longest field percent-encoded (stories/limits.py).
FORM_LIMIT = URLENCODED_MAX_BYTES
# Upload bodies above this take one of the UPLOAD_SLOTS while they are received and processed.
LARGE_UPLOAD = 1024 * 1024
UPLOAD_SLOTS = 3
RETRY_AFTER_SECONDS = 30
# Form fields up to this size stay in memory; larger files go to SPOOL_DIR.
SPOOL_IN_MEMORY = 500 * 1024
# Blueprints whose views never read a body (the read-only JSON API, exempt from CSRF).
NO_BODY_BLUEPRINTS = ("api",)


def upload_limit(form_class) -> int:
    """The largest body a form with file slots can validly send: every photo and
    recording slot full, a captions file for each recording, and the text fields."""
    photos = form_class.photo_slots * MAX_PHOTO_BYTES
    recordings = form_class.audio_slots * (MAX_AUDIO_BYTES + MAX_VTT_BYTES)
    return photos + recordings + FORM_LIMIT


def accepts_uploads(form_class):
    """Mark a view as receiving files through ``form_class`` (placed under its
    ``route`` decorator): its body may be as large as the form's file slots allow."""

    def mark(view):
        view.upload_limit = upload_limit(form_class)
        return view

    return mark


class SpoolingRequest(Request):
    """Flask's request, with uploaded files spooled into the app's SPOOL_DIR.

    A SpooledTemporaryFile keeps small files in memory and moves larger ones to
    an unnamed file in the directory (O_TMPFILE): nothing there has a name to
    leave behind. Every file made is closed when the request ends, including
    those of a form whose parsing failed half-way (the sender went away), which
    Werkzeug never hands to ``files`` and so never closes."""

    def _get_file_stream(self, total_content_length, content_type, filename=None, content_length=None):
        spool = current_app.config["SPOOL_DIR"]
        os.makedirs(spool, mode=0o700, exist_ok=True)
        stream = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY, mode="rb+", dir=spool)
        self.__dict__.setdefault("_spooled", []).append(stream)
        return stream

    def close(self) -> None:
        """Close the request's files, parsed or not (Flask calls this as the request ends)."""
        try:
            super().close()
        finally:
            for stream in self.__dict__.pop("_spooled", []):
                stream.close()


def _refuse(code: int, message: str | None = None, retry_after: int | None = None):
    return _closing(render_error(code, message), retry_after)


def _closing(page, retry_after: int | None = None):
    """A refusal that also closes the connection: the body it did not read is not wanted."""
    response = make_response(page)
    response.headers["Connection"] = "close"
    response.headers["Cache-Control"] = "no-store"
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


def busy_page():
    """503 with Retry-After: too many uploads at once; nothing was received or kept."""
    return _refuse(
        503,
        _(
            "Several people are sending photos and recordings right now, so your story "
            "was not received. Nothing was saved: please go back and send it again in a minute."
        ),
        retry_after=RETRY_AFTER_SECONDS,
    )


def _csrf_session_missing() -> bool:
    config = current_app.config
    if not config.get("WTF_CSRF_ENABLED", True):
        return False
    return config.get("WTF_CSRF_FIELD_NAME", "csrf_token") not in session


def guard_body():
    """Refuse, from the headers alone, a body that cannot be valid (see the module
    docstring); take an upload slot for a large upload. Runs before every other
    ``before_request`` function, so before CSRF protection reads the form."""
    if request.method not in BODY_METHODS or request.endpoint is None:
        return None  # no body expected, or no route: nothing will read it
    if request.blueprint in NO_BODY_BLUEPRINTS:
        return None
    if "chunked" in request.headers.get("Transfer-Encoding", "").lower():
        return _refuse(411)
    length = request.content_length
    if not length:
        return None  # an empty form: it fails validation like any other
    if request.mimetype not in FORM_TYPES:
        return _refuse(415)
    view = current_app.view_functions.get(request.endpoint)
    uploads = request.mimetype == "multipart/form-data" and hasattr(view, "upload_limit")
    limit = view.upload_limit if uploads else FORM_LIMIT
    if length > min(limit, current_app.config.get("MAX_CONTENT_LENGTH") or limit):
        return _closing(too_large_page(files=uploads))
    if not is_csrf_exempt(request.blueprint) and _csrf_session_missing():
        return _refuse(400, csrf_message())
    if uploads and length > LARGE_UPLOAD:
        slots = current_app.extensions["crossings_upload_slots"]
        if not slots.acquire(blocking=False):
            return busy_page()
        g.upload_slot = slots
    return None


def _release_slot(exc=None) -> None:
    slots = g.pop("upload_slot", None)
    if slots is not None:
        slots.release()


def init_app(app) -> None:
    """Spool uploads into SPOOL_DIR, guard bodies before anything reads them, and
    answer ProcessingBusy (too many photos waiting to be decoded) with the busy page."""
    app.config.setdefault("SPOOL_DIR", os.path.join(app.config["DATA_DIR"], "spool"))
    app.config.setdefault("UPLOAD_SLOTS", UPLOAD_SLOTS)
    os.makedirs(app.config["SPOOL_DIR"], mode=0o700, exist_ok=True)
    app.request_class = SpoolingRequest
    app.extensions["crossings_upload_slots"] = threading.BoundedSemaphore(app.config["UPLOAD_SLOTS"])
    # First of all before_request functions: CSRF protection reads the body.
    app.before_request_funcs.setdefault(None, []).insert(0, guard_body)
    app.teardown_request(_release_slot)
    app.register_error_handler(ProcessingBusy, lambda exc: busy_page())
