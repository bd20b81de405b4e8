"""The contributor's journey: share a story, come back with the receipt code, edit,
change photos and recordings, narrow access, withdraw; for a conversation, see
who of its narrators has consented, remove one who never answers, or give them
a new invitation. No account and no JavaScript needed. Views parse the form,
call archive.workflows, render."""

from flask import abort, render_template, request
from flask_babel import gettext as _

from archive import media, narrators, workflows
from archive.collection_lists import get_by_slug, is_open
from archive.consent import (
    consent_history,
    consent_text,
    conversation_consent_text,
    conversation_text,
    current_consent,
    text_sha256,
)
from archive.dialogue import NOTES, Dialogue
from archive.errors import DuplicateSubmission, MediaError, StorageUnavailable, StoryError, UploadRefused
from archive.policy import EDITABLE_BY_CONTRIBUTOR, audience_sentences
from archive.stories import describe, find_by_receipt, get_story, narrow_access
from stories import languages, rate_limits
from stories.contribute import conversation, receipt_window
from stories.contribute.common import bp, code_form_page, my_story_url, private, receipt_file
from stories.contribute.forms import (
    AddMediaForm,
    EditStoryForm,
    MediaDeleteForm,
    NarratorForm,
    NarrowAccessForm,
    PhotoDescriptionForm,
    ReceiptCodeForm,
    SubmitStoryForm,
    TranscriptForm,
    WithdrawForm,
)
from stories.contribute.ties import read_ties
from stories.media_files import grant_media, media_for_page
from stories.public import site_url
from stories.resources import get_db, get_storage
from stories.roles import current_level
from stories.shared_forms import ConfirmForm
from stories.upload_guard import accepts_uploads

bp.before_app_request(receipt_window.purge_if_due)


@bp.route("/submit", methods=["GET", "POST"])
@accepts_uploads(SubmitStoryForm)
def submit():
    db = get_db()
    form = SubmitStoryForm()
    ties = read_ties(db, request.values, current_level())
    if request.method == "GET":
        if request.args.get("collection") and ties.collection is None:
            abort(404)
        if ties.collection is not None and not is_open(ties.collection):
            return private(render_template("collection_closed.html", collection=ties.collection), 410)
        if request.args.get("answer") and ties.answering is None:
            abort(404)
        ties.fill(form, request.args.get("prompt"))
    form.offer_prompts(ties.prompts)
    if form.validate_on_submit():
        key = form.submission_key.data
        # Sent again (a second click, a reload, Back and Send): the receipt, not a second story.
        earlier = receipt_window.earlier_submission(db, key, form.to_draft())
        if earlier is not None:
            return receipt_window.to_receipt(earlier, again=True)
        others = form.other_narrators()
        shown = languages.shown(conversation_consent_text() if others else consent_text())
        # A circle that closed or a story that left the archive since the form was
        # opened: the story is still kept, and the receipt says what was left out.
        offered = get_by_slug(db, form.collection.data)
        dialogue = Dialogue(
            collection_id=offered["id"] if offered else None,
            prompt_id=form.prompt_id(),
            answers=form.answer.data or None,
            narrators=others,
            level=current_level(),
        )
        try:
            # The story, its media and its ties are stored together or not at all.
            workflows.share_story(
                db,
                get_storage(),
                form.to_draft(),
                form.consent_choices(adult=form.adult.data),
                shown,
                form.media_uploads(),
                submission_key=key,
                dialogue=dialogue,
            )
        except DuplicateSubmission:
            # The same form was stored a moment ago by a request still on its way
            # (a double click while a photo was uploading), or before the window.
            earlier = receipt_window.earlier_submission(db, key)
            if earlier is not None:
                return receipt_window.to_receipt(earlier, again=True)
            return private(
                render_template("already_received.html", minutes=receipt_window.WINDOW_MINUTES), 409
            )
        except UploadRefused as exc:
            form.show_media_errors(exc.errors)
        except (StoryError, MediaError) as exc:
            form.storage_failed = isinstance(exc, StorageUnavailable)
            form.form_errors.append(str(exc))
        else:
            # Never the receipt as the answer to a POST: a reload would send the form again.
            return receipt_window.to_receipt(key)
    status = _failure_status(form) if form.is_submitted() else 200
    return private(
        render_template(
            "submit.html",
            form=form,
            consent_shown=languages.consent_for_page(consent_text),
            conversation_text=conversation_text(),
            ties=ties,
        ),
        status,
    )


