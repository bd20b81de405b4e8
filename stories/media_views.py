"""Serving media files to those entitled to see their story, and the contributor's media edits.

``/media/<media_id>/<variant>`` answers exactly like the story page: 404 unless
the viewer may see the story (archive.access.can_view). Files are sent with
their stored type, ``nosniff``, a sandboxing CSP and HTTP Range support, so a
listener can seek in a long recording without downloading it all.
"""

from flask import Blueprint, abort, current_app, g, request
from flask_babel import gettext as _
from werkzeug.wrappers import Response
from werkzeug.wsgi import wrap_file

from archive import media
from archive.access import can_view, is_published
from archive.consent import current_consent
from archive.db import get_db
from archive.media import UploadRefused
from archive.media_errors import MediaError
from archive.storage import get_storage
from archive.stories import find_by_receipt, get_story
from archive.webvtt import clock, parse_vtt
from stories.forms import (
    AddMediaForm,
    MediaDeleteForm,
    MediaDescriptionForm,
    PhotoDescriptionForm,
    ReceiptCodeForm,
)
from stories.viewer import current_level

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


def _media_headers(response: Response, media_id: str, ext: str) -> Response:
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = MEDIA_CSP
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    response.headers["Content-Disposition"] = f'inline; filename="{media_id}.{ext}"'
    # Every request goes through the access check again (a story can be narrowed
    # or withdrawn at any time), so caches may keep a copy only if they revalidate.
    response.headers["Cache-Control"] = "private, no-cache"
    response.vary.add("Cookie")
    return response


def _visible_story(db, story_id: str) -> bool:
    story = get_story(db, story_id)
    return story is not None and can_view(current_level(), story, current_consent(db, story))


@bp.route("/media/<media_id>/<variant>")
def serve(media_id, variant):
    """One stored file of a photo or recording, or its WebVTT captions; 404 unless
    the viewer may see the story."""
    db = get_db()
    item = media.get_media(db, media_id)
    if (
        item is None
        or variant not in media.VARIANTS[item["kind"]]
        or not _visible_story(db, item["story_id"])
    ):
        abort(404)
    if variant == "vtt":
        if not item["vtt"]:
            abort(404)
        response = Response(item["vtt"], mimetype="text/vtt")
        return _media_headers(response, media_id, "vtt")
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
    _media_headers(response, media_id, _EXTENSIONS.get(stored["mime"], "bin"))
    # make_conditional adds a Date header; stories.safety removes it (the server sends one).
    return response.make_conditional(request, accept_ranges=True, complete_length=size)


def media_for_page(story_id: str) -> dict:
    """A story's media for its page: photos, and recordings with their transcript cues.

    Only called from templates of pages whose view already checked that the viewer
    may see the story."""
    items = media.list_media(get_db(), story_id)
    recordings = []
    for item in (i for i in items if i["kind"] == "audio"):
        try:
            item["cues"] = parse_vtt(item["vtt"].encode()) if item["vtt"] else []
        except MediaError:
            item["cues"] = []
        recordings.append(item)
    return {"photos": [i for i in items if i["kind"] == "photo"], "recordings": recordings}


# --- the contributor's media edits, reached with the receipt code ----------------


def _owned_media(story, media_id):
    item = media.get_media(get_db(), media_id or "")
    return item if item is not None and item["story_id"] == story["id"] else None


@bp.route("/my-story/media", methods=["POST"])
def my_story_media():
    """Change the description of, or delete, a photo or recording of one's own story."""
    from stories.contribute import _code_form_page, _dashboard

    code = request.form.get("code", "")
    story = find_by_receipt(get_db(), code)
    if story is None:
        return _code_form_page(ReceiptCodeForm(), error=True)
    if story["status"] not in media.EDITABLE_BY_CONTRIBUTOR:
        return _dashboard(story, message=_("Photos and recordings can no longer be changed."), code=code)
    action = request.form.get("action")
    item = _owned_media(story, request.form.get("media_id"))
    if action == "delete":
        form = MediaDeleteForm()
    elif item is not None and item["kind"] == "photo":
        form = PhotoDescriptionForm()  # the alt text stays required
    else:
        form = MediaDescriptionForm()
    if item is None or not form.validate():
        if item is None or form.csrf_token.errors:
            message = _("That change could not be made. Please try again.")
            return _dashboard(story, message=message, code=code)
        return _failed_change(_dashboard, story, code, item, action, form)
    db = get_db()
    try:
        if action == "delete":
            media.delete_media(db, get_storage(), item["id"])
            message = _("The photo or recording has been deleted.")
        elif item["kind"] == "photo":
            media.describe_photo(db, item["id"], form.alt_text.data, form.caption.data)
            message = _("Your changes are saved.")
        else:
            media.set_transcript(db, item["id"], form.transcript.data)
            message = _("Your changes are saved.")
    except MediaError as exc:
        form.form_errors.append(str(exc))
        return _failed_change(_dashboard, story, code, item, action, form)
    media.back_to_queue(db, story["id"])
    return _dashboard(find_by_receipt(db, code), message=message, code=code)


