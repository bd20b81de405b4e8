"""Curators' pages: the review queue, the review page and its actions, edits,
redaction and revisions. Views parse the form, call archive.curation, render."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from archive import curation, media
from archive.dialogue import curator_links
from archive.errors import MediaError, StoryError
from archive.policy import REVIEWABLE, SEEN_BY_NO_VIEWER, STATUSES, consent_sentences, reaches_curators
from archive.revisions import get_revision, list_revisions
from archive.stories import describe, get_story
from stories.curate.forms import (
    CuratorEditForm,
    MediaDescriptionForm,
    RedactForm,
    RejectForm,
    RequestChangesForm,
    UnpublishForm,
    media_form_prefix,
)
from stories.paging import page_count, page_number
from stories.resources import get_db
from stories.roles import curator_required
from stories.shared_forms import ConfirmForm

bp = Blueprint("curate", __name__, url_prefix="/curate")

PAGE_SIZE = 50


def _story_or_404(story_id: str):
    db = get_db()
    with db.snapshot():  # the story and its consent as of one moment (a withdrawal may be under way)
        story = get_story(db, story_id)
        if not reaches_curators(story):
            abort(404)
        return describe(db, story)


def _media_forms(items, failed=None):
    """A description form per photo or recording, prefixed so that each field id is unique."""
    forms = {}
    for item in items:
        if failed is not None and failed.media_id.data == item["id"]:
            forms[item["id"]] = failed
            continue
        form = MediaDescriptionForm(formdata=None, prefix=media_form_prefix(item["id"]))
        form.media_id.data = item["id"]
        form.alt_text.data = item.get("alt_text") or ""
        form.caption.data = item.get("caption") or ""
        form.transcript.data = item.get("transcript") or ""
        forms[item["id"]] = form
    return forms


def _review(story, status=200, media_form=None, **forms):
    """The review page: the whole story, its media, consent in plain words, actions."""
    db = get_db()
    items = media.list_media(db, story["id"])
    forms.setdefault("approve_form", ConfirmForm(formdata=None))
    forms.setdefault("changes_form", RequestChangesForm(formdata=None))
    forms.setdefault("reject_form", RejectForm(formdata=None))
    forms.setdefault("unpublish_form", UnpublishForm(formdata=None))
    forms.setdefault("release_form", ConfirmForm(formdata=None))
    forms.setdefault("redact_form", RedactForm(formdata=None))
    consent = story["consent"]
    dialogue = curator_links(db, story)
    return (
        render_template(
            "curate/review.html",
            story=story,
            consent=consent,
            consent_lines=consent_sentences(consent),
            dialogue=dialogue,
            narrator_consent_lines={
                n["position"]: consent_sentences(n["record"]) for n in dialogue["narrators"]
            },
            media=items,
            media_forms=_media_forms(items, media_form),
            media_error=media_form.form_errors[0]
            if media_form is not None and media_form.form_errors
            else None,
            problems=curation.approval_problems(db, story["id"]),
            embargo_ended=curation.embargo_ended(consent),
            revisions=list_revisions(db, story["id"]),
            resent=curation.resubmissions(db, [story["id"]]).get(story["id"]),
            reviewable=story["status"] in REVIEWABLE,
            **forms,
        ),
        status,
    )


@bp.route("")
@curator_required
def queue():
    db = get_db()
    waiting = curation.queue(db)
    return render_template(
        "curate/queue.html",
        unlisted=SEEN_BY_NO_VIEWER,
        counts=curation.status_counts(db),
        queue=waiting,
        resent=curation.resubmissions(db, [s["id"] for s in waiting]),
        embargoes=curation.ended_embargoes(db),
    )


@bp.route("/status/<status>")
@curator_required
def by_status(status):
    if status not in STATUSES or status in SEEN_BY_NO_VIEWER:
        abort(404)
    page = page_number(request.args)
    db = get_db()
    rows, total = curation.list_by_status(db, status, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    pages = page_count(total, PAGE_SIZE)
    return render_template(
        "curate/list.html",
        status=status,
        rows=rows,
        total=total,
        page=page,
        pages=pages,
        resent=curation.resubmissions(db, [s["id"] for s in rows]) if status == "pending" else {},
    )


@bp.route("/stories/<story_id>")
@curator_required
def review(story_id):
    return _review(_story_or_404(story_id))


def _act(story_id, form_name, form, action, done_message):
    """Run a curation action from a POSTed form; re-render the review page on refusal."""
    story = _story_or_404(story_id)
    if not form.validate_on_submit():
        return _review(story, 400, **{form_name: form})
    try:
        action(get_db(), story_id, current_user.id, form)
    except StoryError as exc:
        form.form_errors.append(str(exc))
        return _review(story, 400, **{form_name: form})
    flash(done_message)
    return redirect(url_for("curate.review", story_id=story_id))


@bp.post("/stories/<story_id>/approve")
@curator_required
def approve(story_id):
    return _act(
        story_id,
        "approve_form",
        ConfirmForm(),
        lambda db, sid, actor, form: curation.approve(db, sid, actor),
        _("The story is approved."),
    )


@bp.post("/stories/<story_id>/request-changes")
@curator_required
def request_changes(story_id):
    return _act(
        story_id,
        "changes_form",
        RequestChangesForm(),
        lambda db, sid, actor, form: curation.request_changes(db, sid, actor, form.message.data),
        _("The contributor will see your message with their receipt code."),
    )


@bp.post("/stories/<story_id>/reject")
@curator_required
def reject(story_id):
    return _act(
        story_id,
        "reject_form",
        RejectForm(),
        lambda db, sid, actor, form: curation.reject(db, sid, actor, form.reason.data),
        _("The story is rejected. The contributor will see your reason."),
    )


@bp.post("/stories/<story_id>/unpublish")
@curator_required
def unpublish(story_id):
    return _act(
        story_id,
        "unpublish_form",
        UnpublishForm(),
        lambda db, sid, actor, form: curation.unpublish(db, sid, actor),
        _("The story is unpublished and back in the review queue."),
    )


@bp.post("/stories/<story_id>/release")
@curator_required
def release(story_id):
    return _act(
        story_id,
        "release_form",
        ConfirmForm(),
        lambda db, sid, actor, form: curation.release_embargo(db, sid, actor),
        _("The embargo is released."),
    )


@bp.post("/stories/<story_id>/redact")
@curator_required
def redact(story_id):
    return _act(
        story_id,
        "redact_form",
        RedactForm(),
        lambda db, sid, actor, form: curation.redact(db, sid, actor, form.passage.data),
        _("The passage is removed. The previous text is kept in a revision."),
    )


@bp.post("/stories/<story_id>/media/<media_id>")
@curator_required
def describe_media(story_id, media_id):
    """A curator writes or corrects a photo's alt text and caption, or a recording's transcript."""
    story = _story_or_404(story_id)
    db = get_db()
    item = media.get_media(db, media_id)
    if item is None or item["story_id"] != story_id:
        abort(404)
    form = MediaDescriptionForm(prefix=media_form_prefix(media_id))
    if form.validate_on_submit() and form.media_id.data == media_id:
        try:
            curation.describe_media(
                db,
                story_id,
                media_id,
                current_user.id,
                alt_text=form.alt_text.data,
                caption=form.caption.data,
                transcript=form.transcript.data,
            )
        except (MediaError, StoryError) as exc:
            form.form_errors.append(str(exc))
        else:
            flash(_("The description is saved."))
            return redirect(url_for("curate.review", story_id=story_id) + f"#media-{media_id}")
    form.media_id.data = media_id
    return _review(story, 400, media_form=form)


@bp.route("/stories/<story_id>/edit", methods=["GET", "POST"])
@curator_required
def edit(story_id):
    story = _story_or_404(story_id)
    form = CuratorEditForm()
    if request.method == "GET":
        form = CuratorEditForm(formdata=None)
        form.fill_from(story)
        return render_template("curate/edit.html", story=story, form=form)
    if form.validate_on_submit():
        try:
            changed = curation.curator_edit(get_db(), story_id, current_user.id, form.to_edit())
        except StoryError as exc:
            form.form_errors.append(str(exc))
        else:
            flash(_("Your changes are saved.") if changed else _("Nothing was changed."))
            return redirect(url_for("curate.review", story_id=story_id))
    return render_template("curate/edit.html", story=story, form=form), 400


@bp.route("/stories/<story_id>/revisions/<int:revision_id>")
@curator_required
def revision(story_id, revision_id):
    story = _story_or_404(story_id)
    rev = get_revision(get_db(), story_id, revision_id)
    if rev is None:
        abort(404)
    return render_template("curate/revision.html", story=story, revision=rev)