@bp.route("/submit/received")
def received():
    """The receipt, for as long as this browser's receipt window is open."""
    receipt = receipt_window.current()
    if receipt is None:
        forgotten = request.args.get("forgotten") == "1"
        return private(_gone(forgotten), 200 if forgotten else 410)
    return private(
        render_template(
            "receipt.html",
            code=receipt.code,
            story_id=receipt.story_id,
            invitations=receipt.invitations,
            notes=[NOTES[key] for key in receipt.notes if key in NOTES],
            again=request.args.get("again") == "1",
            minutes=receipt_window.WINDOW_MINUTES,
            forget_form=ConfirmForm(formdata=None),
            my_story_url=my_story_url(),
        )
    )


def _gone(forgotten: bool) -> str:
    return render_template("receipt_gone.html", forgotten=forgotten, minutes=receipt_window.WINDOW_MINUTES)


@bp.route("/submit/received/receipt.txt")
def receipt_text():
    """The receipt as a text file to save (made here: no JavaScript needed)."""
    receipt = receipt_window.current()
    if receipt is None:
        return private(_gone(False), 410)
    return receipt_file(
        "receipt.txt",
        code=receipt.code,
        story_id=receipt.story_id,
        invitations=receipt.invitations,
        join_url=site_url("contribute.join"),
    )


@bp.post("/submit/received/forget")
def forget_receipt():
    """End the receipt window now: the contributor has kept the code."""
    form = ConfirmForm()
    if not form.validate_on_submit():
        return received()
    return receipt_window.forget()


def _failure_status(form) -> int:
    """400 for a form the contributor can put right, 503 when our storage failed."""
    return 503 if getattr(form, "storage_failed", False) else 400


def _dashboard(story, code, message=None, status=200, **forms):
    """The contributor's view of their story, reached only with the receipt code.

    ``forms`` may hold a refused form to show again: ``edit_form``,
    ``narrow_form``, ``add_form`` or ``failed`` (a photo or recording's refused
    change: {"media_id", "action", "form"}); ``new_invitation`` a narrator's new
    invitation code, shown once."""
    db = get_db()
    with db.snapshot():  # one state throughout, even if the story is withdrawn meanwhile
        story = get_story(db, story["id"]) if story is not None else None
        if story is None or current_consent(db, story) is None:
            return _code_form_page(ReceiptCodeForm(), error=True)
        story = describe(db, story)
        consent = story["consent"]
        page_media = media_for_page(db, story["id"])
        # In a conversation the contributor narrows their own choice (the one in force
        # is the narrowest of all narrators'), and their history is their own records.
        first = narrators.contributor(db, story["id"])
        own = narrators.latest_record(db, first["id"]) if first else consent
        history = narrators.narrator_history(db, first["id"]) if first else consent_history(db, story["id"])
        roster = narrators.roster(db, story["id"]) if first else []
    # The code was entered in this browser session: it may see the story's own photos and recordings.
    # (A write: after the read snapshot, never inside it.)
    grant_media(db, story["id"])
    editable = story["status"] in EDITABLE_BY_CONTRIBUTOR
    edit_form = forms.get("edit_form")
    if editable and edit_form is None:
        edit_form = EditStoryForm(formdata=None)
        edit_form.fill_from(story)
    narrow_form = forms.get("narrow_form") or NarrowAccessForm(formdata=None)
    narrow_form.set_choices(own["access"])
    # The consent text in the language the contributor last gave their consent in,
    # whatever the interface speaks now, and whether it is still word for word the text agreed to.
    agreed = languages.consent_for_page(
        conversation_consent_text if first else consent_text, own.get("language")
    )
    return private(
        render_template(
            "my_story.html",
            story=story,
            code=code,
            message=message,
            edit_form=edit_form if editable else None,
            narrow_form=narrow_form,
            withdraw_form=WithdrawForm(formdata=None),
            history=history,
            consent=consent,
            own_consent=own if first else None,
            agreed=agreed,
            agreed_as_worded=text_sha256(agreed["text"]) == own["text_sha256"],
            conversation=first is not None,
            roster=roster,
            narrator_form=NarratorForm(formdata=None),
            new_invitation=forms.get("new_invitation"),
            story_audience=audience_sentences(story, consent, "story"),
            media_audience=audience_sentences(story, consent, "media"),
            media=page_media,
            media_editable=editable,
            add_form=forms.get("add_form") or AddMediaForm(formdata=None),
            photo_room=len(page_media["photos"]) < media.MAX_PHOTOS,
            audio_room=len(page_media["recordings"]) < media.MAX_RECORDINGS,
            failed=forms.get("failed"),
        ),
        status,
    )