def _failed_change(dashboard, story, code, item, action, form):
    """/my-story again with the refused change shown at its photo or recording:
    an error summary at the top of that form, the message at the field, what was
    typed kept, nothing saved."""
    # The summary links to the fields as the page names them (one form per item).
    ids = {"alt_text": "alt", "caption": "caption", "transcript": "transcript", "confirm": "delete"}
    for name, prefix in ids.items():
        if name in form:
            form[name].id = f"{prefix}-{item['id']}"
    g.media_failed = (item["id"], "delete" if action == "delete" else "describe", form)
    message = _("Your change was not saved. Please see the problem marked below.")
    response = dashboard(story, message=message, code=code)
    response.status_code = 400
    return response


def failed_change(media_id: str, action: str):
    """The refused form of one item's change on /my-story, or None (for the template)."""
    failed = g.get("media_failed")
    if failed and failed[0] == media_id and failed[1] == action:
        return failed[2]
    return None


@bp.route("/my-story/media/add", methods=["POST"])
def my_story_media_add():
    """Add a photo or a recording to one's own story while it awaits review."""
    from stories.contribute import _code_form_page, _dashboard

    db = get_db()
    code = request.form.get("code", "")
    story = find_by_receipt(db, code)
    if story is None:
        return _code_form_page(ReceiptCodeForm(), error=True)
    if story["status"] not in media.EDITABLE_BY_CONTRIBUTOR:
        return _dashboard(story, message=_("Photos and recordings can no longer be changed."), code=code)
    form = AddMediaForm()
    if form.validate():
        uploads = form.media_uploads()
        try:
            if not uploads:
                raise MediaError(_("Please choose a photo or a recording to add."))
            media.add_media(db, get_storage(), story["id"], uploads)
        except UploadRefused as exc:
            form.show_media_errors(exc.errors)
        except MediaError as exc:
            form.form_errors.append(str(exc))
        else:
            media.back_to_queue(db, story["id"])
            return _dashboard(
                find_by_receipt(db, code),
                message=_("Added. Curators will see it when they review your story."),
                code=code,
            )
    # The form goes back with its errors, shown in the media section of the page.
    g.media_add_form = form
    response = _dashboard(
        story, message=_("The photo or recording could not be added. Please see below."), code=code
    )
    response.status_code = 400
    return response


def add_form():
    """The add-media form for /my-story: the one just sent back with errors, or a fresh one."""
    return g.get("media_add_form") or AddMediaForm(formdata=None)


def media_audience(story, consent) -> list[str]:
    """Who can see a story's photos and recordings now (and, before publication,
    who will), in words for its contributor. The same rule as archive.access."""
    access = consent["access"]
    embargo = consent.get("embargo_until") if not story.get("embargo_released") else None
    if story["status"] == "rejected":
        return [_("Your story was not accepted into the archive, so only curators can see them.")]
    if access == "sealed":
        return [_("You chose that only curators may read your story, so only curators can see them.")]
    if is_published(story, consent):
        if access == "public":
            return [_("Your story is published, so anyone who reads the archive can see them.")]
        return [
            _(
                "Your story is published for approved researchers only, so only they and curators can see them."
            )
        ]
    if story["status"] == "approved" and embargo:
        now = _(
            "Your story stays closed until curators review it after %(date)s; until then only curators can see them.",
            date=embargo,
        )
    elif embargo:
        now = _(
            "Only curators can see them until your story is published, and not before %(date)s.", date=embargo
        )
    else:
        now = _("Only curators can see them until your story is published.")
    if access == "public":
        later = _("After that, anyone who reads the archive can see them.")
    else:
        later = _("After that, approved researchers can see them too.")
    return [now, later]


def init_app(app):
    """Register the blueprint and the template helpers."""
    app.register_blueprint(bp)
    app.jinja_env.globals.update(
        story_media=media_for_page,
        media_clock=clock,
        media_add_form=add_form,
        media_audience=media_audience,
        media_failed_change=failed_change,
    )
