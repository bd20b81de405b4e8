"""Serving media files to those entitled to see their story.

``/media/<media_id>/<variant>`` answers exactly like the story page: 404 unless
the viewer may see the story (archive.policy.can_view). Files are sent with
their stored type, ``nosniff``, a sandboxing CSP and HTTP Range support, so a
listener can seek in a long recording without downloading it all.
"""

import sqlite_utils
from flask import Blueprint, abort, current_app, request
from werkzeug.wrappers import Response
from werkzeug.wsgi import wrap_file

from archive import media
from archive.consent import current_consent
from archive.errors import MediaError
from archive.policy import can_view, is_public
from archive.stories import get_story
from archive.webvtt import parse_vtt
from stories.resources import get_db, get_storage
from stories.roles import current_level
from stories.safety import no_store

bp = Blueprint("media", __name__)

# A served file is never a page: no scripts, no plugins, no framing, no sniffing.
MEDIA_CSP = "default-src 'none'; media-src 'self'; img-src 'self'; sandbox; frame-ancestors 'none'"
# Files up to this size are read into memory; larger ones are streamed from storage.
IN_MEMORY_BYTES = 4 * 1024 * 1024
# Extensions for the download name, by stored type.
_EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "audio/mpeg": "mp3",
    "audio/mp4": "m4a",
    "audio/aac": "aac",
    "audio/ogg": "ogg",
    "audio/flac": "flac",
    "audio/wav": "wav",
}


def _media_headers(response: Response, media_id: str, ext: str, public: bool) -> Response:
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = MEDIA_CSP
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    response.headers["Content-Disposition"] = f'inline; filename="{media_id}.{ext}"'
    if public:
        # Every request goes through the access check again (a story can be narrowed
        # or withdrawn at any time), so caches may keep a copy only if they revalidate.
        response.headers["Cache-Control"] = "private, no-cache"
    else:
        no_store(response)  # restricted: never in a cache at all
    response.vary.add("Cookie")
    return response


def _audience(db, story_id: str) -> tuple[bool, bool]:
    """(may this viewer see the story, may everyone)."""
    story = get_story(db, story_id)
    consent = current_consent(db, story)
    return can_view(current_level(), story, consent), is_public(story, consent)


@bp.route("/media/<media_id>/<variant>")
def serve(media_id, variant):
    """One stored file of a photo or recording, or its WebVTT captions; 404 unless
    the viewer may see the story."""
    db = get_db()
    item = media.get_media(db, media_id)
    if item is None or variant not in media.VARIANTS[item["kind"]]:
        abort(404)
    visible, public = _audience(db, item["story_id"])
    if not visible:
        abort(404)
    if variant == "vtt":
        if not item["vtt"]:
            abort(404)
        response = Response(item["vtt"], mimetype="text/vtt")
        return _media_headers(response, media_id, "vtt", public)
    stored = item["files"].get(variant)
    if stored is None:
        abort(404)
    storage = get_storage()
    try:
        size = storage.size(stored["storage_key"])
        fh = storage.open(stored["storage_key"])
    except FileNotFoundError:
        abort(404)  # a row whose file is missing: `flask media check` reports it
    if size <= current_app.config.get("MEDIA_IN_MEMORY_BYTES", IN_MEMORY_BYTES):
        # Photos and short recordings: read at once, so no file handle outlives the request.
        with fh:
            response = Response(fh.read(), mimetype=stored["mime"])
    else:
        # Long recordings are streamed; the server closes the file when the response ends.
        response = Response(wrap_file(request.environ, fh), mimetype=stored["mime"], direct_passthrough=True)
        response.content_length = size
    # Keys are never reused for other content, so the key is a strong validator.
    response.set_etag(stored["storage_key"])
    _media_headers(response, media_id, _EXTENSIONS.get(stored["mime"], "bin"), public)
    # make_conditional adds a Date header; stories.safety removes it (the server sends one).
    return response.make_conditional(request, accept_ranges=True, complete_length=size)


def media_for_page(db: sqlite_utils.Database, story_id: str) -> dict:
    """A story's media for its page: photos, and recordings with their transcript cues.

    Only for views that have already checked that the viewer may see the story."""
    items = media.list_media(db, story_id)
    recordings = []
    for item in (i for i in items if i["kind"] == "audio"):
        try:
            item["cues"] = parse_vtt(item["vtt"].encode()) if item["vtt"] else []
        except MediaError:
            item["cues"] = []
        recordings.append(item)
    return {"photos": [i for i in items if i["kind"] == "photo"], "recordings": recordings}