def _code_form_page(form, error=False):
    # The same words and status for every code that leads nowhere (common.code_not_found).
    return code_form_page("my_story_code.html", form, error)


def _story_from_code():
    """(story, code) for the receipt code sent with this request; story is None
    when the code leads nowhere. Every look-up that finds nothing counts against
    the receipt limits (stories/rate_limits.py), so codes cannot be guessed quickly."""
    ticket = rate_limits.take("receipt")
    code = request.form.get("code", "")
    story = find_by_receipt(get_db(), code)
    if story is not None:
        ticket.give_back()
    return story, code


@bp.route("/my-story", methods=["GET", "POST"])
def my_story():
    form = ReceiptCodeForm()
    if request.method == "GET":
        return _code_form_page(form)
    story, code = _story_from_code()
    if not form.validate_on_submit():
        return _code_form_page(form, error=bool(form.code.data))
    if story is None:
        # Another narrator's receipt or invitation code opens their own pages.
        return conversation.open_other_code(code) or _code_form_page(form, error=True)
    handler = _ACTIONS.get(request.form.get("action", "open"), _open)
    return handler(story, code)


def _open(story, code):
    return _dashboard(story, code)


def _refresh(code):
    return find_by_receipt(get_db(), code)


def _edit(story, code):
    form = EditStoryForm()
    if not form.validate():
        return _dashboard(story, code, edit_form=form)
    try:
        workflows.edit_by_contributor(get_db(), story["id"], form.to_draft())
    except StoryError as exc:
        return _dashboard(story, code, message=str(exc))
    return _dashboard(
        _refresh(code), code, message=_("Your changes are saved. Curators will review the story again.")
    )


def _narrow(story, code):
    db = get_db()
    form = NarrowAccessForm()
    first = narrators.contributor(db, story["id"])
    own = narrators.latest_record(db, first["id"]) if first else describe(db, story)["consent"]
    form.set_choices(own["access"])
    if not form.validate():
        return _dashboard(story, code, narrow_form=form)
    try:
        text = conversation_consent_text() if first else consent_text()
        narrow_access(db, story["id"], form.access.data, languages.shown(text))
    except StoryError as exc:
        return _dashboard(story, code, message=str(exc))
    return _dashboard(_refresh(code), code, message=_("Who may read your story has been narrowed."))


def _withdraw(story, code):
    return conversation.withdraw_page(story, code)


def _withdraw_confirmed(story, code):
    return conversation.withdraw_confirmed(story, code)


def _narrator_change(story, code, change):
    """Remove a narrator who never answered, or give them a new invitation code."""
    form = NarratorForm()
    if not form.validate() or not (form.narrator_id.data.isascii() and form.narrator_id.data.isdigit()):
        return _dashboard(story, code, message=_("That change could not be made. Please try again."))
    try:
        return change(int(form.narrator_id.data))
    except StoryError as exc:
        return _dashboard(_refresh(code), code, message=str(exc))


def _remove_narrator(story, code):
    def remove(narrator_id):
        narrators.remove(get_db(), story["id"], narrator_id)
        return _dashboard(
            _refresh(code), code, message=_("The narrator is removed: their invitation no longer works.")
        )

    return _narrator_change(story, code, remove)


