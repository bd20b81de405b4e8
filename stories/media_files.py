"""Serving media files to those entitled to see their story.

``/media/<media_id>/<variant>`` answers exactly like the story page: 404 unless
the viewer may see the story (archive.policy.can_view), or is its contributor
who entered the receipt code in this browser session a short while ago
(archive.grants, archive.policy.can_view_media). Files are sent with
their stored type, ``nosniff``, a sandboxing CSP and HTTP Range support, so a
listener can seek in a long recording without downloading it all.
"""

import sqlite_utils
from flask import Blueprint, abort, current_app, request, session
from werkzeug.wrappers import Response
from werkzeug.wsgi import wrap_file

from archive import grants, media
from archive.consent import current_consent
from archive.errors import MediaError
from archive.policy import can_view, can_view_media, is_public
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
        no_store(response)  # restricted, or seen only by its contributor: never in a cache
    response.vary.add("Cookie")
    return response


# The session key that holds this browser's media grant (archive.grants).
GRANT_SESSION_KEY = "media_grant"


def _access(db, story_id: str) -> tuple[str | None, bool]:
    """How this viewer may see the story's media: "reader" (they may read the
    story), "contributor" (only through the grant their receipt code gave this
    browser session), or None; and whether everyone may (only then may a cache
    keep a copy)."""
    story = get_story(db, story_id)
    consent = current_consent(db, story)
    level = current_level()
    if can_view(level, story, consent):
        return "reader", is_public(story, consent)
    granted = grants.holds(db, session.get(GRANT_SESSION_KEY), story_id)
    return ("contributor" if can_view_media(level, story, consent, granted) else None), False


def grant_media(db, story_id: str) -> None:
    """Let this browser session see ``story_id``'s media for a while: called when
    one of its tellers' codes (receipt or invitation) has just been entered."""
    session[GRANT_SESSION_KEY] = grants.grant(db, story_id, session.get(GRANT_SESSION_KEY))


@bp.route("/media/<media_id>/<variant>")
def serve(media_id, variant):
    """One stored file of a photo or recording, or its WebVTT captions; 404 unless
    the viewer may see the story."""
    db = get_db()
    item = media.get_media(db, media_id)
    access, public = _access(db, item["story_id"]) if item is not None else (None, False)
    if item is None or variant not in media.VARIANTS[item["kind"]] or access is None:
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
    _media_headers(response, media_id, media.EXTENSIONS.get(stored["mime"], "bin"), public)
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


def thumbnails(db: sqlite_utils.Database, stories: list[tuple[str, str | None]]) -> dict[str, dict]:
    """The thumbnail to show beside each listed story, by story id: its first
    photo, with the photo's description as the image's alternative.

    ``stories`` are (story id, content notes) pairs of stories the viewer may
    read (the list was made with archive.policy). A story with content notes
    gets no thumbnail: its photos wait behind the same gate as its text."""
    return media.first_photos(db, [story_id for story_id, notes in stories if not notes])
