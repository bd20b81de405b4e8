"""The contributor's journey: share a story, come back with the receipt code, edit,
narrow access, withdraw. No account and no JavaScript needed."""

from flask import Blueprint, make_response, render_template, request
from flask_babel import gettext as _

from archive.consent import ConsentChoices, consent_history, consent_text, current_consent
from archive.db import get_db
from archive.media import MediaError, UploadRefused, submit_with_media
from archive.storage import get_storage
from archive.stories import (
    EDITABLE_BY_CONTRIBUTOR,
    DuplicateSubmission,
    StoryError,
    describe,
    edit_by_contributor,
    find_by_receipt,
    narrow_access,
    withdraw_story,
)
from stories.forms import EditStoryForm, NarrowAccessForm, ReceiptCodeForm, SubmitStoryForm, WithdrawForm

bp = Blueprint("contribute", __name__)


def private(body, status=200):
    """A response that no browser or proxy may keep: receipt codes pass through it."""
    response = make_response(body, status)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response


@bp.route("/submit", methods=["GET", "POST"])
def submit():
    form = SubmitStoryForm()
    shown = consent_text()
    if form.validate_on_submit():
        choices = ConsentChoices(
            access=form.access.data,
            quotation=form.quotation.data,
            adult=form.adult.data,
            archiving=form.archiving_consent.data,
            embargo_until=form.embargo_until.data.isoformat() if form.embargo_until.data else None,
        )
        try:
            # The story and its media are stored together or not at all (archive.media).
            story_id, code = submit_with_media(
                get_db(),
                get_storage(),
                form.to_draft(),
                choices,
                shown,
                form.media_uploads(),
                submission_key=form.submission_key.data,
            )
        except DuplicateSubmission:
            return private(render_template("already_received.html"), 409)
        except UploadRefused as exc:
            form.show_media_errors(exc.errors)
        except (StoryError, MediaError) as exc:
            form.form_errors.append(str(exc))
        else:
            return private(render_template("receipt.html", code=code, story_id=story_id))
    status = 400 if form.is_submitted() else 200
    return private(render_template("submit.html", form=form, consent_text=shown), status)


def _dashboard(story, message=None, edit_form=None, narrow_form=None, code=""):
    """The contributor's view of their story, reached only with the receipt code."""
    db = get_db()
    story = describe(db, story)
    consent = story["consent"]
    editable = story["status"] in EDITABLE_BY_CONTRIBUTOR
    if editable and edit_form is None:
        edit_form = EditStoryForm(formdata=None)
        edit_form.fill_from(story)
    if narrow_form is None:
        narrow_form = NarrowAccessForm(formdata=None)
    narrow_form.set_choices(consent["access"])
    return private(
        render_template(
            "my_story.html",
            story=story,
            code=code,
            message=message,
            edit_form=edit_form if editable else None,
            narrow_form=narrow_form,
            withdraw_form=WithdrawForm(formdata=None),
            history=consent_history(db, story["id"]),
            consent=consent,
        )
    )


def _code_form_page(form, error=False):
    if error:
        # The same words and status for every code that leads nowhere, so that
        # nobody can learn anything by trying codes.
        form.code.errors = [_("We could not find a story with that code. Please check it and try again.")]
    return private(render_template("my_story_code.html", form=form))


@bp.route("/my-story", methods=["GET", "POST"])
def my_story():
    form = ReceiptCodeForm()
    if request.method == "GET":
        return _code_form_page(form)
    code = request.form.get("code", "")
    story = find_by_receipt(get_db(), code)
    action = request.form.get("action", "open")
    if not form.validate_on_submit() or story is None:
        return _code_form_page(form, error=bool(form.code.data))
    handler = _ACTIONS.get(action)
    if handler is None:
        return _dashboard(story, code=code)
    return handler(story, code)


def _edit(story, code):
    form = EditStoryForm()
    if not form.validate():
        return _dashboard(story, edit_form=form, code=code)
    try:
        edit_by_contributor(get_db(), story["id"], form.to_draft())
    except StoryError as exc:
        return _dashboard(story, message=str(exc), code=code)
    fresh = find_by_receipt(get_db(), code)
    return _dashboard(fresh, message=_("Your changes are saved. Curators will review the story again."), code=code)


def _narrow(story, code):
    db = get_db()
    form = NarrowAccessForm()
    form.set_choices(current_consent(db, story)["access"])
    if not form.validate():
        return _dashboard(story, narrow_form=form, code=code)
    try:
        narrow_access(db, story["id"], form.access.data, consent_text())
    except StoryError as exc:
        return _dashboard(story, message=str(exc), code=code)
    return _dashboard(find_by_receipt(db, code), message=_("Who may read your story has been narrowed."), code=code)


def _withdraw(story, code):
    form = WithdrawForm(formdata=None)
    return private(render_template("withdraw_confirm.html", story=story, form=form, code=code))


def _withdraw_confirmed(story, code):
    form = WithdrawForm()
    if not form.validate():
        return private(render_template("withdraw_confirm.html", story=story, form=form, code=code), 400)
    withdraw_story(get_db(), story["id"])
    return private(render_template("withdrawn.html"))


_ACTIONS = {
    "open": lambda story, code: _dashboard(story, code=code),
    "edit": _edit,
    "narrow": _narrow,
    "withdraw": _withdraw,
    "withdraw_confirm": _withdraw_confirmed,
}