def _renew_invitation(story, code):
    def renew(narrator_id):
        new_code = narrators.renew(get_db(), story["id"], narrator_id)
        message = _("Here is a new invitation code. The old one no longer works.")
        return _dashboard(_refresh(code), code, message=message, new_invitation=new_code)

    return _narrator_change(story, code, renew)


_ACTIONS = {
    "open": _open,
    "edit": _edit,
    "narrow": _narrow,
    "withdraw": _withdraw,
    "withdraw_confirm": _withdraw_confirmed,
    "remove_narrator": _remove_narrator,
    "renew_invitation": _renew_invitation,
}


# --- photos and recordings of one's own story ---------------------------------------


@bp.route("/my-story/media", methods=["POST"])
def my_story_media():
    """Change the description of, or delete, a photo or recording of one's own story."""
    story, code = _story_from_code()
    if story is None:
        return _code_form_page(ReceiptCodeForm(), error=True)
    if story["status"] not in EDITABLE_BY_CONTRIBUTOR:
        return _dashboard(story, code, message=_("Photos and recordings can no longer be changed."))
    db = get_db()
    action = request.form.get("action")
    item = media.get_media(db, request.form.get("media_id") or "")
    if item is None or item["story_id"] != story["id"]:
        return _dashboard(story, code, message=_("That change could not be made. Please try again."))
    if action == "delete":
        form = MediaDeleteForm()
    elif item["kind"] == "photo":
        form = PhotoDescriptionForm()
    else:
        form = TranscriptForm()
    if not form.validate():
        if form.csrf_token.errors:
            return _dashboard(story, code, message=_("That change could not be made. Please try again."))
        return _failed_change(story, code, item, action, form)
    try:
        if action == "delete":
            workflows.delete_media(db, get_storage(), story["id"], item["id"])
            message = _("The photo or recording has been deleted.")
        else:
            workflows.describe_media(
                db,
                story["id"],
                item["id"],
                alt_text=form.data.get("alt_text"),
                caption=form.data.get("caption"),
                transcript=form.data.get("transcript"),
            )
            message = _("Your changes are saved.")
    except (MediaError, StoryError) as exc:
        form.form_errors.append(str(exc))
        return _failed_change(story, code, item, action, form)
    return _dashboard(_refresh(code), code, message=message)


def _failed_change(story, code, item, action, form):
    """/my-story again with the refused change shown at its photo or recording:
    an error summary at the top of that form, the message at the field, what was
    typed kept, nothing saved."""
    # The summary links to the fields as the page names them (one form per item).
    ids = {"alt_text": "alt", "caption": "caption", "transcript": "transcript", "confirm": "delete"}
    for name, prefix in ids.items():
        if name in form:
            form[name].id = f"{prefix}-{item['id']}"
    failed = {"media_id": item["id"], "action": "delete" if action == "delete" else "describe", "form": form}
    message = _("Your change was not saved. Please see the problem marked below.")
    return _dashboard(story, code, message=message, status=400, failed=failed)


@bp.route("/my-story/media/add", methods=["POST"])
@accepts_uploads(AddMediaForm)
def my_story_media_add():
    """Add a photo or a recording to one's own story while it awaits review."""
    story, code = _story_from_code()
    if story is None:
        return _code_form_page(ReceiptCodeForm(), error=True)
    if story["status"] not in EDITABLE_BY_CONTRIBUTOR:
        return _dashboard(story, code, message=_("Photos and recordings can no longer be changed."))
    form = AddMediaForm()
    if form.validate():
        try:
            workflows.add_media(get_db(), get_storage(), story["id"], form.media_uploads())
        except UploadRefused as exc:
            form.show_media_errors(exc.errors)
        except (MediaError, StoryError) as exc:
            form.form_errors.append(str(exc))
        else:
            return _dashboard(
                _refresh(code), code, message=_("Added. Curators will see it when they review your story.")
            )
    # The form goes back with its errors, shown in the media section of the page.
    message = _("The photo or recording could not be added. Please see below.")
    return _dashboard(story, code, message=message, status=400, add_form=form)
